"""The task's scores equal scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from axon.tabular import scores

rng = np.random.default_rng(0)


def test_classification_scores_match_scikit_learn() -> None:
    codes = rng.integers(0, 3, 200)
    probabilities = rng.dirichlet(np.ones(3), 200)
    probabilities[np.arange(200), codes] += rng.random(200) * 0.5  # some skill
    predicted = probabilities.argmax(axis=1)
    got = scores.classification(codes, probabilities, ["a", "b", "c"])
    assert got["rows"] == 200
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(codes, predicted))
    for ours, theirs in [
        ("macro_precision", metrics.precision_score),
        ("macro_recall", metrics.recall_score),
        ("macro_f1", metrics.f1_score),
    ]:
        assert got[ours] == pytest.approx(theirs(codes, predicted, average="macro"))
    per_class = metrics.precision_recall_fscore_support(codes, predicted)
    for i, label in enumerate("abc"):
        row = got["per_class"][label]
        assert row["precision"] == pytest.approx(per_class[0][i])
        assert row["recall"] == pytest.approx(per_class[1][i])
        assert row["f1"] == pytest.approx(per_class[2][i])
        assert row["support"] == per_class[3][i]
    assert "roc_auc" not in got


def test_roc_auc_for_two_classes_handles_ties() -> None:
    codes = rng.integers(0, 2, 300)
    score = np.round(rng.random(300) * 0.6 + codes * 0.3, 1)  # many ties
    probabilities = np.stack([1 - score, score], axis=1)
    got = scores.classification(codes, probabilities, [False, True])
    assert got["roc_auc"] == pytest.approx(metrics.roc_auc_score(codes, score))
    one_class = scores.classification(np.zeros(5, int), probabilities[:5], [0, 1])
    assert "roc_auc" not in one_class  # undefined with one class present


def test_regression_scores_match_scikit_learn() -> None:
    actual = rng.normal(size=100) * 10
    predicted = actual + rng.normal(size=100)
    got = scores.regression(actual, predicted)
    assert got["mae"] == pytest.approx(metrics.mean_absolute_error(actual, predicted))
    assert got["rmse"] == pytest.approx(
        np.sqrt(metrics.mean_squared_error(actual, predicted))
    )
    assert got["r2"] == pytest.approx(metrics.r2_score(actual, predicted))
    assert "r2" not in scores.regression(np.ones(4), np.arange(4.0))
