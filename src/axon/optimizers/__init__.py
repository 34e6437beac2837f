"""Optimizers that update the model's flat parameter vector in a few NumPy calls."""

from __future__ import annotations

from typing import Any

from axon.optimizers.adam import Adam
from axon.optimizers.base import OPTIMIZERS, Optimizer
from axon.optimizers.rmsprop import RMSprop
from axon.optimizers.sgd import SGD
from axon.registry import build

__all__ = ["OPTIMIZERS", "SGD", "Adam", "Optimizer", "RMSprop", "get"]


def get(identifier: str | Optimizer | dict[str, Any]) -> Optimizer:
    """Return an optimizer from a name (``"adam"``), a config dict or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        identifier = identifier.lower()  # Keras accepts "Adam" too
    return build(
        OPTIMIZERS, identifier, "optimizer", "an axon.optimizers.Optimizer instance"
    )
