"""axon.sklearn's estimators: scikit-learn's interface, its behaviour, axon's extras."""

from __future__ import annotations

import html
import inspect
import os
import signal
import warnings
from typing import Any

import numpy as np
import pytest
from scipy import sparse
from sklearn import neural_network
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import axon
from axon.sklearn import MLPClassifier, MLPRegressor, solvers

EXTRAS = {"dropout", "batch_norm", "optimizer", "callbacks"}


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def regression() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    return X, y / y.std()


def quiet_fit(model: Any, X: Any, y: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **kwargs)


# -- the interface -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
def test_every_scikit_learn_argument_with_its_default(name: str) -> None:
    theirs = inspect.signature(getattr(neural_network, name)).parameters
    ours = inspect.signature(getattr(axon.sklearn, name)).parameters
    assert set(ours) - set(theirs) == EXTRAS
    for argument, parameter in theirs.items():
        assert ours[argument].default == parameter.default, argument
        assert ours[argument].kind == parameter.kind, argument
    assert list(ours)[: len(theirs)] == list(theirs)  # positional order too


def _fitted_names(model: Any) -> set[str]:
    return {
        n
        for n in dir(model)
        if n.endswith("_") and not n.startswith("_") and hasattr(model, n)
    }


@pytest.mark.parametrize(
    "params",
    [{}, {"early_stopping": True}, {"solver": "lbfgs"}, {"solver": "sgd"}],
    ids=str,
)
def test_the_fitted_attributes_of_scikit_learn(iris: Any, params: Any) -> None:
    X, y = iris
    theirs = quiet_fit(neural_network.MLPClassifier(max_iter=5, **params), X, y)
    ours = quiet_fit(MLPClassifier(max_iter=5, **params), X, y)
    assert _fitted_names(theirs) <= _fitted_names(ours)
    assert {"model_", "history_"} <= _fitted_names(ours)
    for attribute in ("n_layers_", "n_outputs_", "out_activation_", "n_features_in_"):
        assert getattr(ours, attribute) == getattr(theirs, attribute)
    assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in theirs.intercepts_]
    for attribute in ("best_loss_", "validation_scores_", "best_validation_score_"):
        if hasattr(theirs, attribute):
            assert (getattr(ours, attribute) is None) == (
                getattr(theirs, attribute) is None
            )
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)


def test_feature_names_from_a_data_frame(iris: Any) -> None:
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = MLPClassifier((8,), solver="lbfgs", random_state=0).fit(frame, y)
    assert list(model.feature_names_in_) == ["a", "b", "c", "d"]
    with pytest.warns(UserWarning, match="feature names"):
        model.predict(X)


def test_coefs_are_views_into_the_network(iris: Any) -> None:
    X, y = iris
    model = MLPClassifier((8,), solver="lbfgs", random_state=0).fit(X, y)
    before = model.predict_proba(X)
    model.coefs_ = [np.zeros_like(c) for c in model.coefs_]
    assert not model.model_.get_weights()[0].any()
    model.intercepts_ = [np.zeros_like(b) for b in model.intercepts_]
    np.testing.assert_allclose(model.predict_proba(X), 1 / 3, rtol=1e-6)
    assert not np.allclose(before, 1 / 3)


def test_float32_by_default_and_float64_on_request(iris: Any, float64: None) -> None:
    X, y = iris
    model = MLPClassifier((8,), solver="lbfgs", random_state=0).fit(X, y)
    assert model.coefs_[0].dtype == np.float64
    axon.config.set_floatx("float32")
    model = MLPClassifier((8,), solver="lbfgs", random_state=0).fit(X, y)
    assert model.coefs_[0].dtype == np.float32
    assert model.predict_proba(X).dtype == np.float64  # as scikit-learn's


# -- what fit does -------------------------------------------------------------------
def test_max_iter_reached_warns_as_scikit_learn(iris: Any) -> None:
    X, y = iris
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\)"):
        MLPClassifier(max_iter=3).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        MLPClassifier(solver="lbfgs", max_iter=3).fit(X, y)


def test_tol_stops_before_max_iter(iris: Any) -> None:
    X, y = iris
    model = MLPClassifier(tol=0.05, random_state=0).fit(X, y)
    assert model.n_iter_ < 200
    assert len(model.loss_curve_) == model.n_iter_ == len(model.history_.epoch)
    assert model.t_ == model.n_iter_ * len(X)
    assert model.best_loss_ == min(model.loss_curve_)
    assert model.loss_ == model.loss_curve_[-1]


def test_n_iter_no_change_inf_runs_every_epoch(iris: Any) -> None:
    X, y = iris
    model = quiet_fit(
        MLPClassifier((4,), max_iter=30, tol=10, n_iter_no_change=np.inf), X, y
    )
    assert model.n_iter_ == 30


def test_verbose_prints_scikit_learn_s_lines(iris: Any, capsys: Any) -> None:
    X, y = iris
    quiet_fit(MLPClassifier((4,), max_iter=3, verbose=True, early_stopping=True), X, y)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out and "Validation score: " in out
    quiet_fit(MLPClassifier((4,), max_iter=2, solver="lbfgs", verbose=1), X, y)
    assert "Iteration 1, loss = " in capsys.readouterr().out


def test_early_stopping_keeps_the_best_epoch(iris: Any) -> None:
    X, y = iris
    seen: list[np.ndarray] = []
    recorder = axon.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(model.model_.parameters.copy())
    )
    model = MLPClassifier(
        (16,),
        early_stopping=True,
        n_iter_no_change=3,
        random_state=0,
        learning_rate_init=0.05,
        callbacks=[recorder],
        max_iter=300,
    )
    model.fit(X, y)
    scores = model.validation_scores_
    assert len(scores) == model.n_iter_ < 300
    assert model.best_validation_score_ == max(scores)
    assert model.best_loss_ is None
    best = int(np.argmax(scores))
    np.testing.assert_array_equal(model.model_.parameters, seen[best])
    assert set(model.history_.history) == {"loss", "val_loss", "val_accuracy"}


def test_the_validation_split_is_stratified() -> None:
    y = np.array([0] * 90 + [1] * 10)
    X = np.arange(100, dtype=float).reshape(-1, 1)
    model = MLPClassifier(validation_fraction=0.2)
    model._label_type = "binary"
    Y = y.reshape(-1, 1).astype(np.float32)
    for seed in range(5):
        *_, (_, y_val, _) = solvers.split(
            model, X, Y, None, np.random.default_rng(seed)
        )
        assert len(y_val) == 20 and y_val.sum() == 2  # the same 10% of ones


def test_partial_fit(iris: Any) -> None:
    X, y = iris
    model = MLPClassifier((8,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    model.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    model.partial_fit(X, y)
    assert model.n_iter_ == 1 and model.t_ == 50 + len(X)
    assert len(model.loss_curve_) == 2 == len(model.history_.history["loss"])
    with pytest.raises(ValueError, match="not the same as on last call"):
        model.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="classes not in"):
        model.partial_fit(X, np.where(y == 2, 7, y))
    with pytest.raises(ValueError, match="early_stopping"):
        model.set_params(early_stopping=True).partial_fit(X, y)
    for lbfgs in (MLPClassifier(solver="lbfgs"), MLPRegressor(solver="lbfgs")):
        assert not hasattr(lbfgs, "partial_fit")


def test_partial_fit_of_a_regressor(regression: Any) -> None:
    X, y = regression
    model = MLPRegressor(hidden_layer_sizes=(8,), random_state=0)
    first = model.partial_fit(X, y).loss_
    for _ in range(20):
        model.partial_fit(X, y)
    assert model.loss_ < first and model.t_ == 21 * len(X)


def test_warm_start_continues_from_the_weights(iris: Any) -> None:
    X, y = iris
    model = quiet_fit(
        MLPClassifier((8,), max_iter=20, warm_start=True, random_state=0), X, y
    )
    first_fit = list(model.loss_curve_)
    quiet_fit(model, X, y)
    assert model.n_iter_ == 20 and len(model.loss_curve_) == 40
    assert model.loss_curve_[20] < first_fit[0]
    with pytest.raises(ValueError, match="same classes"):
        model.fit(X[y < 2], y[y < 2])
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        model.set_params(hidden_layer_sizes=(9,)).fit(X, y)
    cold = quiet_fit(MLPClassifier((8,), max_iter=20, random_state=0), X, y)
    quiet_fit(cold, X, y)
    assert len(cold.loss_curve_) == 20  # without warm_start, fit starts over


def test_random_state_repeats_and_varies(iris: Any) -> None:
    X, y = iris
    fits = [
        quiet_fit(MLPClassifier((8,), max_iter=5, random_state=state), X, y)
        for state in (3, 3, 4, np.random.RandomState(3), np.random.default_rng(3))
    ]
    assert fits[0].loss_curve_ == fits[1].loss_curve_
    assert fits[0].loss_curve_ != fits[2].loss_curve_
    assert all(np.isfinite(f.loss_) for f in fits[3:])


def test_sgd_with_momentum_one_and_a_clipped_batch_size(iris: Any) -> None:
    X, y = iris
    model = MLPClassifier((4,), solver="sgd", momentum=1.0, max_iter=2, batch_size=500)
    with pytest.warns(UserWarning, match="clipped"):
        quiet_fit(model, X, y)
    assert model._optimizer.momentum == 1.0


# -- targets and inputs --------------------------------------------------------------
def test_binary_labels_of_any_kind(iris: Any) -> None:
    X, y = iris
    names = np.where(y == 0, "setosa", "other")
    model = MLPClassifier((8,), solver="lbfgs", random_state=0).fit(X, names)
    assert model.out_activation_ == "logistic" and model.n_outputs_ == 1
    proba = model.predict_proba(X)
    assert proba.shape == (150, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    assert set(model.predict(X)) == {"setosa", "other"}
    assert model.score(X, names) == 1.0
    with np.errstate(divide="ignore"):
        expected = np.log(proba)
    np.testing.assert_allclose(model.predict_log_proba(X), expected, rtol=1e-6)


def test_multilabel_classification() -> None:
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    Y = np.stack([y, X[:, 0] > 0, X[:, 1] + X[:, 2] > 0], axis=1).astype(int)
    model = MLPClassifier((32,), solver="lbfgs", random_state=0).fit(X, Y)
    assert model.out_activation_ == "logistic" and model.n_outputs_ == 3
    assert model.predict(X).shape == (300, 3)
    assert set(np.unique(model.predict(X))) <= {0, 1}
    assert model.predict_proba(X).shape == (300, 3)
    assert model.score(X, Y) > 0.9  # subset accuracy


def test_multi_output_regression(regression: Any) -> None:
    X, y = regression
    Y = np.stack([y, -2 * y], axis=1)
    model = MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0)
    model.fit(X, Y)
    assert model.predict(X).shape == (200, 2) and model.n_outputs_ == 2
    assert model.score(X, Y) > 0.95


def test_poisson_regression() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = rng.poisson(np.exp(1 + 0.8 * X[:, 0]))
    model = quiet_fit(
        MLPRegressor("poisson", (8,), solver="lbfgs", random_state=0), X, y
    )
    assert model.out_activation_ == "exp"
    assert (model.predict(X) > 0).all() and model.score(X, y) > 0.5
    with pytest.raises(ValueError, match="y >= 0"):
        MLPRegressor("poisson").fit(X, -y)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_sparse_input_gives_the_dense_results(iris: Any, solver: str) -> None:
    X, y = iris
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    dense = quiet_fit(
        MLPClassifier((8,), solver=solver, max_iter=30, random_state=0), X, y
    )
    for kind in (sparse.csr_matrix, sparse.csc_array):
        thin = quiet_fit(
            MLPClassifier((8,), solver=solver, max_iter=30, random_state=0), kind(X), y
        )
        np.testing.assert_allclose(
            thin.predict_proba(kind(X)), dense.predict_proba(X), rtol=1e-4, atol=1e-6
        )


def test_sample_weight_zero_removes_a_row(iris: Any, float64: None) -> None:
    X, y = iris
    weights = np.ones(len(X))
    weights[::3] = 0
    kept = weights > 0
    params = {"hidden_layer_sizes": (8,), "solver": "lbfgs", "random_state": 0}
    weighted = quiet_fit(MLPClassifier(**params), X, y, sample_weight=weights)
    dropped = quiet_fit(MLPClassifier(**params), X[kept], y[kept])
    np.testing.assert_allclose(
        weighted.predict_proba(X), dropped.predict_proba(X), rtol=1e-6, atol=1e-9
    )


# -- axon's own ----------------------------------------------------------------------
def test_dropout_and_batch_norm_layers(iris: Any) -> None:
    X, y = iris
    model = quiet_fit(
        MLPClassifier(
            (16, 8),
            dropout=[0.2, 0.1],
            batch_norm=True,
            batch_size=16,
            max_iter=30,
            random_state=0,
        ),
        X,
        y,
    )
    kinds = [type(layer).__name__ for layer in model.model_.layers]
    assert kinds == [
        "Dense",
        "BatchNormalization",
        "Dropout",
        "Dense",
        "BatchNormalization",
        "Dropout",
        "Dense",
    ]
    assert model.model_.layers[2].rate == 0.2
    assert len(model.coefs_) == 3 and model.score(X, y) > 0.8
    quiet_fit(MLPClassifier((8,), batch_norm=True, solver="lbfgs", max_iter=20), X, y)
    with pytest.raises(ValueError, match="dropout=0 with solver='lbfgs'"):
        MLPClassifier(dropout=0.1, solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="one dropout rate per hidden layer"):
        MLPClassifier((4, 4), dropout=[0.1]).fit(X, y)


def test_optimizer_objects_and_names(iris: Any) -> None:
    X, y = iris
    mine = axon.optimizers.RMSprop(learning_rate=0.01)
    model = quiet_fit(MLPClassifier((8,), optimizer=mine, max_iter=10), X, y)
    assert type(model._optimizer) is axon.optimizers.RMSprop
    assert model._optimizer.iterations == 10 * 1 and mine.iterations == 0
    assert not mine.slots  # the argument itself is never trained
    named = quiet_fit(MLPClassifier((8,), optimizer="adamw", max_iter=2), X, y)
    assert type(named._optimizer) is axon.optimizers.AdamW
    with pytest.raises(ValueError, match="L-BFGS takes no optimizer"):
        MLPClassifier(solver="lbfgs", optimizer="adam").fit(X, y)


def test_callbacks_and_history(iris: Any) -> None:
    X, y = iris
    events: list[tuple[str, Any]] = []

    class Recorder(axon.callbacks.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            events.append(("begin", None))

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            events.append((f"epoch {epoch}", dict(logs or {})))

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            events.append(("batch", batch))

    model = quiet_fit(MLPClassifier((8,), max_iter=3, callbacks=[Recorder()]), X, y)
    assert events[0] == ("begin", None)
    epochs = [logs for name, logs in events if name.startswith("epoch")]
    assert [logs["loss"] for logs in epochs] == model.loss_curve_
    assert sum(1 for name, _ in events if name == "batch") == 3  # one batch of 150
    assert model.history_.history["loss"] == model.loss_curve_
    stopper = axon.callbacks.EarlyStopping(monitor="loss", min_delta=10.0, patience=1)
    model = MLPClassifier((8,), callbacks=[stopper]).fit(X, y)
    assert model.n_iter_ == 2  # the callback stopped training


def test_ctrl_c_ends_after_the_batch(iris: Any) -> None:
    X, y = iris

    class Interrupt(axon.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if batch == 1:
                os.kill(os.getpid(), signal.SIGINT)

    model = MLPClassifier((8,), batch_size=10, callbacks=[Interrupt()])
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        model.fit(X, y)
    assert model.n_iter_ == 0 and np.isfinite(model.model_.parameters).all()


def test_report_writes_the_html_page(iris: Any, regression: Any, tmp_path: Any) -> None:
    pytest.importorskip("matplotlib")
    X, y = iris
    monitor = axon.diagnostics.TrainingMonitor()
    model = MLPClassifier((8,), max_iter=20, early_stopping=True, callbacks=[monitor])
    path = quiet_fit(model, X, y).report(tmp_path / "report.html", X, y)
    page = path.read_text()
    assert "axon.sklearn.MLPClassifier" in page
    assert "Training history" in page and "Confusion matrix" in page
    assert "best accuracy" in page and "hidden_layer_sizes" in page
    findings = axon.diagnostics.diagnose(model.history_, monitor)
    for finding in findings:  # what the diagnostics say, with the monitor's evidence
        assert html.escape(str(finding)) in page
    if not findings:
        assert "Nothing looks wrong" in page
    assert page.count("data:image/png;base64,") == 2
    X, y = regression
    model = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50)
    page = quiet_fit(model, X, y).report(tmp_path / "r.html", X, y).read_text()
    assert "Training history" in page and "r2" in page


# -- labels and scores, against scikit-learn's own ------------------------------------
LABELS = {
    "integers": np.array([3, 1, 2, 3, 1, 7]),
    "strings": np.array(["yes", "no", "no", "yes", "no", "no"]),
    "objects": np.array(["b", "a", "c", "a", "b", "c"], dtype=object),
    "booleans": np.array([True, False, True, True, False, False]),
    "whole floats": np.array([0.0, 1.0, 2.0, 2.0, 1.0, 0.0]),
    "one class": np.array([4, 4, 4, 4, 4, 4]),
    "indicators": np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 0, 0]] * 2)[:6],
}


@pytest.mark.parametrize("y", LABELS.values(), ids=LABELS.keys())
def test_labels_as_label_binarizer(y: np.ndarray) -> None:
    from sklearn.preprocessing import LabelBinarizer

    from axon.sklearn.labels import Labels

    binarizer = LabelBinarizer().fit(y)
    ours = Labels.of(y)
    assert ours.kind == binarizer.y_type_
    np.testing.assert_array_equal(ours.classes, binarizer.classes_)
    encoded = ours.encode(y, np.float64)
    np.testing.assert_array_equal(encoded, binarizer.transform(y))
    out = np.random.default_rng(0).uniform(size=encoded.shape)
    expected = binarizer.inverse_transform(out.ravel() if out.shape[1] == 1 else out)
    np.testing.assert_array_equal(ours.decode(out), expected)


def test_continuous_labels_are_refused() -> None:
    from axon.sklearn.labels import Labels

    with pytest.raises(ValueError, match="Unknown label type: 'continuous'"):
        Labels.of(np.array([0.5, 1.5, 2.0]))


def test_scores_as_scikit_learn_s_metrics() -> None:
    from sklearn.metrics import accuracy_score, r2_score

    from axon.sklearn.labels import accuracy, r2

    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 2, size=40)
    a, b = rng.integers(0, 3, size=40), rng.integers(0, 3, size=40)
    for weights in (None, w):
        assert accuracy(a, b, weights) == pytest.approx(
            accuracy_score(b, a, sample_weight=weights)
        )
        A, B = rng.integers(0, 2, (40, 3)), rng.integers(0, 2, (40, 3))
        assert accuracy(A, B, weights) == pytest.approx(
            accuracy_score(B, A, sample_weight=weights)
        )
        t, p = rng.normal(size=(40, 2)), rng.normal(size=(40, 2))
        assert r2(p, t, weights) == pytest.approx(r2_score(t, p, sample_weight=weights))
        assert r2(p[:, 0], t[:, 0], weights) == pytest.approx(
            r2_score(t[:, 0], p[:, 0], sample_weight=weights)
        )
    constant = np.ones(5)
    assert r2(constant, constant, None) == r2_score(constant, constant) == 1.0
    assert r2(constant * 2, constant, None) == r2_score(constant, constant * 2) == 0.0
