"""Run every benchmark and print one report (``--write`` puts it in README.md).

Usage: ``python benchmarks/run_all.py [--quick] [--write]`` from the repository root,
with the peers installed (``pip install -e '.[bench]'``; PyTorch's CPU build is
``torch==2.13.0`` here). A missing peer is skipped with a message. ``--write`` also
redraws ``speed.png``, the figure that opens README.md.

Benchmarks of other parts (the functional graph, the scikit-learn estimators, the
table pipeline, sweeps) run when their script is there and has a ``run(repeats)``
and a ``COLUMNS`` list: one line each in ``SECTIONS``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import io
import os
import sys
import warnings
from contextlib import redirect_stdout
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import common
from common import machine, table

# (title, module, repeats, quick repeats, columns: None for the module's COLUMNS).
# A module whose script is not there is skipped: other parts add their line here.
SECTIONS: list[tuple[str, str, int, int, list[str] | None]] = [
    (
        "The tutorial's Keras configuration on Iris, `fit` (100 epochs)",
        "bench_iris",
        25,
        5,
        ["framework", "time", "axon / peer", "test accuracy"],
    ),
    (
        "One training step, 4-8-8-3, batch 16, Adam (inside a training loop)",
        "bench_step",
        15,
        5,
        None,
    ),
    (
        "The tutorial's model as a functional Model against Sequential, per step",
        "bench_functional",
        21,
        7,
        None,
    ),
    (
        "One epoch, 60,000 x 784 -> 256 -> 128 -> 10, batch 128, Adam",
        "bench_large",
        5,
        2,
        None,
    ),
    (
        "axon.sklearn against scikit-learn's MLPs, `fit` at equal settings "
        "(medians of 5 seeds, BLAS on one thread)",
        "bench_sklearn",
        5,
        3,
        None,
    ),
    ("The table pipeline", "bench_table", 3, 1, None),
    ("Sweeps", "bench_sweep", 3, 1, None),
    (
        "`predict` on one sample (the tutorial's model)",
        "bench_predict",
        7,
        3,
        ["framework", "time", "axon / peer"],
    ),
    (
        "`predict` on 100,000 rows (the large network)",
        "bench_predict_large",
        5,
        2,
        None,
    ),
    (
        "Peak memory on the large run",
        "bench_memory",
        1,
        1,
        ["framework", "data set", "peak RSS of the process", "added by fit"],
    ),
    ("`import`, in a fresh interpreter", "bench_import", 10, 3, None),
]


def _module(name: str, columns: list[str] | None) -> ModuleType | None:
    """The benchmark ``name``, or None (with a word why) when it cannot run here."""
    if not (HERE / f"{name}.py").exists():
        return None
    module = importlib.import_module(name)
    if not hasattr(module, "run") or (
        columns is None and not hasattr(module, "COLUMNS")
    ):
        print(f"  (skipping {name}: no run(repeats) and COLUMNS)", file=sys.stderr)
        return None
    return module


def run_sections(quick: bool) -> list[tuple[str, list[dict[str, Any]], list[str]]]:
    """Every section's rows, in order."""
    results = []
    for title, name, repeats, quick_repeats, columns in SECTIONS:
        module = _module(name, columns)
        if module is None:
            continue
        load = os.getloadavg()[0]
        print(f"running: {title} (load {load:.1f})", file=sys.stderr)
        with redirect_stdout(sys.stderr):
            rows = module.run(quick_repeats if quick else repeats)
        results.append((title, rows, columns or module.COLUMNS))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument(
        "--write", action="store_true", help="update README.md and speed.png"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="BLAS and PyTorch threads (default: every core); 1 on a loaded machine, "
        "where two BLAS threads get descheduled in turn inside each product",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    load_before = os.getloadavg()
    if args.threads:
        from threadpoolctl import threadpool_limits

        common.THREADS[0] = args.threads
        with threadpool_limits(limits=args.threads, user_api="blas"):
            results = run_sections(args.quick)
    else:
        results = run_sections(args.quick)
    load_after = os.getloadavg()
    report = io.StringIO()
    today = datetime.date.today().isoformat()
    print(
        f"Measured {today}; 'axon / peer' below 1 means axon is faster. Load average "
        f"(1, 5, 15 min) before the run {', '.join(f'{v:.1f}' for v in load_before)}, "
        f"after {', '.join(f'{v:.1f}' for v in load_after)}, on "
        f"{os.cpu_count()} cores"
        + (f", BLAS and PyTorch on {args.threads} thread(s)" if args.threads else "")
        + ".\n",
        file=report,
    )
    for title, rows, columns in results:
        print(f"### {title}\n\n{table(rows, columns)}\n", file=report)
    # After the runs, so the peers imported above are listed with their versions.
    print(f"Machine and versions:\n\n```\n{machine()}\n```", file=report)
    text = report.getvalue()
    print(text)
    if args.write:
        # Between the two markers: what follows the second (notes written by hand
        # about a section) stays.
        readme = HERE / "README.md"
        head, rest = readme.read_text().split("<!-- results -->")
        end = "<!-- end of results -->"
        tail = rest[rest.index(end) :] if end in rest else end + "\n"
        readme.write_text(f"{head}<!-- results -->\n\n{text}\n{tail}")
        from figure import draw

        draw(results, HERE / "speed.png", f"{today}, load {load_before[0]:.1f}")


if __name__ == "__main__":
    main()
