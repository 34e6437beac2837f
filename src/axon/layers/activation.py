"""Activation as a layer of its own: ``Dense(3)`` then ``Activation("softmax")``."""

from __future__ import annotations

from typing import Any

from axon import activations
from axon.activations import Activation as ActivationFunction
from axon.config import Array
from axon.layers.base import LAYERS, Layer


@LAYERS.decorator("Activation")
class Activation(Layer):
    """Apply an activation function elementwise: ``y = f(x)``; ``dL/dx = g * f'(x)``.

    Examples
    --------
    >>> import numpy as np, axon
    >>> axon.layers.Activation("relu")(np.array([[-1.0, 2.0]]))
    array([[0., 2.]], dtype=float32)
    """

    def __init__(self, activation: str | ActivationFunction, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def forward(self, x: Array, training: bool = False) -> Array:
        self.logits = x
        self.y = self.activation.forward(x, out=self.buffer("y", x.shape, x.dtype))
        return self.y

    def backward(self, grad_output: Array) -> Array | None:
        work = self.buffer("work", self.y.shape, self.y.dtype)
        return self.activation.backward(self.logits, self.y, grad_output, work)

    def backward_from_logits(self, grad_logits: Array) -> Array | None:
        """Backward pass from ``dL/dx`` when the loss already went through ``f``."""
        return grad_logits

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "activation": activations.serialize(self.activation),
        }


@LAYERS.decorator("LeakyReLU")
class LeakyReLU(Activation):
    """Leaky ReLU as a layer: ``y = x if x > 0 else negative_slope * x``.

    Its derivative is 1 above zero and ``negative_slope`` at and below zero, as in
    PyTorch and Keras.

    The default slope is the tutorial's 0.01 (PyTorch's too); Keras's layer uses 0.3.
    """

    def __init__(self, negative_slope: float = 0.01, **kwargs: Any) -> None:
        super().__init__(activations.LeakyReLU(negative_slope), **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = Layer.get_config(self)
        config["negative_slope"] = self.activation.get_config()["negative_slope"]
        return config


@LAYERS.decorator("ReLU")
class ReLU(Activation):
    """ReLU as a layer: ``y = max(0, x)``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("relu", **kwargs)

    def get_config(self) -> dict[str, Any]:
        return Layer.get_config(self)


@LAYERS.decorator("Softmax")
class Softmax(Activation):
    """Softmax over the last axis as a layer."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("softmax", **kwargs)

    def get_config(self) -> dict[str, Any]:
        return Layer.get_config(self)
