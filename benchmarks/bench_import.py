"""Time to ``import`` each framework in a fresh interpreter (median over runs)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from common import format_seconds, table


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
    rows = []
    base = None
    for module in ("axon", "torch", "keras", "sklearn.neural_network"):
        seconds = import_time(module, repeats)
        if seconds is None:
            continue
        base = base or seconds
        rows.append(
            {
                "framework": f"import {module}",
                "time": format_seconds(seconds),
                "seconds": seconds,
                "axon / peer": base / seconds,
            }
        )
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=10)
    start = time.perf_counter()
    print(table(run(parser.parse_args().repeats), ["framework", "time", "axon / peer"]))
