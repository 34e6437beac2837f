"""The input placeholder that tells a Sequential model the shape of one sample."""

from __future__ import annotations

from typing import Any

from axon.config import Array
from axon.layers.base import LAYERS, Layer, check_shape


@LAYERS.decorator("InputLayer")
class InputLayer(Layer):
    """Declare the shape of one sample; passes its input through unchanged.

    ``Sequential([Input((4,)), Dense(8)])`` is the same as
    ``Sequential([Dense(8, input_shape=(4,))])``. The model keeps the shape and drops
    the placeholder from ``model.layers``, as Keras does.
    """

    def __init__(self, shape: tuple[int, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shape = check_shape(shape)

    def forward(self, x: Array, training: bool = False) -> Array:
        return x

    def backward(self, grad_output: Array) -> Array | None:
        return grad_output

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "shape": list(self.shape)}


def Input(shape: tuple[int, ...], name: str | None = None) -> InputLayer:
    """Keras's ``Input(shape)``: the first element of a ``Sequential`` list."""
    return InputLayer(shape, name=name)
