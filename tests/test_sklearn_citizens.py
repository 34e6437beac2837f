"""The estimators where scikit-learn programs put theirs: pipelines, searches, CV."""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.inspection import permutation_importance
from sklearn.model_selection import (
    GridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
    cross_val_score,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from axon.sklearn import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_classification(
        n_samples=240,
        n_features=8,
        n_informative=5,
        n_classes=3,
        class_sep=2.0,
        random_state=0,
    )
    return StandardScaler().fit_transform(X), y


def test_pipeline_after_a_column_transformer() -> None:
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 300
    colour = rng.choice(["red", "green", "blue"], n)
    size = rng.normal(size=n)
    frame = pd.DataFrame({"colour": colour, "size": size, "noise": rng.normal(size=n)})
    y = (colour == "red") ^ (size > 0.5)
    pipeline = Pipeline(
        [
            (
                "columns",
                ColumnTransformer(
                    [
                        ("categories", OneHotEncoder(), ["colour"]),
                        ("numbers", StandardScaler(), ["size", "noise"]),
                    ]
                ),
            ),
            ("mlp", MLPClassifier((32,), solver="lbfgs", random_state=0)),
        ]
    )
    pipeline.fit(frame, y)
    assert pipeline.score(frame, y) > 0.95
    assert pipeline.named_steps["mlp"].n_features_in_ == 5  # three colours, two numbers


def test_grid_search_picks_among_the_settings(data: Any) -> None:
    X, y = data
    search = GridSearchCV(
        MLPClassifier(max_iter=60, random_state=0),
        {"hidden_layer_sizes": [(4,), (32,)], "alpha": [1e-4, 1e-2]},
        cv=3,
    )
    search.fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert search.best_score_ > 0.7
    assert search.best_estimator_.coefs_[0].shape[0] == 8


def test_randomized_and_halving_random_search(data: Any) -> None:
    X, y = data
    space = {
        "learning_rate_init": [1e-3, 3e-3, 1e-2],
        "hidden_layer_sizes": [(8,), (16,)],
    }
    randomized = RandomizedSearchCV(
        MLPClassifier(max_iter=40, random_state=0),
        space,
        n_iter=3,
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert len(randomized.cv_results_["params"]) == 3
    halving = HalvingRandomSearchCV(
        MLPClassifier(random_state=0),
        {"hidden_layer_sizes": [(8,), (16,)], "alpha": [1e-4, 1e-3]},
        resource="max_iter",
        min_resources=10,
        max_resources=40,
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert halving.best_params_["max_iter"] >= 10
    assert halving.best_score_ > 0.6


def test_cross_val_score_in_two_processes(data: Any) -> None:
    X, y = data
    estimator = MLPClassifier((16,), max_iter=50, random_state=0)
    parallel = cross_val_score(estimator, X, y, cv=3, n_jobs=2)
    serial = cross_val_score(estimator, X, y, cv=3, n_jobs=1)
    # Same seed, same numbers, in this process or in joblib's workers.
    np.testing.assert_array_equal(parallel, serial)
    assert parallel.mean() > 0.7


def test_calibrated_classifier() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    calibrated = CalibratedClassifierCV(
        MLPClassifier((16,), max_iter=50, random_state=0), cv=3
    ).fit(X, y)
    proba = calibrated.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert calibrated.score(X, y) > 0.95


def test_permutation_importance_finds_the_informative_column() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = 3 * X[:, 1] + 0.1 * rng.normal(size=400)
    model = MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0)
    model.fit(X, y)
    result = permutation_importance(model, X, y, n_repeats=3, random_state=0)
    assert np.argmax(result.importances_mean) == 1
    assert result.importances_mean[1] > 10 * max(result.importances_mean[[0, 2]])


def test_clone_keeps_the_arguments_and_drops_the_fit(data: Any) -> None:
    X, y = data
    import axon

    original = MLPClassifier(
        (8,), alpha=0.01, dropout=0.1, optimizer=axon.optimizers.RMSprop(0.01)
    ).fit(X, y)
    twin = clone(original)
    assert twin.get_params()["alpha"] == 0.01
    assert twin.get_params()["dropout"] == 0.1
    assert twin.optimizer is not original.optimizer
    assert twin.optimizer.learning_rate == pytest.approx(0.01)
    assert not hasattr(twin, "model_")


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_pickle_in_memory_keeps_predictions_and_training(
    data: Any, solver: str
) -> None:
    X, y = data
    model = MLPClassifier((16,), solver=solver, max_iter=20, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    # The restored weights are views into its model's flat vector again.
    restored.coefs_[0][0, 0] = 123.0
    assert restored.model_.parameters[0] == 123.0
    if solver == "adam":
        # Training goes on from the same optimizer state in both.
        model.partial_fit(X, y)
        pickle.loads(pickle.dumps(model))  # after partial_fit too
        again = pickle.loads(pickle.dumps(clone(model).set_params()))
        assert not hasattr(again, "model_")


def test_pickled_model_continues_exactly_like_the_original(data: Any) -> None:
    X, y = data
    model = MLPClassifier((16,), max_iter=5, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    model.partial_fit(X, y)
    restored.partial_fit(X, y)
    np.testing.assert_array_equal(restored.model_.parameters, model.model_.parameters)
    assert restored.t_ == model.t_
    assert restored.loss_curve_ == model.loss_curve_


def test_model_files_stay_pickle_free(data: Any, tmp_path: Any) -> None:
    X, y = data
    model = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    model.model_.save(str(tmp_path / "mlp.axon"))
    import zipfile

    with zipfile.ZipFile(tmp_path / "mlp.axon") as archive:
        names = archive.namelist()
        assert all(name.endswith((".json", ".npy")) for name in names)
        buffer = io.BytesIO(archive.read(next(n for n in names if n.endswith(".npy"))))
        np.load(buffer, allow_pickle=False)
