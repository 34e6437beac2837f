"""Run every benchmark and print one report (``--write`` puts it in README.md).

Usage: ``python benchmarks/run_all.py [--quick] [--write]`` from the repository root,
with the peers installed (``pip install -e '.[bench]'``; PyTorch's CPU build is
``torch==2.13.0`` here). A missing peer is skipped with a message. ``--write`` also
redraws ``speed.png``, the figure that opens README.md.

Benchmarks of other parts (the functional graph, the scikit-learn estimators, the
table pipeline, sweeps) are picked up when their script is there and has a
``run(repeats)`` and a ``COLUMNS`` list: one line each in ``OPTIONAL``.
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

from common import machine, table

# (title, module, repeats, quick repeats, columns)
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
        ["framework", "time", "axon / peer"],
    ),
    (
        "One epoch, 60,000 x 784 -> 256 -> 128 -> 10, batch 128, Adam",
        "bench_large",
        5,
        2,
        None,
    ),
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
    (
        "`import`, in a fresh interpreter",
        "bench_import",
        10,
        3,
        None,
    ),
]

# Other engineers' benchmarks, run when present (columns from their COLUMNS).
OPTIONAL: list[tuple[str, str, int, int, list[str] | None]] = [
    ("Functional models against Sequential", "bench_functional", 15, 5, None),
    ("scikit-learn estimators", "bench_sklearn", 3, 1, None),
    ("The table pipeline", "bench_table", 3, 1, None),
    ("Sweeps", "bench_sweep", 3, 1, None),
]


def _optional(name: str) -> ModuleType | None:
    if not (HERE / f"{name}.py").exists():
        return None
    module = importlib.import_module(name)
    if not (hasattr(module, "run") and hasattr(module, "COLUMNS")):
        print(f"  (skipping {name}: no run(repeats) and COLUMNS)", file=sys.stderr)
        return None
    return module


def run_sections(quick: bool) -> list[tuple[str, list[dict[str, Any]], list[str]]]:
    """Every section's rows, in order."""
    results = []
    for optional, entries in ((False, SECTIONS), (True, OPTIONAL)):
        for title, name, repeats, quick_repeats, columns in entries:
            module = _optional(name) if optional else importlib.import_module(name)
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
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    load_before = os.getloadavg()
    results = run_sections(args.quick)
    load_after = os.getloadavg()
    report = io.StringIO()
    today = datetime.date.today().isoformat()
    print(
        f"Measured {today}; 'axon / peer' below 1 means axon is faster. Load average "
        f"(1, 5, 15 min) before the run {', '.join(f'{v:.1f}' for v in load_before)}, "
        f"after {', '.join(f'{v:.1f}' for v in load_after)}, on "
        f"{os.cpu_count()} cores.\n",
        file=report,
    )
    for title, rows, columns in results:
        print(f"### {title}\n\n{table(rows, columns)}\n", file=report)
    # After the runs, so the peers imported above are listed with their versions.
    print(f"Machine and versions:\n\n```\n{machine()}\n```", file=report)
    text = report.getvalue()
    print(text)
    if args.write:
        from figure import draw

        draw(results, HERE / "speed.png", f"{today}, load {load_before[0]:.1f}")
        readme = HERE / "README.md"
        head = readme.read_text().split("<!-- results -->")[0]
        readme.write_text(f"{head}<!-- results -->\n\n{text}")


if __name__ == "__main__":
    main()
