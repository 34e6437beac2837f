"""How good a table model is, drawn: the figures of a table run's report.

Drawing functions in the manner of :mod:`axon.plot` (each returns its matplotlib
``Figure``, takes ``ax=``, works headless; matplotlib imported on use):

- :func:`roc` and :func:`precision_recall`: a binary classifier's curves on
  labelled rows, with the ROC AUC and the average precision in the legend;
- :func:`per_class`: precision and recall of each class, side by side;
- :func:`predicted_vs_actual` and :func:`residuals`: a regression's predictions
  against the truth, and the histogram of its errors;
- :func:`importance`: which columns matter (see :mod:`axon.tabular.importance`).

The builders at the bottom draw them for a trained
:class:`~axon.tabular.model.TabularModel` on its test rows;
:mod:`axon.tabular.report` appends them to its ``FIGURES``, so every table run's
``report.html`` and run folder have them.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from axon.tabular import curves, scores
from axon.tabular.columns import TableWarning

SCATTER_POINTS = 5_000  # points drawn by predicted_vs_actual; a sample beyond
BLUE, GREEN, RED, GREY = "#3b82f6", "#10b981", "#ef4444", "#6b7280"
LIGHT_GREY = "#d1d5db"


def _axes(ax: Any, size: tuple[float, float]) -> tuple[Any, Any]:
    from axon import plot

    if ax is None:
        fig, ax = plot.pyplot().subplots(figsize=size)
        return fig, ax
    return ax.figure, ax


def roc(
    positive: Any,
    score: Any,
    ax: Any = None,
    title: str = "ROC curve",
    label: str = "model",
) -> Any:
    """True against false positive rate as the threshold falls.

    The diagonal is a model that guesses; the legend gives the area under the curve.

    Examples
    --------
    >>> fig = roc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['model (AUC 0.7500)', 'chance (AUC 0.5)']
    """
    fpr, tpr, _ = curves.roc_curve(positive, score)
    auc = scores.roc_auc(np.asarray(positive).astype(bool), np.asarray(score))
    fig, ax = _axes(ax, (5.5, 5))
    ax.plot(fpr, tpr, color=BLUE, linewidth=2, label=f"{label} (AUC {auc:.4f})")
    ax.plot([0, 1], [0, 1], color=GREY, linestyle="--", label="chance (AUC 0.5)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("False positive rate (share of negatives called positive)")
    ax.set_ylabel("True positive rate (recall)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def precision_recall(
    positive: Any,
    score: Any,
    ax: Any = None,
    title: str = "Precision-recall curve",
    label: str = "model",
) -> Any:
    """Precision against recall as the threshold falls, drawn as steps.

    The legend gives the average precision; the dashed line is the precision of
    calling every row positive (the share of positives).

    Examples
    --------
    >>> fig = precision_recall([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['model (AP 0.8333)', 'every row positive (0.5000)']
    """
    precision, recall, _ = curves.precision_recall_curve(positive, score)
    ap = curves.average_precision(positive, score)
    share = float(np.mean(np.asarray(positive).astype(bool)))
    fig, ax = _axes(ax, (5.5, 5))
    ax.step(recall, precision, where="post", color=GREEN, linewidth=2)
    ax.lines[-1].set_label(f"{label} (AP {ap:.4f})")
    ax.axhline(
        share, color=GREY, linestyle="--", label=f"every row positive ({share:.4f})"
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Recall (share of positives found)")
    ax.set_ylabel("Precision (share of calls that are right)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig


def per_class(
    per_class_scores: Mapping[str, Mapping[str, float]],
    ax: Any = None,
    title: str = "Precision and recall per class",
) -> Any:
    """Two bars per class, precision and recall, each labelled with its name and value.

    ``per_class_scores`` is ``{label: {"precision", "recall", "support"}}``, as
    :func:`axon.tabular.scores.classification` returns it.

    Examples
    --------
    >>> fig = per_class({"a": {"precision": 0.9, "recall": 0.8, "support": 5}})
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['precision 0.9000', 'recall 0.8000']
    """
    labels = list(per_class_scores)
    y = np.arange(len(labels))
    fig, ax = _axes(ax, (7, 1.0 + 0.55 * len(labels)))
    for offset, key, color in ((-0.2, "precision", BLUE), (0.2, "recall", GREEN)):
        values = [float(per_class_scores[c][key]) for c in labels]
        bars = ax.barh(y + offset, values, height=0.4, color=color, label=key)
        for bar, value in zip(bars, values, strict=True):
            # Each bar says what it is: a legend would cover the bars that reach 1.
            ax.text(
                value + 0.01,
                bar.get_y() + bar.get_height() / 2,
                f"{key} {value:.4f}",
                va="center",
                fontsize=8,
            )
    support = [int(per_class_scores[c].get("support", 0)) for c in labels]
    ax.set_yticks(y, [f"{c} ({n} rows)" for c, n in zip(labels, support, strict=True)])
    ax.invert_yaxis()  # the first class on top
    ax.set_xlim(0, 1.3)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.set_xlabel(
        "precision: share of the calls of a class that are right\n"
        "recall: share of the rows of a class that are found"
    )
    ax.set_title(title)
    fig.tight_layout()
    return fig


def predicted_vs_actual(
    actual: Any,
    predicted: Any,
    ax: Any = None,
    title: str = "Predicted against actual",
    name: str = "target",
    seed: int = 0,
) -> Any:
    """Each row's prediction against its true value; on the diagonal, it is right.

    More than 5,000 rows are drawn as a random sample of 5,000 (the title says so);
    the R² in the title is computed on every row.
    """
    actual = np.asarray(actual, dtype=np.float64).reshape(-1)
    predicted = np.asarray(predicted, dtype=np.float64).reshape(-1)
    fit = scores.regression(actual, predicted)
    shown = np.arange(len(actual))
    if len(actual) > SCATTER_POINTS:
        rng = np.random.default_rng(seed)
        shown = np.sort(rng.choice(len(actual), SCATTER_POINTS, replace=False))
        title += f" ({SCATTER_POINTS:,} of {len(actual):,} rows)"
    fig, ax = _axes(ax, (5.5, 5))
    ax.scatter(actual[shown], predicted[shown], s=12, alpha=0.6, color=BLUE)
    low = float(min(actual.min(), predicted.min()))
    high = float(max(actual.max(), predicted.max()))
    ax.plot(
        [low, high], [low, high], color=RED, linestyle="--", label="prediction = actual"
    )
    r2 = f", R2 {fit['r2']:.4f}" if "r2" in fit else ""
    ax.set_title(f"{title}\nRMSE {fit['rmse']:.4f}{r2}")
    ax.set_xlabel(f"actual {name}")
    ax.set_ylabel(f"predicted {name}")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def residuals(
    actual: Any,
    predicted: Any,
    ax: Any = None,
    title: str = "Residuals",
    name: str = "target",
    bins: int = 30,
) -> Any:
    """The histogram of ``predicted - actual``; centred on zero when unbiased.

    Examples
    --------
    >>> fig = residuals([1.0, 2.0, 3.0], [1.5, 2.0, 2.0], bins=4)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['no error', 'mean -0.1667']
    """
    error = np.asarray(predicted, dtype=np.float64).reshape(-1) - np.asarray(
        actual, dtype=np.float64
    ).reshape(-1)
    fig, ax = _axes(ax, (6, 4))
    ax.hist(error, bins=bins, color=BLUE, alpha=0.8, edgecolor="white")
    ax.axvline(0, color=RED, linestyle="--", label="no error")
    mean = float(error.mean())
    ax.axvline(mean, color=GREY, label=f"mean {mean:.4f}")
    ax.set_xlabel(f"predicted - actual {name}")
    ax.set_ylabel("rows")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def importance(
    result: Mapping[str, Any],
    ax: Any = None,
    title: str = "Which columns matter (permutation importance)",
    top: int = 30,
) -> Any:
    """One bar per column: the mean drop in the score when it is shuffled.

    The error bar is the spread over the repeats; the most important is on top.
    A bar longer than its spread is blue (the column matters); one within its
    spread of zero is grey (noise: shuffling the column changed nothing the repeats
    could tell apart).

    ``result`` is what :func:`axon.tabular.importance.permutation_importance`
    returns. Only the ``top`` most important columns are drawn (the title says so
    when there are more; the report's table lists every one).
    """
    columns = list(result["columns"])[:top]
    names = [c["column"] for c in columns]
    means = np.array([c["mean"] for c in columns], dtype=np.float64)
    spread = np.array([c["std"] for c in columns], dtype=np.float64)
    y = np.arange(len(columns))
    fig, ax = _axes(ax, (7, 1.2 + 0.32 * len(columns)))
    matters = means > spread
    for chosen, color, label in (
        (matters, BLUE, "drop larger than its spread"),
        (~matters, LIGHT_GREY, "within its spread of zero: noise"),
    ):
        if chosen.any():
            ax.barh(
                y[chosen],
                means[chosen],
                xerr=spread[chosen],
                color=color,
                ecolor=GREY,
                capsize=3,
                label=label,
            )
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.axvline(0, color=GREY, linewidth=0.8)
    ax.set_xlabel(f"drop in {result['score']} when the column is shuffled")
    rows = f"{result['rows']:,}"
    if result["rows"] != result["of_rows"]:
        rows += f" of {result['of_rows']:,}"
    if len(result["columns"]) > top:
        title += f": the {top} most important of {len(result['columns'])}"
    ax.set_title(
        f"{title}\n{rows} test rows, {result['repeats']} shuffles each; "
        f"{result['score']} as they are: {result['baseline']:.4f}"
    )
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


# Builders for axon.tabular.report.FIGURES: (model, test rows) -> [(file, caption,
# Figure)], empty when the figure does not apply.


def _outputs(model: Any, rows: Any) -> tuple[Any, Any]:
    with warnings.catch_warnings():
        # The split put categories in the test rows that training lacked: said once.
        warnings.simplefilter("ignore", TableWarning)
        predicted, probabilities = model._outputs(rows, model.source)
    return predicted, probabilities


def _has_rows(rows: Any) -> bool:
    return rows is not None and len(rows) > 0


def binary_figures(model: Any, test_rows: Any) -> list[tuple[str, str, Any]]:
    """ROC and precision-recall curves on the test rows (two classes)."""
    target = model.target
    if target.task != "classification" or len(target.classes) != 2:
        return []
    if not _has_rows(test_rows):
        return []
    codes = target.codes(test_rows[target.name])
    if codes.min() == codes.max():  # one class only: no curve to draw
        return []
    _, probabilities = _outputs(model, test_rows)
    positive, score = codes == 1, probabilities[:, 1]
    label = f"P({target.name} = {target.classes[1]})"
    return [
        (
            "roc_curve.png",
            "ROC curve (test data)",
            roc(positive, score, title=f"ROC curve, test data: {label}"),
        ),
        (
            "precision_recall.png",
            "Precision-recall curve (test data)",
            precision_recall(
                positive, score, title=f"Precision-recall, test data: {label}"
            ),
        ),
    ]


def per_class_figure(model: Any, test_rows: Any) -> list[tuple[str, str, Any]]:
    """Precision and recall of each class on the test rows (three classes or more)."""
    if model.task != "classification" or len(model.target.classes) < 3:
        return []
    found = model.results.get("test", {}).get("per_class")
    if not found:
        return []
    figure = per_class(found, title="Precision and recall per class (test data)")
    return [("per_class.png", "Precision and recall per class (test data)", figure)]


def regression_figures(model: Any, test_rows: Any) -> list[tuple[str, str, Any]]:
    """Predicted against actual, and the residuals, on the test rows (regression)."""
    if model.task != "regression" or not _has_rows(test_rows):
        return []
    name = model.target.name
    actual = np.asarray(test_rows[name], dtype=np.float64)
    predicted, _ = _outputs(model, test_rows)
    return [
        (
            "predicted_vs_actual.png",
            "Predicted against actual (test data)",
            predicted_vs_actual(
                actual,
                predicted,
                title="Predicted against actual, test data",
                name=name,
            ),
        ),
        (
            "residuals.png",
            "Residuals (test data)",
            residuals(actual, predicted, title="Residuals, test data", name=name),
        ),
    ]


def importance_figure(model: Any, test_rows: Any) -> list[tuple[str, str, Any]]:
    """Permutation importance of each column on the test rows (every task)."""
    from axon.tabular.importance import of_test_rows

    result = of_test_rows(model)
    if result is None or not result["columns"]:
        return []
    caption = "Which columns matter: permutation importance (test data)"
    return [("permutation_importance.png", caption, importance(result))]


BUILDERS = [binary_figures, per_class_figure, regression_figures, importance_figure]
