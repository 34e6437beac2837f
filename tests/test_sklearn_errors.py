"""Bad input: what scikit-learn's MLPs refuse, axon's refuse the same way.

Each case runs on scikit-learn's estimator and on axon's: both must raise, axon's
error must be of the kinds scikit-learn's is (its InvalidParameterError is both a
ValueError and a TypeError, so is axon's), and axon's message must say what it
expected and what it received.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn import neural_network
from sklearn.exceptions import ConvergenceWarning

import axon
from axon.sklearn import InvalidParameterError, MLPClassifier, MLPRegressor

X = np.random.default_rng(0).normal(size=(30, 3))
Y_CLASS = np.arange(30) % 3
Y_REG = X[:, 0] * 2.0

BAD_ARGUMENTS = [
    ("hidden_layer_sizes", 0),
    ("hidden_layer_sizes", (10, -1)),
    ("hidden_layer_sizes", "100"),
    ("hidden_layer_sizes", (10.5,)),
    ("activation", "softmax"),
    ("activation", "RELU"),
    ("solver", "rmsprop"),
    ("alpha", -1e-4),
    ("alpha", "0.1"),
    ("batch_size", 0),
    ("batch_size", "all"),
    ("batch_size", 2.5),
    ("learning_rate", "cosine"),
    ("learning_rate_init", 0.0),
    ("learning_rate_init", -0.1),
    ("power_t", -0.5),
    ("max_iter", 0),
    ("max_iter", 10.0),
    ("shuffle", "yes"),
    ("random_state", -1),
    ("random_state", "seed"),
    ("tol", -1.0),
    ("verbose", -1),
    ("warm_start", 1.5),
    ("momentum", 1.5),
    ("momentum", -0.1),
    ("nesterovs_momentum", None),
    ("early_stopping", "no"),
    ("validation_fraction", 1.0),
    ("validation_fraction", -0.1),
    ("beta_1", 1.0),
    ("beta_2", -0.1),
    ("epsilon", 0.0),
    ("n_iter_no_change", 0),
    ("n_iter_no_change", 2.5),
    ("max_fun", 0),
    # Equal to the defaults, but not of their kind: checked all the same.
    ("max_iter", 200.0),
    ("shuffle", 1),
    ("early_stopping", 0),
]


@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
@pytest.mark.parametrize(("argument", "value"), BAD_ARGUMENTS, ids=str)
def test_bad_arguments_are_refused_at_fit(name: str, argument: str, value: Any) -> None:
    y = Y_CLASS if name == "MLPClassifier" else Y_REG
    arguments = {"max_iter": 2, argument: value}
    theirs = getattr(neural_network, name)(**arguments)
    ours = getattr(axon.sklearn, name)(**arguments)
    with pytest.raises((ValueError, TypeError)):
        theirs.fit(X, y)
    with pytest.raises(InvalidParameterError) as refused:
        ours.fit(X, y)
    assert isinstance(refused.value, ValueError) and isinstance(
        refused.value, TypeError
    )
    message = str(refused.value)
    assert message.startswith("Expected ") and f"Received: {argument}=" in message


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("dropout", 1.0),
        ("dropout", [0.2, "x"]),
        ("batch_norm", "yes"),
        ("optimizer", "sgdx"),
        ("optimizer", 3),
        ("callbacks", [print]),
        ("callbacks", "History"),
    ],
    ids=str,
)
def test_bad_axon_arguments(argument: str, value: Any) -> None:
    with pytest.raises(InvalidParameterError, match=f"Received: {argument}="):
        MLPClassifier(**{argument: value}).fit(X, Y_CLASS)


def test_a_bad_regression_loss() -> None:
    with pytest.raises(InvalidParameterError, match="Received: loss='absolute'"):
        MLPRegressor("absolute").fit(X, Y_REG)


def _nan(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    x[3, 1] = np.nan
    return x


def _inf(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    x[0, 0] = np.inf
    return x


BAD_DATA: list[tuple[str, Callable[[Any], Any]]] = [
    ("NaN in X", lambda m: m.fit(_nan(X), Y_CLASS)),
    ("infinity in X", lambda m: m.fit(_inf(X), Y_CLASS)),
    ("1-d X", lambda m: m.fit(X[:, 0], Y_CLASS)),
    ("3-d X", lambda m: m.fit(X.reshape(30, 3, 1), Y_CLASS)),
    ("strings in X", lambda m: m.fit(X.astype(str).astype(object) + "a", Y_CLASS)),
    ("complex X", lambda m: m.fit(X + 1j, Y_CLASS)),
    ("no rows", lambda m: m.fit(X[:0], Y_CLASS[:0])),
    ("lengths differ", lambda m: m.fit(X, Y_CLASS[:-1])),
    ("NaN in y", lambda m: m.fit(X, np.where(Y_CLASS == 1, np.nan, Y_CLASS))),
    ("continuous y", lambda m: m.fit(X, Y_REG)),
    ("zero weights", lambda m: m.fit(X, Y_CLASS, sample_weight=np.zeros(30))),
    ("weights' shape", lambda m: m.fit(X, Y_CLASS, sample_weight=np.ones(29))),
    ("unfitted", lambda m: m.predict(X)),
    ("unfitted proba", lambda m: m.predict_proba(X)),
    ("features differ", lambda m: m.fit(X, Y_CLASS).predict(X[:, :2])),
    ("partial_fit, no classes", lambda m: m.partial_fit(X, Y_CLASS)),
    (
        "too small a validation set",
        lambda m: m.set_params(early_stopping=True, validation_fraction=0.01).fit(
            X[:20], Y_CLASS[:20]
        ),
    ),
]


@pytest.mark.parametrize(("case", "call"), BAD_DATA, ids=[c for c, _ in BAD_DATA])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_bad_data_is_refused_as_scikit_learn_refuses_it(
    case: str, call: Callable[[Any], Any]
) -> None:
    with pytest.raises(Exception) as reference:  # noqa: PT011 - whatever it raises
        call(neural_network.MLPClassifier(max_iter=5))
    with pytest.raises(type(reference.value)):
        call(MLPClassifier(max_iter=5))


def test_regression_targets_that_are_not_numbers() -> None:
    words = np.array(["a", "b", "c"] * 10)
    with pytest.raises(TypeError):  # NumPy's, from deep inside scikit-learn
        neural_network.MLPRegressor(max_iter=2).fit(X, words)
    with pytest.raises(ValueError, match=r"Expected numbers in y.*Received: 'a'"):
        MLPRegressor(max_iter=2).fit(X, words)


def test_a_changed_number_of_outputs_with_warm_start() -> None:
    model = MLPRegressor(hidden_layer_sizes=(4,), warm_start=True, max_iter=2)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, Y_REG)
    with pytest.raises(ValueError, match="Expected y with 1 output"):
        model.fit(X, np.stack([Y_REG, Y_REG], axis=1))
