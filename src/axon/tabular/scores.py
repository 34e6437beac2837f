"""The numbers a task is judged by, computed on whole predictions with NumPy.

Classification: accuracy; precision, recall and F1 per class and their unweighted
(macro) means; ROC AUC for two classes. Regression: MAE, RMSE and R², in the
target's own units. Same definitions as scikit-learn's ``metrics`` (an undefined
precision, 0 / 0, counts as 0 as there).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array


def roc_auc(positive: Array, score: Array) -> float:
    """Area under the ROC curve: the chance a positive outscores a negative.

    ``AUC = (R - n1 (n1 + 1) / 2) / (n1 n0)`` with ``R`` the sum of the positives'
    ranks among all scores (ties share their mean rank), the Mann-Whitney form.

    Examples
    --------
    >>> roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    """
    positive = np.asarray(positive, dtype=bool)
    n1 = int(positive.sum())
    n0 = len(positive) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    mean_rank = ends - (counts - 1) / 2.0  # 1-based ranks, ties averaged
    rank_sum = float(mean_rank[inverse][positive].sum())
    return (rank_sum - n1 * (n1 + 1) / 2.0) / (n1 * n0)


def classification(
    codes: Array, probabilities: Array, classes: list[Any]
) -> dict[str, Any]:
    """Scores of predicted ``probabilities`` (rows, classes) against true ``codes``.

    Returns ``{"rows", "accuracy", "macro_precision", "macro_recall", "macro_f1",
    ["roc_auc"], "per_class": {label: {"precision", "recall", "f1", "support"}}}``.
    """
    k = len(classes)
    predicted = probabilities.argmax(axis=1)
    counts = np.bincount(codes * k + predicted, minlength=k * k).reshape(k, k)
    hits = np.diag(counts).astype(np.float64)
    support, claimed = counts.sum(axis=1), counts.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(claimed > 0, hits / claimed, 0.0)
        recall = np.where(support > 0, hits / support, 0.0)
        both = precision + recall
        f1 = np.where(both > 0, 2 * precision * recall / both, 0.0)
    present = support > 0  # a class absent from these rows has no recall to average
    scores: dict[str, Any] = {
        "rows": len(codes),
        "accuracy": float(hits.sum() / len(codes)),
        "macro_precision": float(precision[present].mean()),
        "macro_recall": float(recall[present].mean()),
        "macro_f1": float(f1[present].mean()),
    }
    if k == 2:
        auc = roc_auc(codes == 1, probabilities[:, 1])
        if np.isfinite(auc):
            scores["roc_auc"] = auc
    scores["per_class"] = {
        str(label): {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(classes)
    }
    return scores


def regression(actual: Array, predicted: Array) -> dict[str, Any]:
    """``{"rows", "mae", "rmse", ["r2"]}`` of ``predicted`` against ``actual``.

    ``R² = 1 - SS_res / SS_tot``, left out when the actual values are all equal.
    """
    actual = np.asarray(actual, dtype=np.float64)
    error = np.asarray(predicted, dtype=np.float64) - actual
    total = float(((actual - actual.mean()) ** 2).sum())
    scores: dict[str, Any] = {
        "rows": len(actual),
        "mae": float(np.abs(error).mean()),
        "rmse": float(np.sqrt((error**2).mean())),
    }
    if total > 0:
        scores["r2"] = 1.0 - float((error**2).sum()) / total
    return scores
