"""ROC and precision-recall curves with NumPy, point for point as scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest

from axon.tabular import curves, scores

metrics = pytest.importorskip("sklearn.metrics")


def scored(seed: int, n: int = 400, decimals: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Labels and scores that overlap, rounded so that many scores tie."""
    rng = np.random.default_rng(seed)
    positive = rng.random(n) < 0.35
    score = np.round(rng.random(n) + 0.4 * positive, decimals)
    return positive, score


@pytest.mark.parametrize(("seed", "decimals"), [(0, 2), (1, 1), (2, 8)])
def test_the_roc_curve_is_scikit_learns(seed: int, decimals: int) -> None:
    positive, score = scored(seed, decimals=decimals)
    ours = curves.roc_curve(positive, score)
    theirs = metrics.roc_curve(positive, score, drop_intermediate=False)
    for mine, peer in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine, peer)
    fpr, tpr, _ = ours
    # Its area is the ROC AUC the scores report (the Mann-Whitney form).
    assert np.trapezoid(tpr, fpr) == pytest.approx(scores.roc_auc(positive, score))


@pytest.mark.parametrize(("seed", "decimals"), [(0, 2), (1, 1), (2, 8)])
def test_the_precision_recall_curve_and_ap_are_scikit_learns(
    seed: int, decimals: int
) -> None:
    positive, score = scored(seed, decimals=decimals)
    ours = curves.precision_recall_curve(positive, score)
    theirs = metrics.precision_recall_curve(positive, score)
    for mine, peer in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine, peer)
    assert curves.average_precision(positive, score) == pytest.approx(
        metrics.average_precision_score(positive, score), abs=1e-15
    )


def test_a_perfect_ranking_goes_through_the_corner() -> None:
    fpr, tpr, thresholds = curves.roc_curve([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert (fpr.tolist(), tpr.tolist()) == ([0, 0, 0, 0.5, 1], [0, 0.5, 1, 1, 1])
    assert thresholds[0] == np.inf
    assert curves.average_precision([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match=r"both classes.*Received: 3 positive and 0"):
        curves.roc_curve([1, 1, 1], [0.2, 0.5, 0.9])
    with pytest.raises(ValueError, match=r"one score per label\. Received: 3 labels"):
        curves.precision_recall_curve([0, 1, 1], [0.2, 0.5])
    with pytest.raises(ValueError, match="finite scores"):
        curves.roc_curve([0, 1], [0.2, np.nan])
