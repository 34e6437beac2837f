"""axon's estimators against scikit-learn's, epoch by epoch, in float64.

Both start from the same weights (scikit-learn's are set to axon's), see the rows in
the same order (``shuffle=False``) and run the same number of epochs; the losses of
every epoch, the epoch at which ``tol`` stops them, ``t_`` and the final weights
then agree to rounding. This pins the loss (with its L2 term and sample weights),
the gradient, Adam, SGD with (Nesterov) momentum, the learning-rate schedules, the
stopping rule, and L-BFGS.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from sklearn import neural_network
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from axon.sklearn import MLPClassifier, MLPRegressor


def _data(kind: str) -> tuple[np.ndarray, np.ndarray]:
    if kind == "regression":
        X, y = make_regression(n_samples=150, n_features=6, noise=5.0, random_state=0)
        return StandardScaler().fit_transform(X), y / y.std()
    if kind == "two outputs":
        X, y = make_regression(
            n_samples=150, n_features=6, n_targets=2, noise=5.0, random_state=0
        )
        return StandardScaler().fit_transform(X), y / y.std(axis=0)
    if kind == "counts":
        rng = np.random.default_rng(0)
        X = rng.normal(size=(150, 6))
        return X, rng.poisson(np.exp(0.5 * X[:, 0])).astype(float)
    classes = {"binary": 2, "multiclass": 3, "multilabel": 3}[kind]
    X, y = make_classification(
        n_samples=150, n_features=6, n_informative=4, n_classes=classes, random_state=0
    )
    if kind == "multilabel":
        y = np.stack([y == 0, y == 1, X[:, 0] > 0], axis=1).astype(int)
    return StandardScaler().fit_transform(X), y


def _run_both(kind: str, epochs: int, sample_weight: Any = None, **params: Any) -> Any:
    """Fit one epoch each, give scikit-learn axon's state, then fit ``epochs`` more."""
    X, y = _data(kind)
    regression = kind in ("regression", "two outputs", "counts")
    ours = (MLPRegressor if regression else MLPClassifier)(
        max_iter=1, warm_start=True, shuffle=False, random_state=0, **params
    )
    name = "MLPRegressor" if regression else "MLPClassifier"
    theirs = getattr(neural_network, name)(
        max_iter=1, warm_start=True, shuffle=False, random_state=0, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y, sample_weight=sample_weight)
        theirs.fit(X, y, sample_weight=sample_weight)
        theirs.coefs_ = [c.copy() for c in ours.coefs_]
        theirs.intercepts_ = [b.copy() for b in ours.intercepts_]
        if params.get("solver", "adam") != "lbfgs":
            theirs.loss_curve_ = list(ours.loss_curve_)
            theirs.best_loss_ = ours.best_loss_
        for model in (ours, theirs):
            model.set_params(max_iter=epochs)
            model.fit(X, y, sample_weight=sample_weight)
    return ours, theirs


CASES = [
    ("multiclass", {"solver": "adam", "alpha": 1e-2}),
    ("binary", {"solver": "adam", "batch_size": 32, "beta_1": 0.8, "epsilon": 1e-6}),
    ("multilabel", {"solver": "sgd", "learning_rate_init": 0.05}),
    ("multiclass", {"solver": "sgd", "nesterovs_momentum": False, "momentum": 0.5}),
    ("binary", {"solver": "sgd", "learning_rate": "invscaling", "power_t": 0.25}),
    ("regression", {"solver": "adam", "activation": "tanh", "batch_size": 40}),
    ("regression", {"solver": "sgd", "activation": "logistic", "momentum": 0.0}),
    ("counts", {"loss": "poisson", "solver": "adam", "learning_rate_init": 0.01}),
    ("multiclass", {"solver": "adam", "hidden_layer_sizes": (7, 5), "alpha": 0.1}),
    ("multiclass", {"solver": "adam", "hidden_layer_sizes": ()}),
    ("binary", {"solver": "adam", "activation": "identity"}),
]


@pytest.mark.parametrize(("kind", "params"), CASES, ids=lambda c: str(c))
def test_epochs_match_scikit_learn(float64: None, kind: str, params: Any) -> None:
    ours, theirs = (
        _run_both(kind, 25, hidden_layer_sizes=(10,), **params)
        if ("hidden_layer_sizes" not in params)
        else _run_both(kind, 25, **params)
    )
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    assert (ours.n_iter_, ours.t_) == (theirs.n_iter_, theirs.t_)
    assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-9)
    for mine, reference in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_allclose(mine, reference, rtol=1e-7, atol=1e-10)


def test_sample_weights_match_scikit_learn(float64: None) -> None:
    weights = np.random.default_rng(1).uniform(0.2, 3.0, size=150)
    ours, theirs = _run_both(
        "multiclass", 10, sample_weight=weights, hidden_layer_sizes=(8,), alpha=0.05
    )
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(ours.coefs_[0], theirs.coefs_[0], rtol=1e-7, atol=1e-10)


def test_tol_stops_at_the_same_epoch(float64: None) -> None:
    ours, theirs = _run_both("binary", 200, hidden_layer_sizes=(10,), tol=1e-2)
    assert ours.n_iter_ == theirs.n_iter_ < 200


def test_adaptive_rate_divides_at_the_same_epochs(float64: None) -> None:
    params = {
        "solver": "sgd",
        "learning_rate": "adaptive",
        "tol": 5e-3,
        "n_iter_no_change": 2,
        "hidden_layer_sizes": (10,),
    }
    ours, theirs = _run_both("multiclass", 60, **params)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    assert ours._optimizer.learning_rate == pytest.approx(
        theirs._optimizer.learning_rate
    )
    assert ours._optimizer.learning_rate < 0.001  # it was divided


def test_several_regression_outputs_follow_the_same_gradient(float64: None) -> None:
    # scikit-learn reports the squared error averaged over the outputs and follows
    # its sum; axon reports the sum: same weights, loss_ twice scikit-learn's data term.
    ours, theirs = _run_both("two outputs", 10, hidden_layer_sizes=(10,), alpha=0.0)
    np.testing.assert_allclose(ours.coefs_[0], theirs.coefs_[0], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(
        ours.loss_curve_[1:], 2 * np.array(theirs.loss_curve_[1:]), rtol=1e-9
    )


@pytest.mark.parametrize("kind", ["multiclass", "binary", "regression"])
def test_lbfgs_reaches_scikit_learn_s_optimum(float64: None, kind: str) -> None:
    ours, theirs = _run_both(
        kind, 50, solver="lbfgs", hidden_layer_sizes=(10,), alpha=1e-3
    )
    # The same objective and gradient from the same start: L-BFGS takes the same
    # path up to the order in which the weights sit in the vector.
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-4)
    assert abs(ours.n_iter_ - theirs.n_iter_) <= 2
