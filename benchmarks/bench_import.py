"""Time to ``import`` each framework in a fresh interpreter (median over runs)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

from common import ratio_rows, table


def import_time(module: str, repeats: int) -> float | None:
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = []
    for _ in range(repeats):
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            print(f"  (skipping {module}: not importable)")
            return None
        times.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def run(repeats: int) -> list[dict[str, object]]:
    modules = ("axon", "torch", "keras", "sklearn.neural_network")
    times = {f"import {m}": import_time(m, repeats) for m in modules}
    return ratio_rows(times, base="import axon")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=10)
    print(table(run(parser.parse_args().repeats), ["framework", "time", "axon / peer"]))
