"""``axon predict MODEL DATA``: a model trained on a table, applied to raw rows.

The rows keep their columns; ``prediction`` and, for classification, one
``probability_<class>`` column per class follow. What was done to the rows on the
way (extra columns ignored, unseen categories sent to their bucket) is said once,
one line each, on standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from axon.cli.runs import UsageError
from axon.models.saving import atomic_write

WRITERS = {".csv": ",", ".tsv": "\t", ".parquet": None}


def add_parser(commands: Any) -> None:
    """Register ``axon predict`` and its options."""
    predict = commands.add_parser(
        "predict",
        help="predict on raw rows with a model trained on a table",
        description="Apply a model that 'axon train DATA --target COLUMN' saved to the "
        "raw rows of a CSV, TSV or Parquet file: the training columns in any order, "
        "extra columns ignored, missing values filled, unseen categories sent to "
        "their bucket. Writes the rows with 'prediction' and, for classification, "
        "one 'probability_<class>' column per class.",
    )
    predict.add_argument("model", type=Path, help="the model.axon of a table run")
    predict.add_argument("data", help="a CSV, TSV or Parquet file of raw rows")
    predict.add_argument(
        "--output",
        type=Path,
        default=Path("predictions.csv"),
        help="where to write the rows with their predictions (.csv, .tsv or "
        ".parquet), default predictions.csv",
    )


@contextlib.contextmanager
def table_warnings(command: str) -> Iterator[None]:
    """Print each TableWarning raised inside as one line on standard error."""
    from axon.tabular import TableWarning

    with warnings.catch_warnings():
        warnings.simplefilter("always", TableWarning)
        show = warnings.showwarning

        def one_line(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: Any = None,
            line: str | None = None,
        ) -> None:
            if issubclass(category, TableWarning):
                print(f"axon {command}: warning: {message}", file=sys.stderr)
            else:
                show(message, category, filename, lineno, file, line)

        warnings.showwarning = one_line
        yield


def write_table(frame: Any, path: Path) -> None:
    """Write ``frame`` as CSV, TSV or Parquet (by extension), atomically."""
    separator = WRITERS[path.suffix.lower()]
    if separator is None:
        atomic_write(path, lambda f: frame.to_parquet(f, index=False))
    else:
        atomic_write(path, lambda f: frame.to_csv(f, sep=separator, index=False))


def run(args: argparse.Namespace) -> int:
    """Run ``axon predict``."""
    from axon import tabular

    output: Path = args.output
    if output.suffix.lower() not in WRITERS:
        raise UsageError(
            f"--output {output}: expected a .csv, .tsv or .parquet file name"
        )
    if Path(args.data).exists() and output.resolve() == Path(args.data).resolve():
        raise UsageError(f"--output {output} is the input file; choose another name")
    model = tabular.load(args.model)
    with table_warnings("predict"):
        predicted = model.predict(args.data)
    write_table(predicted, output)
    counts = predicted["prediction"].value_counts()
    print(f"Predicted {len(predicted)} row(s) of {args.data}")
    if model.task == "classification":
        shown = ", ".join(f"{label} {count}" for label, count in counts.items())
        print(f"Predicted classes: {shown}")
    print(f"Saved the rows with their predictions to {output}")
    return 0
