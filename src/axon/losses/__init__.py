"""Losses: Keras 3's classes, function forms and string names, each with its gradient.

Three ways to name a loss, as in Keras:

- a class, with ``reduction`` and ``name``:
  ``axon.losses.CategoricalCrossentropy(label_smoothing=0.1)``;
- a function that returns the loss of each sample:
  ``axon.losses.mean_squared_error(y_true, y_pred)``;
- a string: ``"mse"``, ``"mape"``, ``"msle"``, ``"kld"``, ``"log_cosh"``,
  ``"huber"``, ``"binary_crossentropy"`` (or ``"bce"``), the class's name...

``compile(loss=...)`` takes any of them; :func:`get` turns each into a :class:`Loss`.
A loss of your own subclasses :class:`Loss` with ``call`` and ``gradient``
(``docs/extending.md``), and ``axon.testing.check_loss_gradient`` checks the pair.
"""

from __future__ import annotations

import inspect
from typing import Any

from axon.losses.base import FUNCTIONS, LOSSES, REDUCTIONS, Loss, register
from axon.losses.crossentropy import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from axon.losses.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from axon.losses.probabilistic import KLDivergence, Poisson, kl_divergence, poisson
from axon.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from axon.registry import build

__all__ = [
    "LOSSES",
    "REDUCTIONS",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "binary_crossentropy",
    "categorical_crossentropy",
    "categorical_hinge",
    "cosine_similarity",
    "deserialize",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mae",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "mse",
    "poisson",
    "register",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
]

# Short names axon has always had (Keras 3 keeps them as strings only).
mse = mean_squared_error
mae = mean_absolute_error


def get(identifier: Any) -> Loss:
    """Return a :class:`Loss` from a name, a config, a class, a function or an instance.

    Keras returns its function for a snake-case name; axon always returns a Loss
    object, because training needs its ``gradient`` too.

    Examples
    --------
    >>> get("mse")
    MeanSquaredError()
    >>> get({"class_name": "Huber", "config": {"delta": 2.0}})
    Huber(delta=2.0)
    >>> get(mean_absolute_error)
    MeanAbsoluteError()
    """
    if isinstance(identifier, Loss):
        return identifier
    if inspect.isclass(identifier) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier) and identifier in FUNCTIONS:
        return FUNCTIONS[identifier]()
    if callable(identifier):
        raise TypeError(
            "axon cannot differentiate a plain function: subclass axon.losses.Loss with "
            "call(y_true, y_pred) and gradient(y_true, y_pred) (see docs/extending.md). "
            f"Received: loss={identifier!r}"
        )
    if isinstance(identifier, dict) and "class_name" in identifier:
        return deserialize(identifier)
    return build(LOSSES, identifier, "loss", "an axon.losses.Loss instance")


def serialize(loss: Loss) -> str | dict[str, Any]:
    """The loss's string name when it has default arguments, else Keras's dict.

    The dict is ``{"class_name": ..., "config": loss.get_config()}``, as
    ``keras.losses.serialize`` writes it (without Keras's ``module`` entry).
    """
    cls, config_ = type(loss), loss.get_config()
    name = cls.registered_name
    if name is not None and name in LOSSES and LOSSES.lookup(name) is cls:
        try:
            if config_ == cls().get_config():
                return name
        except TypeError:  # a registered loss with required arguments
            pass
    return {"class_name": cls.__name__, "config": config_}


def deserialize(config_: dict[str, Any]) -> Loss:
    """Rebuild a loss from :func:`serialize`'s dict (Keras's ``class_name`` form)."""
    class_name, arguments = config_.get("class_name"), config_.get("config", {})
    if not isinstance(class_name, str) or not isinstance(arguments, dict):
        raise ValueError(
            "Expected {'class_name': str, 'config': dict} for a loss. "
            f"Received: {config_!r}"
        )
    cls = LOSSES.lookup(class_name)
    try:
        return cls.from_config(arguments)
    except TypeError as error:  # an argument the constructor does not take
        raise ValueError(
            f"Bad arguments for the loss {class_name!r}: {error}"
        ) from None
