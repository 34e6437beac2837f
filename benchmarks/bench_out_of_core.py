"""Data larger than memory (issue 10 item 5): peak memory stays flat as the file grows.

On-disk arrays of increasing size (``--sizes`` in GB of float32 ``x``: 32 features,
and a ``y`` of 0/1 labels from a linear rule with noise) are written with
``np.lib.format.open_memmap`` to a temporary folder (deleted afterwards). For each
size a fresh process opens them with ``np.load(path, mmap_mode="r")`` (or wraps that
in a dask array, ``--dask``), trains one epoch of Dense 64 relu -> Dense 1 sigmoid
(Adam, batch 512, shuffled) and reports its peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``). BLAS runs on one thread in the
children.

Then the largest file is trained under a memory cap of a quarter of its size:
``RLIMIT_DATA``, set in the child before Python starts, limits the heap and every
private writable mapping (Linux since 4.7), which is the memory a process allocates;
a read-only file mapping (the memmap) is outside it, as its pages belong to the page
cache. (``RLIMIT_AS`` counts address space, so the 2 GB mapping alone would exceed
it.) A control child under the same cap loads the same file into memory
(``np.load`` without ``mmap_mode``) and fails with ``MemoryError``: the cap is real.

Last, the time of an epoch: the same rows (``--time-gb``) in memory, as a memmap (and
as the dask array, ``--dask``), a fresh model from the same seed each run, BLAS on one
thread, the runs taking turns (``--repeats``), medians of wall and CPU time, with the
load average (the machine is shared).

Usage: ``python benchmarks/bench_out_of_core.py [--sizes 0.25,0.5,1,2] [--dask]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

FEATURES, BATCH, SEED = 32, 512, 0
GB = 2**30


def write_data(folder: Path, gigabytes: float) -> tuple[Path, Path, int]:
    """``x`` (rows x 32 float32) and ``y`` (rows float32), written block by block."""
    rows = int(gigabytes * GB) // (FEATURES * 4)
    x_path, y_path = folder / f"x_{gigabytes}.npy", folder / f"y_{gigabytes}.npy"
    x = np.lib.format.open_memmap(x_path, "w+", np.float32, (rows, FEATURES))
    y = np.lib.format.open_memmap(y_path, "w+", np.float32, (rows,))
    rng = np.random.default_rng(SEED)
    teacher = rng.normal(size=FEATURES).astype(np.float32)
    block = 1 << 20
    for start in range(0, rows, block):
        part = rng.standard_normal((min(block, rows - start), FEATURES), np.float32)
        x[start : start + len(part)] = part
        noise = rng.standard_normal(len(part), np.float32)
        y[start : start + len(part)] = (part @ teacher + noise > 0).astype(np.float32)
    x.flush(), y.flush()
    del x, y
    return x_path, y_path, rows


def dask_from_npy(path: str, rows: int = 2**18) -> Any:
    """A dask array of a ``.npy`` file whose chunks (``rows`` rows, 32 MiB of ``x``)
    are read with ``read()``, as HDF5 or Zarr readers do, not through a mapping.
    """
    import dask
    import dask.array as da

    header = np.load(path, mmap_mode="r")
    shape, dtype, offset = header.shape, header.dtype, header.offset
    del header
    width = int(np.prod(shape[1:]))

    def read(start: int, stop: int) -> Any:
        where = offset + start * width * dtype.itemsize
        flat = np.fromfile(path, dtype, count=(stop - start) * width, offset=where)
        return flat.reshape(stop - start, *shape[1:])

    blocks = [
        da.from_delayed(
            dask.delayed(read)(a, min(a + rows, shape[0])),
            (min(a + rows, shape[0]) - a, *shape[1:]),
            dtype,
        )
        for a in range(0, shape[0], rows)
    ]
    return da.concatenate(blocks)


def build() -> Any:
    import axon

    axon.utils.set_random_seed(SEED)
    model = axon.Sequential(
        [
            axon.layers.Dense(64, activation="relu", input_shape=(FEATURES,)),
            axon.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def child(args: argparse.Namespace) -> None:
    """One epoch in this process; print what it measured as one JSON line."""
    if args.child == "in-memory":  # the control: the whole file in memory
        try:
            np.load(args.x)
            outcome = "loaded"
        except MemoryError:
            outcome = "MemoryError"
        print(json.dumps({"outcome": outcome, "maxrss": _maxrss()}))
        return
    x = np.load(args.x, mmap_mode="r")
    y = np.load(args.y, mmap_mode="r")
    if args.child == "dask":
        x, y = dask_from_npy(args.x), dask_from_npy(args.y)
    model = build()
    start, cpu = time.perf_counter(), time.process_time()
    history = model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)
    result = {
        "outcome": "completed",
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "loss": history.history["loss"][-1],
        "accuracy": history.history["accuracy"][-1],
        "maxrss": _maxrss(),
    }
    print(json.dumps(result))


def _maxrss() -> int:
    """Peak resident memory of this process, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_child(kind: str, x: Path, y: Path, cap: int | None = None) -> dict[str, Any]:
    def limit() -> None:
        if cap is not None:
            resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--x", str(x), "--y", str(y)],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limit,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"outcome": f"failed ({last})", "maxrss": None}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def mb(value: float | None) -> str:
    return "-" if value is None else f"{value / 2**20:,.0f} MB"


def memory_table(folder: Path, sizes: list[float], kinds: list[str]) -> Path:
    print(f"\nPeak RSS of one epoch, a fresh process per size (load {_load()}):\n")
    print("| data (x + y) | rows | reader | peak RSS | RSS / data | epoch | loss |")
    print("|---|---|---|---|---|---|---|")
    largest = folder
    for size in sizes:
        x, y, rows = write_data(folder, size)
        total = x.stat().st_size + y.stat().st_size
        for kind in kinds:
            got = run_child(kind, x, y)
            seconds = got.get("seconds")
            print(
                f"| {total / GB:.2f} GB | {rows:,} | {kind} | {mb(got['maxrss'])} | "
                f"{got['maxrss'] / total if got['maxrss'] else 0:.2f} | "
                + (f"{seconds:.1f} s | {got['loss']:.4f} |" if seconds else "- | - |")
                + ("" if got["outcome"] == "completed" else f" {got['outcome']}")
            )
        largest = x
        if size != sizes[-1]:
            x.unlink(), y.unlink()
    return largest


def capped_run(x: Path) -> None:
    y = x.with_name(x.name.replace("x_", "y_"))
    total = x.stat().st_size + y.stat().st_size
    cap = total // 4
    print(
        f"\nUnder RLIMIT_DATA = {mb(cap)} (a quarter of the {total / GB:.2f} GB "
        f"on disk; load {_load()}):\n"
    )
    print("| run | outcome | peak RSS |")
    print("|---|---|---|")
    got = run_child("memmap", x, y, cap)
    extra = (
        f" in {got['seconds']:.1f} s, loss {got['loss']:.4f}"
        if "seconds" in got
        else ""
    )
    print(
        f"| one epoch from the memmap | {got['outcome']}{extra} | {mb(got['maxrss'])} |"
    )
    control = run_child("in-memory", x, y, cap)
    print(
        f"| control: np.load(x) into memory | {control['outcome']} | {mb(control['maxrss'])} |"
    )


def time_table(folder: Path, gigabytes: float, repeats: int, dask: bool) -> None:
    import axon  # noqa: F401  (imported before the clock starts)

    x_path, y_path, rows = write_data(folder, gigabytes)
    in_memory = (np.load(x_path), np.load(y_path))
    mapped = (np.load(x_path, mmap_mode="r"), np.load(y_path, mmap_mode="r"))
    contenders = {"in memory": in_memory, "memmap": mapped}
    if dask:
        contenders["dask"] = (dask_from_npy(str(x_path)), dask_from_npy(str(y_path)))
    try:
        from threadpoolctl import threadpool_limits

        limits: Any = threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        limits = None
    before = _load()
    walls: dict[str, list[float]] = {name: [] for name in contenders}
    cpus: dict[str, list[float]] = {name: [] for name in contenders}
    for turn in range(repeats + 1):  # the first turn warms up
        for name, (x, y) in contenders.items():
            model = build()
            start, cpu = time.perf_counter(), time.process_time()
            model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)
            if turn:
                walls[name].append(time.perf_counter() - start)
                cpus[name].append(time.process_time() - cpu)
    if limits is not None:
        limits.unregister()
    print(
        f"\nOne epoch of {rows:,} rows ({gigabytes} GB of x), batch {BATCH}, "
        f"medians of {repeats} runs taking turns (load {before} -> {_load()}):\n"
    )
    print("| data | wall | CPU | wall / in memory | CPU / in memory |")
    print("|---|---|---|---|---|")
    base_wall = statistics.median(walls["in memory"])
    base_cpu = statistics.median(cpus["in memory"])
    for name in walls:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(
            f"| {name} | {wall:.3f} s | {cpu:.3f} s | {wall / base_wall:.2f} | "
            f"{cpu / base_cpu:.2f} |"
        )


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.25,0.5,1,2")
    parser.add_argument("--dask", action="store_true", help="also a dask array")
    parser.add_argument("--time-gb", type=float, default=0.25)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--x", help=argparse.SUPPRESS)
    parser.add_argument("--y", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    sizes = [float(s) for s in args.sizes.split(",")]
    kinds = ["memmap", "dask"] if args.dask else ["memmap"]
    folder = Path(tempfile.mkdtemp(prefix="axon_out_of_core_", dir="/tmp"))
    try:
        if not args.skip_memory:
            largest = memory_table(folder, sizes, kinds)
            capped_run(largest)
            for path in folder.iterdir():
                path.unlink()
        time_table(folder, args.time_gb, args.repeats, args.dask)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
