"""Checking the estimators' constructor arguments, at ``fit`` as scikit-learn does.

scikit-learn stores constructor arguments untouched and checks them when ``fit`` runs,
so that ``set_params`` and ``clone`` never fail; a bad value raises an error that is
both a ValueError and a TypeError (its ``InvalidParameterError``). axon does the same
with its own :class:`InvalidParameterError`, in axon's words: what was expected, and
what was received.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from axon import callbacks as axon_callbacks
from axon import optimizers as axon_optimizers


class InvalidParameterError(ValueError, TypeError):
    """A constructor argument the estimator cannot use (raised by ``fit``).

    Both a ValueError and a TypeError, as scikit-learn's own, so code written for
    scikit-learn's estimators catches it the same way.
    """


Check = Callable[[Any], bool]


def _real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(
        value, (bool, np.bool_)
    )


def _boolean(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def interval(
    low: float, high: float, closed: str, integer: bool = False
) -> tuple[str, Check]:
    """A number in an interval; ``closed`` is "both", "left", "right" or "neither"."""
    kind = "an integer" if integer else "a float"
    left = "[" if closed in ("both", "left") else "("
    right = "]" if closed in ("both", "right") and high != math.inf else ")"
    text = f"{kind} in {left}{low:g}, {high:g}{right}"

    def check(value: Any) -> bool:
        if not (_integer(value) if integer else _real(value)) or math.isnan(value):
            return False
        above = value >= low if left == "[" else value > low
        below = value <= high if right == "]" else value < high
        return above and below

    return text, check


def options(*names: str) -> tuple[str, Check]:
    """One of a few strings."""
    return (
        f"one of {', '.join(map(repr, names))}",
        lambda v: isinstance(v, str) and v in names,
    )


BOOLEAN = ("a bool", _boolean)


def _hidden_layer_sizes(value: Any) -> bool:
    if _integer(value):
        return bool(value >= 1)
    if isinstance(value, str) or not isinstance(value, (Sequence, np.ndarray)):
        return False
    return all(_integer(units) and units >= 1 for units in value)


def _random_state(value: Any) -> bool:
    if value is None or isinstance(value, (np.random.RandomState, np.random.Generator)):
        return True
    return _integer(value) and 0 <= value < 2**32


def _verbose(value: Any) -> bool:
    return _boolean(value) or (_integer(value) and value >= 0)


def _n_iter_no_change(value: Any) -> bool:
    return (_integer(value) and value >= 1) or (_real(value) and value == math.inf)


def _dropout(value: Any) -> bool:
    rates = value if isinstance(value, (Sequence, np.ndarray)) else [value]
    if isinstance(value, str):
        return False
    return all(_real(rate) and 0 <= rate < 1 for rate in rates)


def _optimizer(value: Any) -> bool:
    if value is None or isinstance(value, axon_optimizers.Optimizer):
        return True
    return isinstance(value, str) and value.lower() in axon_optimizers.OPTIMIZERS


def _callbacks(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, (list, tuple)) and all(
        isinstance(cb, axon_callbacks.Callback) for cb in value
    )


# name -> (what is expected, in words; the check), for every constructor argument.
CONSTRAINTS: dict[str, tuple[str, Check]] = {
    "hidden_layer_sizes": (
        "a positive integer or a sequence of positive integers, such as (100,)",
        _hidden_layer_sizes,
    ),
    "activation": options("identity", "logistic", "tanh", "relu"),
    "solver": options("lbfgs", "sgd", "adam"),
    "alpha": interval(0, math.inf, "left"),
    "batch_size": (
        "'auto' or a positive integer",
        lambda v: v == "auto" if isinstance(v, str) else _integer(v) and v >= 1,
    ),
    "learning_rate": options("constant", "invscaling", "adaptive"),
    "learning_rate_init": interval(0, math.inf, "neither"),
    "power_t": interval(0, math.inf, "left"),
    "max_iter": interval(1, math.inf, "left", integer=True),
    "shuffle": BOOLEAN,
    "random_state": (
        "None, an integer in [0, 2**32) or a numpy RandomState or Generator",
        _random_state,
    ),
    "tol": interval(0, math.inf, "left"),
    "verbose": ("a bool or a non-negative integer", _verbose),
    "warm_start": BOOLEAN,
    "momentum": interval(0, 1, "both"),
    "nesterovs_momentum": BOOLEAN,
    "early_stopping": BOOLEAN,
    "validation_fraction": interval(0, 1, "left"),
    "beta_1": interval(0, 1, "left"),
    "beta_2": interval(0, 1, "left"),
    "epsilon": interval(0, math.inf, "neither"),
    "n_iter_no_change": ("a positive integer or numpy.inf", _n_iter_no_change),
    "max_fun": interval(1, math.inf, "left", integer=True),
    "loss": options("squared_error", "poisson"),
    "dropout": (
        "a float in [0, 1) or one such rate per hidden layer",
        _dropout,
    ),
    "batch_norm": BOOLEAN,
    "optimizer": (
        "None, the name of an axon optimizer or an axon.optimizers.Optimizer",
        _optimizer,
    ),
    "callbacks": ("None or a list of axon.callbacks.Callback", _callbacks),
}


_ARGUMENTS: dict[type, dict[str, Any]] = {}


def _arguments(cls: type) -> dict[str, Any]:
    # get_params reads the signature on every call; a fit on a small table notices.
    if cls not in _ARGUMENTS:
        parameters = inspect.signature(cls).parameters.values()
        _ARGUMENTS[cls] = {p.name: p.default for p in parameters}
    return _ARGUMENTS[cls]


def check_params(estimator: Any) -> None:
    """Raise :class:`InvalidParameterError` for the first argument out of bounds."""
    owner = type(estimator).__name__
    for name, default in _arguments(type(estimator)).items():
        value = getattr(estimator, name)
        if value is default:  # the default object itself, valid (-15 us a fit)
            continue
        expected, check = CONSTRAINTS[name]
        if not check(value):
            raise InvalidParameterError(
                f"Expected {expected} for {owner}'s {name}. Received: {name}={value!r}"
            )


def hidden_units(value: Any) -> list[int]:
    """``hidden_layer_sizes`` as a list (an integer is one hidden layer)."""
    return [int(value)] if _integer(value) else [int(units) for units in value]


def dropout_rates(value: Any, n_hidden: int) -> list[float]:
    """One dropout rate per hidden layer, from one rate or a sequence of them."""
    if not isinstance(value, (Sequence, np.ndarray)):
        return [float(value)] * n_hidden
    if len(value) != n_hidden:
        raise InvalidParameterError(
            f"Expected one dropout rate per hidden layer ({n_hidden}). "
            f"Received: dropout={value!r}"
        )
    return [float(rate) for rate in value]


def check_sample_weight(sample_weight: Any, n_samples: int, dtype: Any) -> Any:
    """``sample_weight`` as a 1-d array of ``n_samples`` finite floats, or None."""
    if sample_weight is None:
        return None
    if _real(sample_weight):
        return np.full(n_samples, float(sample_weight), dtype=dtype)
    if hasattr(sample_weight, "to_numpy"):  # a pandas Series
        sample_weight = sample_weight.to_numpy()
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "Expected sample_weight to hold numbers. Received: "
            f"{type(sample_weight).__name__}"
        ) from None
    if weights.shape != (n_samples,):
        raise ValueError(
            f"Expected sample_weight of shape ({n_samples},), one weight per sample. "
            f"Received: sample_weight of shape {weights.shape}"
        )
    if not np.isfinite(weights).all():
        raise ValueError("Expected finite sample weights. Received: NaN or infinity")
    if not weights.any():
        raise ValueError(
            "Expected sample_weight with at least one non-zero weight. "
            "Received: every weight is zero"
        )
    return weights.astype(dtype)


def plain_arrays(estimator: Any, X: Any, y: Any, dtype: Any) -> tuple[Any, Any] | None:
    """``validate_data(reset=True)``'s result for the common case, or None.

    The common case: ``X`` a 2-d float ndarray and ``y`` a 1-d ndarray of numbers,
    as many rows, at least one row and one column, every value finite once ``X``
    is in ``dtype``. Then ``validate_data`` (with the arguments ``fit`` gives it)
    returns ``X`` in ``dtype`` and ``y`` as it is, and records ``n_features_in_``
    with no ``feature_names_in_``; this does the same in a few NumPy calls,
    without the DataFrame and tag look-ups (a wine fit: 0.2 ms of 2.7 ms). Any
    other input gets None, so that ``validate_data`` checks it and raises its
    own errors: nothing passes here that it would refuse.
    """
    if type(X) is not np.ndarray or type(y) is not np.ndarray:
        return None
    if X.ndim != 2 or X.dtype.kind != "f" or y.ndim != 1 or y.dtype.kind not in "biuf":
        return None
    if X.shape[0] == 0 or X.shape[1] == 0 or y.shape[0] != X.shape[0]:
        return None
    # A sum is finite only if every value is (a sum that overflows sends the
    # data to validate_data, which looks at each value).
    with np.errstate(over="ignore", invalid="ignore"):
        X = X if X.dtype == dtype else X.astype(dtype)
        if not np.isfinite(np.add.reduce(X, axis=None)):
            return None
        if y.dtype.kind == "f" and not np.isfinite(np.add.reduce(y)):
            return None
    estimator.n_features_in_ = X.shape[1]
    estimator.__dict__.pop("feature_names_in_", None)
    return X, y
