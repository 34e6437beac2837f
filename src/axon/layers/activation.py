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
    """ReLU as a layer, with Keras's options (see :class:`axon.activations.ReLU`).

    ``y = min(x, max_value)`` above ``threshold`` and ``negative_slope * (x -
    threshold)`` at and below it; the defaults give ``y = max(0, x)``.

    Parameters
    ----------
    max_value : float, optional
        The cap (``>= 0``); ``None`` for none.
    negative_slope : float
        The slope at and below the threshold (``>= 0``).
    threshold : float
        Where the unit switches on (``>= 0``).

    Examples
    --------
    >>> import numpy as np, axon
    >>> axon.layers.ReLU(max_value=5.0)(np.array([[-10.0, 0.0, 5.0, 10.0]]))
    array([[0., 0., 5., 5.]], dtype=float32)
    """

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs: Any,
    ) -> None:
        function = activations.ReLU(negative_slope, max_value, threshold)
        super().__init__(function, **kwargs)

    def get_config(self) -> dict[str, Any]:
        function = self.activation
        assert isinstance(function, activations.ReLU)
        return {
            **Layer.get_config(self),
            "max_value": function.max_value,
            "negative_slope": function.negative_slope,
            "threshold": function.threshold,
        }


@LAYERS.decorator("ELU")
class ELU(Activation):
    """ELU as a layer: ``y = x if x > 0 else alpha (e^x - 1)``.

    Parameters
    ----------
    alpha : float
        The negative side's scale (Keras's default 1.0).
    """

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(activations.ELU(alpha), **kwargs)

    def get_config(self) -> dict[str, Any]:
        function = self.activation
        assert isinstance(function, activations.ELU)
        return {**Layer.get_config(self), "alpha": function.alpha}


@LAYERS.decorator("Softmax")
class Softmax(Activation):
    """Softmax along ``axis`` (the last by default) as a layer.

    Fused with categorical cross-entropy as an output layer, it must run over the
    last axis, which the loss's gradient assumes; another axis is refused there.
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(activations.Softmax(axis), **kwargs)

    def backward_from_logits(self, grad_logits: Array) -> Array | None:
        axis = self.activation.get_config().get("axis", -1)
        if axis not in (-1, grad_logits.ndim - 1):
            raise ValueError(
                "Expected softmax over the last axis before a cross-entropy loss, "
                f"whose gradient assumes it. Received: axis={axis}"
            )
        return grad_logits

    def get_config(self) -> dict[str, Any]:
        return {
            **Layer.get_config(self),
            "axis": self.activation.get_config().get("axis", -1),
        }
