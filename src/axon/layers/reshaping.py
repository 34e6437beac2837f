"""Layers that only rearrange values: Flatten and Reshape (no weights, no arithmetic)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from axon.config import Array
from axon.layers.base import LAYERS, Layer


@LAYERS.decorator("Flatten")
class Flatten(Layer):
    """Flatten each sample into one axis: ``(batch, d1, d2, ...)`` -> ``(batch, d1*d2*...)``.

    The batch axis is kept; ``dL/dx`` is ``dL/dy`` reshaped back. With
    ``data_format="channels_first"`` and samples of two axes or more, the channel axis
    (the first of a sample) is moved last before flattening, as Keras does, so the
    result matches a channels-last model's. Otherwise the output is a view of the
    input: no values are copied.

    Parameters
    ----------
    data_format : {"channels_last", "channels_first"}, optional
        The order of a sample's axes; ``None`` means ``"channels_last"`` (axon has no
        Keras config file to read it from).

    Examples
    --------
    >>> import numpy as np, axon
    >>> axon.layers.Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        value = "channels_last" if data_format is None else str(data_format).lower()
        if value not in ("channels_last", "channels_first"):
            raise ValueError(
                'Expected "channels_last" or "channels_first". '
                f"Received: data_format={data_format!r}"
            )
        self.data_format = value

    def build(
        self, input_shape: tuple[int, ...], rng: np.random.Generator
    ) -> tuple[int, ...]:
        # Axes of the batch once the channel axis (1) is moved last, if it is.
        ndim = len(input_shape) + 1
        self.order: tuple[int, ...] | None = None
        if self.data_format == "channels_first" and ndim > 2:
            self.order = (0, *range(2, ndim), 1)
        return (math.prod(input_shape),)

    def forward(self, x: Array, training: bool = False) -> Array:
        self.x_shape = x.shape
        if self.order is None:
            return x.reshape(len(x), -1)
        moved = x.transpose(self.order)
        y = self.buffer("y", moved.shape, x.dtype)
        np.copyto(y, moved)
        return y.reshape(len(x), -1)

    def backward(self, grad_output: Array) -> Array | None:
        if not self.needs_input_gradient:
            return None
        if self.order is None:
            return grad_output.reshape(self.x_shape)
        moved = grad_output.reshape([self.x_shape[d] for d in self.order])
        grad_input = self.buffer("grad_input", self.x_shape, grad_output.dtype)
        np.copyto(grad_input, moved.transpose(np.argsort(self.order)))
        return grad_input

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


@LAYERS.decorator("Reshape")
class Reshape(Layer):
    """Give each sample a new shape: ``(batch, *input_shape)`` -> ``(batch, *target_shape)``.

    The values keep their C order; ``dL/dx`` is ``dL/dy`` reshaped back. The output is
    a view of the input: no values are copied.

    Parameters
    ----------
    target_shape : tuple of int
        The new shape of one sample, without the batch axis. One entry may be ``-1``:
        it is inferred from the input's size.

    Examples
    --------
    >>> import numpy as np, axon
    >>> axon.layers.Reshape((-1, 2))(np.zeros((5, 12))).shape
    (5, 6, 2)
    """

    def __init__(
        self, target_shape: tuple[int, ...] | list[int], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        try:
            shape = tuple(target_shape)
        except TypeError:
            shape = ()
        valid = len(shape) > 0 and all(
            isinstance(d, (int, np.integer))
            and not isinstance(d, bool)
            and (d > 0 or d == -1)
            for d in shape
        )
        if not valid or shape.count(-1) > 1:
            raise ValueError(
                "Expected a tuple of positive integers, one of which may be -1. "
                f"Received: target_shape={target_shape!r}"
            )
        self.target_shape = tuple(int(d) for d in shape)

    def build(
        self, input_shape: tuple[int, ...], rng: np.random.Generator
    ) -> tuple[int, ...]:
        size, shape = math.prod(input_shape), self.target_shape
        if -1 in shape:
            known = -math.prod(shape)  # the product of the other entries
            if size % known == 0:
                shape = tuple(size // known if d == -1 else d for d in shape)
        if math.prod(shape) != size:
            raise ValueError(
                f"Reshape {self.name!r} cannot turn samples of shape {input_shape} "
                f"({size} values) into target_shape={self.target_shape}"
            )
        return shape

    def forward(self, x: Array, training: bool = False) -> Array:
        assert self.output_shape is not None
        return x.reshape(len(x), *self.output_shape)

    def backward(self, grad_output: Array) -> Array | None:
        if not self.needs_input_gradient:
            return None
        assert self.input_shape is not None
        return grad_output.reshape(len(grad_output), *self.input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": list(self.target_shape)}
