"""Time to ``import`` each framework in a fresh interpreter (median over runs).

Imports are timed as an installed package runs them: from compiled bytecode. The
runs use a bytecode cache of their own (``PYTHONPYCACHEPREFIX`` in a temporary
folder, filled by a first, untimed run), since a machine that sets
``PYTHONDONTWRITEBYTECODE`` would otherwise time the compiler. axon's row that
matters is what it adds to NumPy, which every user has already imported: the
interpreter imports ``numpy`` first, then ``axon``, and both are timed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from common import format_seconds, ratio_rows, table

COLUMNS = ["framework", "time", "axon / peer", "note"]
TARGET_MS = 30  # issue 12: import axon adds at most 30 ms to import numpy

CODE = """
import time
t0, c0 = time.perf_counter(), time.process_time()
import numpy
t1, c1 = time.perf_counter(), time.process_time()
import {module}
t2, c2 = time.perf_counter(), time.process_time()
print(t1 - t0, t2 - t1, c2 - c1)
"""


def import_times(
    module: str, repeats: int, cache: str
) -> tuple[float, float, float] | None:
    """Medians: numpy's time, the module's on top of it, and that in CPU time.

    CPU time is what a loaded machine disturbs least (the import is one thread).
    """
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONPYCACHEPREFIX": cache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-c", CODE.format(module=module)]
    numpy_times, module_times, cpu_times = [], [], []
    for run in range(repeats + 1):  # the first run fills the bytecode cache
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, check=False
        )
        if result.returncode != 0:
            print(f"  (skipping {module}: not importable)")
            return None
        if run:
            numpy_time, module_time, cpu = map(float, result.stdout.split()[-3:])
            numpy_times.append(numpy_time)
            module_times.append(module_time)
            cpu_times.append(cpu)
    return (
        statistics.median(numpy_times),
        statistics.median(module_times),
        statistics.median(cpu_times),
    )


def run(repeats: int) -> list[dict[str, object]]:
    modules = ("axon", "torch", "keras", "sklearn.neural_network")
    with tempfile.TemporaryDirectory() as cache:
        measured = {m: import_times(m, repeats, cache) for m in modules}
    axon_times = measured["axon"]
    assert axon_times is not None, "axon must import"
    numpy_time, added, added_cpu = axon_times
    times = {
        f"import {m}": None if t is None else t[0] + t[1] for m, t in measured.items()
    }
    rows = ratio_rows(times, base="import axon")
    rows[0]["note"] = (
        f"numpy {format_seconds(numpy_time)} + axon {format_seconds(added)} "
        f"({format_seconds(added_cpu)} CPU; target: axon adds at most {TARGET_MS} ms)"
    )
    rows[0]["added_ms"] = added * 1e3
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=10)
    print(table(run(parser.parse_args().repeats), COLUMNS))
