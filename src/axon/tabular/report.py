"""What a table run shows: the column table, the task's scores, and its figures.

The same rows feed the printed text (:func:`text_table`) and the HTML report
(``axon.report.render(..., tables=...)``), so both always say the same thing.

Figures come from the builders in :data:`FIGURES`: each takes the trained
:class:`~axon.tabular.model.TabularModel` and its test rows and returns a list of
``(file name, caption, matplotlib Figure)``, possibly empty. To add a figure to
every table run's report, append a builder. Those of
:mod:`axon.tabular.figures` are there: ROC and precision-recall curves (two
classes), precision and recall per class (more), predicted against actual and the
residuals (regression), and every task's permutation importance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from axon.tabular import figures as table_figures

COLUMN_HEADER = ["column", "type", "missing", "treatment"]
PER_CLASS_HEADER = ["class", "precision", "recall", "F1", "support"]
TASK_HEADER = ["task", "rows (training, validation, test)"]
SCORE_NAMES = {
    "accuracy": "accuracy",
    "macro_precision": "precision (macro)",
    "macro_recall": "recall (macro)",
    "macro_f1": "F1 (macro)",
    "roc_auc": "ROC AUC",
    "mae": "MAE",
    "rmse": "RMSE",
    "r2": "R2",
}

Figure = tuple[str, str, Any]
FIGURES: list[Callable[[Any, Any], list[Figure]]] = []


def text_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table; the first column left-aligned, numbers right-aligned.

    Examples
    --------
    >>> print(text_table(["name", "n"], [["a", "1"], ["bb", "10"]]))
    name   n
    a      1
    bb    10
    """
    widths = [
        max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)
    ]

    def line(cells: list[str]) -> str:
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            numeric = i > 0 and _is_number(cell)
            out.append(cell.rjust(width) if numeric else cell.ljust(width))
        return "  ".join(out).rstrip()

    heads = [
        h.rjust(w) if rows and _is_number(rows[0][i]) and i else h.ljust(w)
        for i, (h, w) in enumerate(zip(header, widths, strict=True))
    ]
    return "\n".join(["  ".join(heads).rstrip(), *map(line, rows)])


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("%"))
    except ValueError:
        return False
    return True


def headline(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per split, the scores that are single numbers, named for people."""
    return {
        split: {SCORE_NAMES.get(k, k): v for k, v in s.items() if isinstance(v, float)}
        for split, s in results.items()
    }


def per_class_rows(scores: dict[str, Any]) -> list[list[str]]:
    """One row per class: precision, recall, F1, support (classification only)."""
    return [
        [
            label,
            f"{c['precision']:.4f}",
            f"{c['recall']:.4f}",
            f"{c['f1']:.4f}",
            str(c["support"]),
        ]
        for label, c in scores.get("per_class", {}).items()
    ]


def score_lines(scores: dict[str, Any], split: str = "Test") -> list[str]:
    """``Test accuracy: 0.9561`` and so on, one line per single-number score."""
    return [
        f"{split} {SCORE_NAMES.get(name, name)}: {value:.4f}"
        for name, value in scores.items()
        if isinstance(value, float)
    ]


def print_plan(model: Any) -> None:
    """Print the column table, the task and the network, before training."""
    rows = model.rows
    held = ", ".join(f"{rows[p]} {p}" for p in ("validation", "test") if rows.get(p))
    print(
        f"Columns of {model.source} (fitted on {rows.get('training', 0)} training "
        f"rows{'; held out: ' + held if held else ''}):"
    )
    print(model.column_table())
    print(f"Task: {model.target.describe()}")
    model.network.summary()


def task_row(model: Any) -> list[str]:
    """The task in words, and the rows of each split."""
    counts = ", ".join(
        str(model.rows.get(p, 0)) for p in ("training", "validation", "test")
    )
    return [model.target.describe(), counts]


def history_figure(model: Any, test_rows: Any) -> list[Figure]:
    """Loss (and accuracy) per epoch, training against validation."""
    from axon import plot

    if model.history is None:
        return []
    return [("history.png", "Training history", plot.history(model.history))]


def confusion_figure(model: Any, test_rows: Any) -> list[Figure]:
    """True against predicted class on the test rows (classification)."""
    import warnings

    from axon import plot
    from axon.tabular.columns import TableWarning

    if model.task != "classification" or test_rows is None or not len(test_rows):
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TableWarning)
        x = model.preprocessing.transform(test_rows, expected=[model.target.name])
    codes = model.target.codes(test_rows[model.target.name])
    figure = plot.confusion_matrix(
        model.network,
        x,
        np.asarray(codes),
        class_names=[str(c) for c in model.target.classes],
        title="Test data",
    )
    return [("confusion_matrix.png", "Confusion matrix (test data)", figure)]


FIGURES.extend([history_figure, confusion_figure, *table_figures.BUILDERS])


def figures(model: Any) -> list[Figure]:
    """Every figure the builders in :data:`FIGURES` draw for this run."""
    return [figure for build in FIGURES for figure in build(model, model.test_rows)]
