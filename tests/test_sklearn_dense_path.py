"""L-BFGS's own evaluation of a Dense stack (axon.sklearn.dense_path).

Checked three ways: its gradient against finite differences in float64, its loss
and gradient against the layers' generic path (Step) in float32 and float64, and
whole L-BFGS fits through it against fits through the generic path.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import axon
from axon.sklearn import MLPClassifier, MLPRegressor, dense_path, network
from axon.sklearn.steps import Step

HIDDEN = ["relu", "tanh", "logistic", "identity"]
OUTPUTS = ["softmax", "logistic", "identity", "exp"]


def problem(
    activation: str, out_activation: str, weighted: bool, seed: int = 0
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray | None]:
    """A two-hidden-layer network and data of the network's float type."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(axon.config.floatx())
    n, features, outputs = 11, 5, 3
    model = network.build_network(
        features, [7, 4], outputs, activation, out_activation, [0, 0], False, rng
    )
    x = rng.standard_normal((n, features)).astype(dtype)
    if out_activation == "softmax":
        y = np.eye(outputs, dtype=dtype)[rng.integers(outputs, size=n)]
    elif out_activation == "logistic":
        y = rng.integers(2, size=(n, outputs)).astype(dtype)
    elif out_activation == "exp":
        y = rng.poisson(1.5, size=(n, outputs)).astype(dtype)
    else:
        y = rng.standard_normal((n, outputs)).astype(dtype)
    weights = rng.uniform(0.2, 2.0, n).astype(dtype) if weighted else None
    return model, x, y, weights


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("out_activation", OUTPUTS)
@pytest.mark.parametrize("activation", HIDDEN)
def test_gradient_matches_finite_differences(
    activation: str, out_activation: str, weighted: bool, float64: None
) -> None:
    model, x, y, weights = problem(activation, out_activation, weighted)
    assert dense_path.supports(model, x)
    objective = dense_path.DenseObjective(model, x, y, weights)
    assert objective.x.shape == (x.shape[0], x.shape[1] + 1)  # the first bias folded
    w = model.parameters.copy()
    _, grad = objective(w)
    assert grad.dtype == np.float64
    numeric = np.empty_like(grad)
    h = 1e-6
    for i in range(w.size):
        step = np.zeros_like(w)
        step[i] = h
        numeric[i] = (objective(w + step)[0] - objective(w - step)[0]) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("floatx", ["float32", "float64"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("out_activation", OUTPUTS)
@pytest.mark.parametrize("activation", HIDDEN)
def test_same_loss_and_gradient_as_the_layers(
    activation: str, out_activation: str, weighted: bool, floatx: str
) -> None:
    axon.config.set_floatx(floatx)
    try:
        model, x, y, weights = problem(activation, out_activation, weighted, seed=3)
        w = model.parameters.astype(np.float64)
        fast = dense_path.DenseObjective(model, x, y, weights)(w)
        step = Step(model, out_activation, 0.0)
        slow = network.whole_data(step, x, y, weights, False)(w)
    finally:
        axon.config.set_floatx("float32")
    tight = floatx == "float64"
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-12 if tight else 1e-5)
    scale = np.abs(slow[1]).max()
    np.testing.assert_allclose(
        fast[1], slow[1], rtol=0, atol=scale * (1e-12 if tight else 1e-5)
    )


@pytest.mark.parametrize("activation", HIDDEN)
def test_without_the_bias_fold_for_large_x(
    activation: str, float64: None, monkeypatch: Any
) -> None:
    monkeypatch.setattr(dense_path, "FOLD_BYTES", 0)  # x is not copied then
    model, x, y, weights = problem(activation, "softmax", True, seed=5)
    objective = dense_path.DenseObjective(model, x, y, weights)
    assert objective.x is x
    w = model.parameters.astype(np.float64)
    fast = objective(w)
    slow = network.whole_data(Step(model, "softmax", 0.0), x, y, weights, False)(w)
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-12)
    np.testing.assert_allclose(fast[1], slow[1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("columns", [1, 2, 3, 10, 16, 17, 40])
def test_row_max_is_numpy_s(columns: int) -> None:
    z = np.random.default_rng(columns).standard_normal((9, columns)).astype("f4")
    z[4, columns // 2] = 7.0  # the largest in some middle or last column
    z[6, -1] = np.nan  # propagated, as np.max propagates it
    out = np.empty((9, 1), "f4")
    assert dense_path.row_max(z, out) is out
    np.testing.assert_array_equal(out, z.max(axis=1, keepdims=True))


def test_supports_only_a_plain_dense_stack_on_an_array() -> None:
    model, x, _, _ = problem("relu", "softmax", False)
    assert dense_path.supports(model, x)
    assert not dense_path.supports(model, x.astype(np.float64))  # not the float type
    assert not dense_path.supports(model, x[:, :, None])
    assert not dense_path.supports(model, x.tolist())
    rng = np.random.default_rng(0)
    normed = network.build_network(5, [7], 3, "relu", "softmax", [0], True, rng)
    assert not dense_path.supports(normed, x)  # BatchNormalization


@pytest.fixture
def wine() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("activation", HIDDEN)
def test_lbfgs_fits_through_it_as_through_the_layers(
    wine: Any, activation: str, float64: None, monkeypatch: Any
) -> None:
    X, y = wine
    calls = [0]
    real = dense_path.DenseObjective.__call__

    def counted(self: Any, w: np.ndarray) -> tuple[float, np.ndarray]:
        calls[0] += 1
        return real(self, w)

    params = {"solver": "lbfgs", "activation": activation, "max_iter": 30}
    monkeypatch.setattr(dense_path.DenseObjective, "__call__", counted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fast = MLPClassifier((20,), random_state=0, **params).fit(X, y)
        assert calls[0] > 0  # the dedicated path ran
        monkeypatch.setattr(dense_path, "supports", lambda model, x: False)
        slow = MLPClassifier((20,), random_state=0, **params).fit(X, y)
    assert fast.n_iter_ == slow.n_iter_
    np.testing.assert_allclose(fast.loss_, slow.loss_, rtol=1e-9)
    fitted = (fast.coefs_ + fast.intercepts_, slow.coefs_ + slow.intercepts_)
    for a, b in zip(*fitted, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


def test_a_regressor_with_weights_fits_through_it(
    monkeypatch: Any, float64: None
) -> None:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 4))
    y = X @ rng.standard_normal(4) + 0.1 * rng.standard_normal(60)
    weights = rng.uniform(0.5, 2.0, 60)
    params = {"solver": "lbfgs", "max_iter": 40, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fast = MLPRegressor(hidden_layer_sizes=(8,), **params)
        fast.fit(X, y, sample_weight=weights)
        monkeypatch.setattr(dense_path, "supports", lambda model, x: False)
        slow = MLPRegressor(hidden_layer_sizes=(8,), **params)
        slow.fit(X, y, sample_weight=weights)
    assert fast.score(X, y) > 0.95
    assert fast.n_iter_ == slow.n_iter_
    np.testing.assert_allclose(fast.predict(X), slow.predict(X), atol=1e-6)


def test_lbfgs_history_has_each_iteration_s_loss(wine: Any, capsys: Any) -> None:
    X, y = wine
    model = MLPClassifier((10,), solver="lbfgs", max_iter=500, random_state=0)
    model.fit(X, y)
    losses = model.history_.history["loss"]
    assert len(losses) == model.n_iter_ == len(model.history_.epoch) > 3
    assert model.history_.epoch == list(range(model.n_iter_))
    assert all(isinstance(loss, float) for loss in losses)
    assert losses[-1] == pytest.approx(model.loss_, rel=1e-12)
    assert losses == sorted(losses, reverse=True)  # L-BFGS-B only descends
    with pytest.warns(ConvergenceWarning):
        model.set_params(verbose=True, max_iter=3).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        f"Iteration {i + 1}, loss = {loss:.8f}"
        for i, loss in enumerate(model.history_.history["loss"])
    ]
