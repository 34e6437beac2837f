"""The curves of a binary classifier's scores: ROC and precision-recall, with NumPy.

Both walk the same list: the rows sorted by decreasing score, and at each distinct
score (a threshold) the counts of true and false positives among the rows scored at
least that high. The same definitions as scikit-learn's ``roc_curve``
(``drop_intermediate=False``), ``precision_recall_curve`` and
``average_precision_score``, so their points agree to the last bit of the division.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array


def _counts(positive: Any, score: Any) -> tuple[Array, Array, Array]:
    """``(false positives, true positives, thresholds)`` at each distinct score.

    Rows are sorted by decreasing score (ties together); the counts at a threshold
    cover every row scored at or above it, so the last entry counts every row.
    """
    positive = np.asarray(positive).reshape(-1).astype(bool)
    score = np.asarray(score, dtype=np.float64).reshape(-1)
    if len(positive) != len(score):
        raise ValueError(
            "Expected one score per label. Received: "
            f"{len(positive)} labels and {len(score)} scores"
        )
    n1 = int(positive.sum())
    if n1 == 0 or n1 == len(positive):
        raise ValueError(
            "Expected both classes among the labels to draw a curve. Received: "
            f"{n1} positive and {len(positive) - n1} negative"
        )
    if not np.isfinite(score).all():
        raise ValueError("Expected finite scores. Received: NaN or infinite scores")
    order = np.argsort(score, kind="mergesort")[::-1]  # decreasing, stable
    score, positive = score[order], positive[order]
    # The last row of each run of equal scores closes a threshold.
    last = np.r_[np.flatnonzero(np.diff(score)), len(score) - 1]
    true_positives = np.cumsum(positive, dtype=np.float64)[last]
    false_positives = (last + 1) - true_positives
    return false_positives, true_positives, score[last]


def roc_curve(positive: Any, score: Any) -> tuple[Array, Array, Array]:
    """``(fpr, tpr, thresholds)``: the ROC curve, from the corner (0, 0) to (1, 1).

    At each threshold ``t`` (decreasing; the first is ``inf``, where nothing is
    called positive), ``tpr = TP(t) / P`` and ``fpr = FP(t) / N``: the shares of
    positives and of negatives scored at least ``t``. Its area is the ROC AUC of
    :func:`axon.tabular.scores.roc_auc`.

    Examples
    --------
    >>> fpr, tpr, _ = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    false_positives, true_positives, thresholds = _counts(positive, score)
    fpr = np.r_[0.0, false_positives] / false_positives[-1]
    tpr = np.r_[0.0, true_positives] / true_positives[-1]
    return fpr, tpr, np.r_[np.inf, thresholds]


def precision_recall_curve(positive: Any, score: Any) -> tuple[Array, Array, Array]:
    """``(precision, recall, thresholds)``, in scikit-learn's order: recall falling.

    At each threshold ``t`` (increasing), ``precision = TP(t) / (TP(t) + FP(t))``
    and ``recall = TP(t) / P``; a last point (precision 1, recall 0) with no
    threshold closes the curve.

    Examples
    --------
    >>> precision, recall, _ = precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> precision.round(3).tolist(), recall.tolist()
    ([0.5, 0.667, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.5, 0.0])
    """
    false_positives, true_positives, thresholds = _counts(positive, score)
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / true_positives[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def average_precision(positive: Any, score: Any) -> float:
    """The precision at each threshold, weighed by the recall it adds.

    ``AP = sum_n (R_n - R_{n-1}) P_n`` over thresholds in decreasing order: the area
    under the precision-recall curve drawn as steps (no interpolation).

    Examples
    --------
    >>> round(average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    precision, recall, _ = precision_recall_curve(positive, score)
    return float(-np.sum(np.diff(recall) * precision[:-1]))
