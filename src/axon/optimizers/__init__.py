"""Optimizers that update the model's flat parameter vector in a few NumPy calls.

Every optimizer takes Keras's shared arguments (``weight_decay``, ``clipnorm``,
``clipvalue``, ``global_clipnorm``) and a learning rate that may be a float, a
schedule from :mod:`axon.optimizers.schedules` or a callable.
"""

from __future__ import annotations

from typing import Any

from axon.optimizers import schedules
from axon.optimizers.adadelta import Adadelta
from axon.optimizers.adagrad import Adagrad
from axon.optimizers.adam import Adam, AdamW
from axon.optimizers.adamax import Adamax
from axon.optimizers.base import OPTIMIZERS, Optimizer
from axon.optimizers.ftrl import Ftrl
from axon.optimizers.lion import Lion
from axon.optimizers.nadam import Nadam
from axon.optimizers.rmsprop import RMSprop
from axon.optimizers.sgd import SGD
from axon.registry import build

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lion",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]


def get(identifier: str | Optimizer | dict[str, Any]) -> Optimizer:
    """Return an optimizer from a name (``"adamw"``), a config dict or an instance.

    A config is axon's ``{"name": "adam", "learning_rate": ...}`` (what
    :func:`serialize` writes) or Keras's ``{"class_name": "Adam", "config": {...}}``;
    a learning rate given as a schedule config is rebuilt.

    Examples
    --------
    >>> get("AdamW").weight_decay
    0.004
    >>> get({"name": "sgd", "learning_rate": 0.1, "clipnorm": 1.0})
    SGD(learning_rate=0.1, clipnorm=1.0, momentum=0.0, nesterov=False)
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        identifier = identifier.lower()  # Keras accepts "Adam" too
    elif isinstance(identifier, dict):
        if isinstance(identifier.get("class_name"), str) and "name" not in identifier:
            config = dict(identifier.get("config") or {})
            config.pop("name", None)  # Keras's instance name, not the kind
            identifier = {"name": identifier["class_name"].lower(), **config}
        if isinstance(identifier.get("learning_rate"), dict):
            rate = schedules.deserialize(identifier["learning_rate"])
            identifier = {**identifier, "learning_rate": rate}
    return build(
        OPTIMIZERS, identifier, "optimizer", "an axon.optimizers.Optimizer instance"
    )


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """The optimizer as a JSON-ready dict, ``{"name": "adam", **optimizer.get_config()}``.

    A learning rate that is a plain function cannot be written down: use a schedule
    from :mod:`axon.optimizers.schedules` (or a registered subclass) to save it.
    """
    config = {"name": optimizer.name, **optimizer.get_config()}
    if callable(config["learning_rate"]):
        raise ValueError(
            "Cannot save a learning rate given as a function; a file holds no code. "
            "Use a LearningRateSchedule (axon.optimizers.schedules) instead. "
            f"Received: learning_rate={config['learning_rate']!r}"
        )
    return config


def deserialize(config: dict[str, Any]) -> Optimizer:
    """Rebuild an optimizer from :func:`serialize` (or Keras's layout)."""
    return get(config)
