"""axon: dense neural networks from scratch on NumPy, with Keras's API.

The tutorial's Keras program runs on axon by changing its import to
``import axon as keras``.

Examples
--------
>>> import axon as keras
>>> model = keras.Sequential([
...     keras.layers.Dense(8, activation="relu", input_shape=(4,)),
...     keras.layers.Dense(3, activation="softmax"),
... ])
>>> model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
"""

from __future__ import annotations

import importlib
from typing import Any

from axon import (
    activations,
    callbacks,
    config,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    utils,
)
from axon.layers import Input
from axon.models import Model, Sequential, load_model
from axon.scratch import NeuralNetwork

__version__ = "0.1.0"

__all__ = [
    "Input",
    "Model",
    "NeuralNetwork",
    "Sequential",
    "__version__",
    "activations",
    "callbacks",
    "config",
    "initializers",
    "layers",
    "load_model",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "regularizers",
    "utils",
]

_LAZY_MODULES = ("plot", "diagnostics", "sklearn", "sweep", "testing")


def __getattr__(name: str) -> Any:
    # Modules that pull in matplotlib or scikit-learn load on first use, so that
    # `import axon` stays fast.
    if name in _LAZY_MODULES:
        return importlib.import_module(f"axon.{name}")
    raise AttributeError(f"module 'axon' has no attribute {name!r}")
