"""The large benchmark fed by a PyDataset against arrays, and a PyDataset read from disk.

Issue 8 asks two things of ``axon.utils.PyDataset``:

1. Speed: one epoch of the large benchmark (20,000 x 784 -> 256 -> 128 -> 10, ReLU,
   softmax, batch 128, Adam) fed by a PyDataset returning slices of the arrays costs
   at most 15% more than ``fit(x, y)`` on the arrays themselves. Both models start
   from the same weights and take turns, epoch by epoch; each epoch's wall time and
   process CPU time are kept, and the medians reported with the load average (the
   machine is shared: CPU time moves less with the load than wall time does). BLAS
   runs on one thread unless ``--threads`` says otherwise: on a loaded machine,
   OpenBLAS's second thread spins waiting for a core and the epoch's CPU time
   grew twentyfold in a trial run (6.6 s against 0.35 s), drowning the difference
   this benchmark looks for.
2. Memory: a PyDataset reading its batches from ``.npy`` files opened with
   ``np.load(mmap_mode="r")`` trains with flat memory. Each size runs one epoch in a
   fresh child process, which records, batch by batch, its anonymous resident memory
   (the process's own arrays, ``RssAnon``) and its file-backed resident memory (pages
   of the mapped files, ``RssFile``), and reports both peaks above what it held before
   ``fit``. Arrays loaded whole (``np.load`` without ``mmap_mode``) are the contrast.

Run: ``python benchmarks/bench_pydataset.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from bench_large import BATCH, D, axon_model, data

import axon

N = 20_000
HERE = Path(__file__).resolve().parent


class Slices(axon.utils.PyDataset):
    """Batch ``i`` is rows ``[i * batch, (i + 1) * batch)`` of ``x`` and ``y``.

    Views of the arrays (or of memory-mapped files): no copy here; ``fit`` reads the
    batches in a new random order each epoch (``shuffle=True``).
    """

    def __init__(self, x: Any, y: Any, batch_size: int = BATCH) -> None:
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[rows], self.y[rows]


def twin_models() -> tuple[axon.Model, axon.Model]:
    """Two copies of the large benchmark's model with the same initial weights."""
    axon.utils.set_random_seed(0)
    first, second = axon_model(), axon_model()
    second.set_weights(first.get_weights())
    return first, second


def speed(repeats: int, n: int) -> dict[str, Any]:
    """Median wall and CPU seconds of an epoch from arrays and from a PyDataset."""
    x, y = data(n)
    from_arrays, from_dataset = twin_models()
    batches = Slices(x, y)
    runs = {
        "arrays": lambda: from_arrays.fit(x, y, batch_size=BATCH, verbose=0),
        "PyDataset": lambda: from_dataset.fit(batches, verbose=0),
    }
    for run in runs.values():  # warm: buffers made, pages touched
        run()
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for i in range(repeats):
        order = list(runs) if i % 2 == 0 else list(runs)[::-1]  # who goes first
        for name in order:
            start, start_cpu = time.perf_counter(), time.process_time()
            runs[name]()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return {
        name: {
            "wall": statistics.median(wall[name]),
            "cpu": statistics.median(cpu[name]),
        }
        for name in runs
    }


# -- memory, in a child process per size ------------------------------------------------
def _memory_kib() -> tuple[int, int]:
    """This process's resident anonymous and file-backed memory, in KiB."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile"):
                fields[key] = int(value.split()[0])
    return fields["RssAnon"], fields["RssFile"]


def child(directory: str, mode: str) -> None:
    """One epoch from the files in ``directory``; prints the memory peaks as JSON.

    ``mode``: ``"mmap"`` (``np.load(mmap_mode="r")``) or ``"loaded"`` (read whole).
    """
    x_file, y_file = Path(directory, "x.npy"), Path(directory, "y.npy")
    model = axon_model()
    if mode == "mmap":
        source: Any = Slices(np.load(x_file, mmap_mode="r"), np.load(y_file))
    else:
        source = Slices(np.load(x_file), np.load(y_file))
    model.fit(source.x[:BATCH], source.y[:BATCH], verbose=0)  # buffers made
    base = _memory_kib()
    peaks = list(base)

    class Sample(axon.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            for i, value in enumerate(_memory_kib()):
                peaks[i] = max(peaks[i], value)

    start = time.perf_counter()
    model.fit(source, verbose=0, callbacks=[Sample()])
    print(
        json.dumps(
            {
                "anon_mib": (peaks[0] - base[0]) / 1024,
                "file_mib": (peaks[1] - base[1]) / 1024,
                "before_mib": (base[0] + base[1]) / 1024,
                "seconds": time.perf_counter() - start,
            }
        )
    )


def memory(sizes: list[int], threads: int) -> list[dict[str, Any]]:
    """Peak memory above the start of ``fit``, per data size and way of reading."""
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as directory:
            x, y = data(n)
            np.save(Path(directory, "x.npy"), x)
            np.save(Path(directory, "y.npy"), y)
            data_mib = x.nbytes / 2**20
            del x, y
            for mode in ("mmap", "loaded"):
                env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads or ""))
                out = subprocess.run(
                    [sys.executable, __file__, "--child", directory, mode],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=HERE,
                    env=env if threads else None,
                ).stdout
                rows.append({"rows": n, "x_mib": data_mib, "mode": mode})
                rows[-1].update(json.loads(out.splitlines()[-1]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=1, help="BLAS; 0: all")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    repeats = 2 if args.quick else args.repeats
    n = 2_000 if args.quick else N
    from threadpoolctl import threadpool_limits

    print(f"BLAS threads: {args.threads or 'all'}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with threadpool_limits(limits=args.threads or None, user_api="blas"):
        times = speed(repeats, n)
    print(f"load average after:  {os.getloadavg()[0]:.2f}")
    print(f"\nOne epoch, {n:,} x {D} -> 256 -> 128 -> 10, batch {BATCH}, Adam,")
    print(f"medians of {repeats} epochs taking turns:\n")
    print("| fed by | wall | CPU |")
    print("|---|---|---|")
    for name, t in times.items():
        print(f"| {name} | {t['wall']:.3f} s | {t['cpu']:.3f} s |")
    for kind in ("wall", "cpu"):
        ratio = times["PyDataset"][kind] / times["arrays"][kind]
        print(f"PyDataset / arrays ({kind}): {ratio:.3f}")
    sizes = [1_000, 2_000] if args.quick else [20_000, 60_000, 120_000]
    print("\nOne epoch from .npy files in a child process; peaks above fit's start:\n")
    print("| rows | x on disk | read by | RSS at fit's start | peak RssAnon above it |"
          " peak RssFile above it | epoch |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for row in memory(sizes, args.threads):
        print(
            f"| {row['rows']:,} | {row['x_mib']:.0f} MiB | {row['mode']} | "
            f"{row['before_mib']:.0f} MiB | "
            f"{row['anon_mib']:.1f} MiB | {row['file_mib']:.1f} MiB | "
            f"{row['seconds']:.2f} s |"
        )


if __name__ == "__main__":
    main()
