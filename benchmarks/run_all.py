"""Run every benchmark and print one report (``--write`` puts it in README.md).

Usage: ``python benchmarks/run_all.py [--quick] [--write]`` from the repository root,
with the peers installed (``pip install -e '.[bench]'``; PyTorch's CPU build is
``torch==2.13.0`` here). A missing peer is skipped with a message.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
import warnings
from contextlib import redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_functional
import bench_import
import bench_iris
import bench_large
import bench_memory
import bench_predict
import bench_sklearn
import bench_step
from common import machine, table

SECTIONS = [
    (
        "The tutorial's Keras configuration on Iris, `fit` (100 epochs)",
        bench_iris,
        25,
        5,
        ["framework", "time", "axon / peer", "test accuracy"],
    ),
    (
        "One training step, 4-8-8-3, batch 16, Adam (inside a training loop)",
        bench_step,
        15,
        5,
        ["framework", "time", "axon / peer"],
    ),
    (
        "The tutorial's model as a functional Model against Sequential, per step",
        bench_functional,
        21,
        7,
        bench_functional.COLUMNS,
    ),
    (
        "One epoch, 60,000 x 784 -> 256 -> 128 -> 10, batch 128, Adam",
        bench_large,
        5,
        2,
        ["framework", "time", "axon / peer", "note"],
    ),
    (
        "axon.sklearn against scikit-learn's MLPs, `fit` at equal settings "
        "(medians of 5 seeds, BLAS on one thread)",
        bench_sklearn,
        5,
        3,
        bench_sklearn.COLUMNS,
    ),
    (
        "`predict` on one sample (the tutorial's model)",
        bench_predict,
        7,
        3,
        ["framework", "time", "axon / peer"],
    ),
    (
        "Peak memory on the large run",
        bench_memory,
        1,
        1,
        ["framework", "data set", "peak RSS of the process", "added by fit"],
    ),
    (
        "`import`, in a fresh interpreter",
        bench_import,
        10,
        3,
        ["framework", "time", "axon / peer"],
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument(
        "--write", action="store_true", help="update benchmarks/README.md"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    report = io.StringIO()
    today = datetime.date.today().isoformat()
    print(
        f"Measured {today}; 'axon / peer' below 1 means axon is faster.\n", file=report
    )
    for title, module, repeats, quick, columns in SECTIONS:
        print(f"running: {title}", file=sys.stderr)
        with redirect_stdout(sys.stderr):
            rows = module.run(quick if args.quick else repeats)
        print(f"### {title}\n\n{table(rows, columns)}\n", file=report)
    # After the runs, so the peers imported above are listed with their versions.
    print(f"Machine and versions:\n\n```\n{machine()}\n```", file=report)
    text = report.getvalue()
    print(text)
    if args.write:
        readme = HERE / "README.md"
        head = readme.read_text().split("<!-- results -->")[0]
        readme.write_text(f"{head}<!-- results -->\n\n{text}")


if __name__ == "__main__":
    main()
