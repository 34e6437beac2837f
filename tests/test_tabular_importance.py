"""Permutation importance: which columns matter, on the test rows."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from axon import tabular
from axon.tabular import importance, scores
from axon.tabular.columns import TableWarning
from axon.tabular.model import TabularModel


def table(task: str, n: int = 600, seed: int = 0) -> pd.DataFrame:
    """``signal`` decides the target, ``colour`` a little, ``noise`` not at all."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], n)
    effect = np.where(colour == "red", 1.5, 0.0)
    frame = pd.DataFrame(
        {
            "noise": rng.normal(size=n),
            "colour": colour,
            "signal": signal,
            "site": "one",  # constant: dropped, so never shuffled
        }
    )
    if task == "regression":
        frame["y"] = 10 * signal + 4 * effect + rng.normal(scale=0.5, size=n)
    elif task == "binary":
        frame["y"] = np.where(3 * signal + effect + rng.normal(size=n) > 0, "yes", "no")
    else:
        frame["y"] = np.digitize(3 * signal + effect, [-1.5, 1.5]).astype(str)
    return frame


def trained(task: str) -> TabularModel:
    return tabular.fit_table(
        table(task), "y", epochs=40, batch_size=32, patience=40, seed=0
    )


@pytest.fixture(scope="module")
def binary() -> TabularModel:
    return trained("binary")


@pytest.fixture(scope="module")
def regression() -> TabularModel:
    return trained("regression")


def test_the_column_the_target_follows_matters_most(
    binary: TabularModel, regression: TabularModel
) -> None:
    for model, score in ((binary, "ROC AUC"), (regression, "R2")):
        found = importance.permutation_importance(model)
        assert found["score"] == score
        names = [c["column"] for c in found["columns"]]
        assert names[0] == "signal" and names[1] == "colour"
        assert sorted(names) == ["colour", "noise", "signal"]  # "site" was dropped
        by_name = {c["column"]: c for c in found["columns"]}
        assert by_name["signal"]["mean"] > 20 * max(by_name["noise"]["mean"], 0.001)
        assert by_name["colour"]["mean"] > 2 * max(by_name["noise"]["mean"], 0.001)
        assert found["repeats"] == 5 and found["rows"] == found["of_rows"] == 120


def test_the_baseline_is_the_test_score_of_history(
    binary: TabularModel, regression: TabularModel
) -> None:
    found = importance.permutation_importance(binary)
    assert found["baseline"] == binary.results["test"]["roc_auc"]
    found = importance.permutation_importance(regression)
    assert found["baseline"] == pytest.approx(regression.results["test"]["r2"], 1e-12)
    multi = trained("multi")
    found = importance.permutation_importance(multi, repeats=2)
    assert found["score"] == "accuracy"
    assert found["baseline"] == multi.results["test"]["accuracy"]
    assert found["columns"][0]["column"] == "signal"


def raw_route(model: TabularModel, repeats: int, seed: int) -> dict[str, float]:
    """Shuffle each raw column, prepare the rows again, predict: the slow way."""
    rows = model.test_rows
    rng = np.random.default_rng(seed)
    codes = model.target.codes(rows["y"])

    def score(frame: pd.DataFrame) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TableWarning)
            _, probabilities = model._outputs(frame, "rows")
        return scores.roc_auc(codes == 1, probabilities[:, 1])

    baseline, means = score(rows), {}
    for step in model.preprocessing.steps:
        if not step.features:
            continue
        drops = []
        for _ in range(repeats):
            shuffled = rows.copy()
            values = rows[step.name].to_numpy()[rng.permutation(len(rows))]
            shuffled[step.name] = values
            drops.append(baseline - score(shuffled))
        means[step.name] = float(np.mean(drops))
    return means


def test_permuting_the_prepared_block_equals_shuffling_the_raw_column(
    binary: TabularModel,
) -> None:
    found = importance.permutation_importance(binary, repeats=3, seed=7)
    slow = raw_route(binary, repeats=3, seed=7)
    fast = {c["column"]: c["mean"] for c in found["columns"]}
    assert fast.keys() == slow.keys()
    for name, value in slow.items():
        assert fast[name] == pytest.approx(value, abs=1e-9), name


def test_the_order_agrees_with_scikit_learns_permutation_importance(
    regression: TabularModel,
) -> None:
    inspection = pytest.importorskip("sklearn.inspection")

    class Wrapped:
        """The table model as a fitted scikit-learn regressor of raw rows."""

        def fit(self, x: Any, y: Any) -> Wrapped:
            return self

        def score(self, x: pd.DataFrame, y: Any) -> float:
            predicted = regression.predict(x)["prediction"].to_numpy()
            return float(scores.regression(np.asarray(y), predicted)["r2"])

    rows = regression.test_rows
    names = ["noise", "colour", "signal"]
    theirs = inspection.permutation_importance(
        Wrapped(), rows[names], rows["y"], n_repeats=5, random_state=0
    )
    their_order = [names[i] for i in np.argsort(-theirs.importances_mean)]
    ours = importance.permutation_importance(regression)
    assert [c["column"] for c in ours["columns"]] == their_order
    by_name = {c["column"]: c["mean"] for c in ours["columns"]}
    for name, value in zip(names, theirs.importances_mean, strict=True):
        assert by_name[name] == pytest.approx(value, abs=0.1 + 0.2 * abs(value))


def test_big_test_sets_are_sampled_with_the_seed(binary: TabularModel) -> None:
    first = importance.permutation_importance(binary, max_rows=50, repeats=2)
    again = importance.permutation_importance(binary, max_rows=50, repeats=2)
    assert first == again
    assert (first["rows"], first["of_rows"]) == (50, 120)
    other = importance.permutation_importance(binary, max_rows=50, repeats=2, seed=1)
    assert other["columns"] != first["columns"]


def test_the_reports_result_is_computed_once(binary: TabularModel) -> None:
    first = importance.of_test_rows(binary)
    assert first is importance.of_test_rows(binary)
    assert first == importance.permutation_importance(binary)
    assert importance.header_of(first) == [
        "column",
        "drop in ROC AUC (mean)",
        "spread (std)",
    ]
    assert importance.rows_of(first)[0] == [
        "signal",
        f"{first['columns'][0]['mean']:.4f}",
        f"{first['columns'][0]['std']:.4f}",
    ]
    tiny = {**first, "columns": [{"column": "x", "mean": -4e-5, "std": 1e-5}]}
    assert importance.rows_of(tiny) == [["x", "0.0000", "0.0000"]]


def test_no_rows_or_bad_arguments_are_named(binary: TabularModel) -> None:
    loaded = TabularModel(binary.network, binary.preprocessing, binary.target)
    assert importance.of_test_rows(loaded) is None
    with pytest.raises(ValueError, match=r"at least 2 labelled rows.*Received: 0"):
        importance.permutation_importance(loaded)
    with pytest.raises(ValueError, match="Received: repeats=0"):
        importance.permutation_importance(binary, repeats=0)
    with pytest.raises(ValueError, match="Received: max_rows=1"):
        importance.permutation_importance(binary, max_rows=1)
