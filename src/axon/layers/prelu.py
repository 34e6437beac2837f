"""Parametric ReLU: a leaky ReLU whose negative slope is learned."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import initializers
from axon.config import Array, constant
from axon.layers.base import LAYERS, Layer


def check_axes(shared_axes: Any) -> tuple[int, ...]:
    """``shared_axes`` as a tuple of axes >= 1, or a ValueError naming it."""
    if shared_axes is None:
        return ()
    axes = [shared_axes] if isinstance(shared_axes, (int, np.integer)) else shared_axes
    if not isinstance(axes, (list, tuple)) or not all(
        isinstance(a, (int, np.integer)) and not isinstance(a, bool) and a >= 1
        for a in axes
    ):
        raise ValueError(
            "Expected shared_axes to be None or positive integers (axis 0 is the "
            f"batch). Received: shared_axes={shared_axes!r}"
        )
    return tuple(int(a) for a in axes)


@LAYERS.decorator("PReLU")
class PReLU(Layer):
    """``y = x if x > 0 else alpha x``, with a trainable ``alpha`` (He et al., 2015).

    ``alpha`` has one entry per input unit, shared along ``shared_axes``. Backward,
    with ``g = dL/dy``::

        dL/dx     = g if x > 0 else alpha g          # (batch, ...)
        dL/dalpha = sum over the batch and shared axes of g min(x, 0)

    At ``x = 0`` the input's gradient takes ``alpha``, as PyTorch's ``prelu`` (and
    axon's ``leaky_relu``) do; Keras's PReLU, built from two ReLUs, gives 0 there.

    Parameters
    ----------
    alpha_initializer : str or Initializer
        Keras's default ``"zeros"``: the layer starts as a ReLU.
    shared_axes : int or list of int, optional
        Axes (counting the batch axis as 0, as Keras does) along which one ``alpha``
        serves every position, such as the spatial axes of an image.

    Keras's ``alpha_regularizer`` and ``alpha_constraint`` are not accepted.

    Examples
    --------
    >>> import numpy as np, axon
    >>> layer = axon.layers.PReLU(alpha_initializer=axon.initializers.Constant(0.25))
    >>> layer(np.array([[-2.0, 3.0]]))
    array([[-0.5,  3. ]], dtype=float32)
    """

    def __init__(
        self,
        alpha_initializer: str | initializers.Initializer = "zeros",
        shared_axes: int | list[int] | tuple[int, ...] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.shared_axes = check_axes(shared_axes)

    def build(
        self, input_shape: tuple[int, ...], rng: np.random.Generator
    ) -> tuple[int, ...]:
        if any(a > len(input_shape) for a in self.shared_axes):
            raise ValueError(
                f"Expected shared_axes within the input's {len(input_shape)} axes "
                f"after the batch. Received: shared_axes={list(self.shared_axes)} "
                f"for inputs of shape (batch, {', '.join(map(str, input_shape))})"
            )
        shape = tuple(
            1 if axis in self.shared_axes else size
            for axis, size in enumerate(input_shape, start=1)
        )
        self.add_weight("alpha", shape, self.alpha_initializer, rng)
        # dL/dalpha sums over the batch and the shared axes.
        self.reduce_axes = (0, *self.shared_axes)
        return input_shape

    def forward(self, x: Array, training: bool = False) -> Array:
        self.x = x
        zero = constant(0.0, x.dtype)
        y = np.minimum(x, zero, out=self.buffer("y", x.shape, x.dtype))
        y *= self.params["alpha"]  # alpha min(x, 0)
        y += np.maximum(x, zero, out=self.buffer("work", x.shape, x.dtype))
        return y

    def backward(self, grad_output: Array) -> Array | None:
        x, alpha, zero = self.x, self.params["alpha"], constant(0.0, self.x.dtype)
        work = self.buffer("work", x.shape, x.dtype)
        negative = np.minimum(x, zero, out=work)
        negative *= grad_output  # g min(x, 0)
        grad_alpha = self.grads["alpha"]
        np.add.reduce(
            negative, axis=self.reduce_axes, keepdims=True, out=grad_alpha[np.newaxis]
        )
        if not self.needs_input_gradient:
            return None
        # g [x > 0] + alpha g [x <= 0]: two exact pieces, the kink on alpha's side.
        grad_input = np.greater(
            x, zero, out=self.buffer("grad_input", x.shape, x.dtype)
        )
        grad_input *= grad_output
        below = np.less_equal(x, zero, out=work)
        below *= alpha
        below *= grad_output
        grad_input += below
        return grad_input

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "shared_axes": list(self.shared_axes) or None,
        }
