"""``estimator.report(path)``: the HTML page ``axon train`` writes, for an estimator."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

NOTHING_WRONG = (
    "Nothing looks wrong: no divergence, overfitting or slow convergence was "
    "detected in the history."
)


def _results(estimator: Any, X: Any, y: Any) -> dict[str, dict[str, float]]:
    score_name = "accuracy" if estimator._is_classifier else "r2"
    results = {"training": {"loss": float(estimator.loss_)}}
    validation = estimator.history_.history
    if estimator.early_stopping and validation.get("val_loss"):
        results["validation"] = {
            "loss": validation["val_loss"][-1],
            f"best {score_name}": float(estimator.best_validation_score_),
        }
    if X is not None and y is not None:
        results["test"] = {score_name: float(estimator.score(X, y))}
    return results


def _figures(estimator: Any, X: Any, y: Any) -> dict[str, bytes]:
    from axon import plot, report

    plt = plot.pyplot()
    figures = {}
    if estimator.history_.history.get("loss"):
        figures["Training history"] = plot.history(estimator.history_)
    if estimator._is_classifier and X is not None and y is not None and np.ndim(y) == 1:
        dense = estimator._checked(X)
        truth = np.searchsorted(estimator.classes_, np.asarray(y))
        figures["Confusion matrix (the data given)"] = plot.confusion_matrix(
            estimator.model_,
            dense,
            truth,
            class_names=[str(c) for c in estimator.classes_],
            title="Given data",
        )
    pngs = {caption: report.figure_png(figure) for caption, figure in figures.items()}
    for figure in figures.values():
        plt.close(figure)
    return pngs


def _describe(value: Any) -> str:
    """A setting as a reader wants it: ``relu``, ``(100,)``, ``[TrainingMonitor]``."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and any(hasattr(v, "__dict__") for v in value):
        return "[" + ", ".join(type(v).__name__ for v in value) + "]"
    return repr(value)


def write_report(
    estimator: Any, path: str | os.PathLike[str], X: Any = None, y: Any = None
) -> Path:
    """Write ``estimator``'s report to ``path``; return the path.

    The page holds the scores (the training loss; the validation loss and best
    score with ``early_stopping``; the score on ``X, y`` when given), what the
    diagnostics find in ``history_``, the hyperparameters, the network's summary,
    the training history and, for a classifier given ``X, y``, its confusion matrix.
    Needs matplotlib (``pip install 'axon[plot]'``).
    """
    check_is_fitted(estimator)
    from axon import diagnostics, report
    from axon.models.summary import summary_text

    monitors = [
        cb
        for cb in estimator.callbacks or []
        if isinstance(cb, diagnostics.TrainingMonitor)
    ]
    findings = diagnostics.diagnose(
        estimator.history_, monitors[0] if monitors else None
    )
    hyperparameters = {
        name: _describe(value)
        for name, value in estimator.get_params(deep=False).items()
    }
    page = report.render(
        f"axon.sklearn.{type(estimator).__name__}",
        summary_text(estimator.model_),
        hyperparameters,
        _results(estimator, X, y),
        _figures(estimator, X, y),
        notes=[str(f) for f in findings] or [NOTHING_WRONG],
    )
    target = Path(path)
    report.write(target, page)
    return target
