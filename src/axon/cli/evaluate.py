"""``axon evaluate MODEL DATA``: a table model's scores on labelled rows."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from axon.cli.predict import table_warnings


def add_parser(commands: Any) -> None:
    """Register ``axon evaluate``."""
    evaluate = commands.add_parser(
        "evaluate",
        help="score a model trained on a table on labelled rows",
        description="Print the task's scores (accuracy, precision, recall, F1 and "
        "ROC AUC for two classes; MAE, RMSE and R2 for regression) of a model that "
        "'axon train DATA --target COLUMN' saved, on a file that has the target "
        "column.",
    )
    evaluate.add_argument("model", type=Path, help="the model.axon of a table run")
    evaluate.add_argument("data", help="a CSV, TSV or Parquet file with the target")


def run(args: argparse.Namespace) -> int:
    """Run ``axon evaluate``."""
    from axon import tabular
    from axon.tabular import report

    model = tabular.load(args.model)
    with table_warnings("evaluate"):
        scores = model.evaluate(args.data)
    print(f"Scores of {args.model} on {args.data} ({scores['rows']} rows):")
    for line in report.score_lines(scores, split=""):
        print(line.strip())
    rows = report.per_class_rows(scores)
    if rows:
        print(report.text_table(report.PER_CLASS_HEADER, rows))
    return 0
