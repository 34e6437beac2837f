"""The model's inputs: ``Input`` makes the symbolic tensor a functional graph starts from."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.layers.base import LAYERS, KerasTensor, Layer, Node, check_shape


@LAYERS.decorator("InputLayer")
class InputLayer(Layer):
    """Declare the shape of one sample; passes its input through unchanged.

    The layer behind ``axon.Input``: its ``output`` is the symbolic tensor a functional
    model starts from. In a ``Sequential`` list, ``Input((4,))`` (or this layer) is the
    same as ``Dense(8, input_shape=(4,))`` on the first layer; the model keeps the
    shape and drops the placeholder from ``model.layers``, as Keras does.

    Parameters
    ----------
    shape : tuple of int
        Shape of one sample, without the batch axis: ``(4,)`` for four features.
    batch_size : int, optional
        Kept in the config; ``fit`` decides the batches.
    dtype : str, optional
        The type the data are declared in (``"float32"`` by default). Reported in the
        config; like every input, the data are cast to axon's float type once per
        ``fit`` (an integer category code stays exact up to 2**24 in float32).
    batch_shape : tuple, optional
        ``(batch_size, *shape)``, Keras's alternative to ``shape``.

    Examples
    --------
    >>> import axon
    >>> axon.layers.InputLayer(shape=(4,), name="features").output
    <KerasTensor shape=(None, 4), dtype=float32, name=features>
    """

    def __init__(
        self,
        shape: tuple[int, ...] | None = None,
        batch_size: int | None = None,
        dtype: Any = None,
        sparse: bool | None = None,
        batch_shape: tuple[int | None, ...] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if sparse:
            raise ValueError(
                "axon has no sparse tensors: densify the data. Received: sparse=True"
            )
        dims: Any = shape
        if batch_shape is not None:
            if shape is not None:
                raise ValueError(
                    "Expected shape or batch_shape, not both. Received: "
                    f"shape={shape!r}, batch_shape={batch_shape!r}"
                )
            if not isinstance(batch_shape, (list, tuple)) or len(batch_shape) < 2:
                raise ValueError(
                    "Expected batch_shape=(batch_size, *shape), such as (None, 4). "
                    f"Received: batch_shape={batch_shape!r}"
                )
            batch_size, dims = batch_shape[0], batch_shape[1:]
        if dims is None:
            raise ValueError(
                "Expected the shape of one sample, such as shape=(4,). Received: "
                "shape=None"
            )
        self.shape = check_shape(dims)
        self.batch_size = batch_size
        try:
            self.dtype = np.dtype(dtype or config.floatx()).name
        except TypeError:
            raise ValueError(
                f"Expected a NumPy type name such as 'float32'. Received: dtype={dtype!r}"
            ) from None
        # Built on the spot, without drawing from the global generator: the weights
        # of the layers that follow are the same with or without an Input.
        self.input_shape = self.output_shape = self.shape
        self.built = True
        self.output: KerasTensor = Node(
            self, [], False, None, self.shape, self.name
        ).output

    def forward(self, x: Array, training: bool = False) -> Array:
        return x

    def backward(self, grad_output: Array) -> Array | None:
        return grad_output

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "batch_shape": [self.batch_size, *self.shape],
            "dtype": self.dtype,
        }


def Input(
    shape: tuple[int, ...] | None = None,
    batch_size: int | None = None,
    dtype: Any = None,
    sparse: bool | None = None,
    batch_shape: tuple[int | None, ...] | None = None,
    name: str | None = None,
) -> KerasTensor:
    """Keras's ``Input``: the symbolic tensor a functional model starts from.

    Call layers on it to build a graph, then ``axon.Model(inputs, outputs)``; in a
    ``Sequential`` list it declares the input shape. Arguments as
    :class:`InputLayer`. Keras's ``tensor=`` (a backend tensor), ``ragged=`` and
    ``optional=`` have no counterpart in axon.

    Examples
    --------
    >>> import axon
    >>> inputs = axon.Input(shape=(4,), name="features")
    >>> axon.layers.Dense(3)(inputs).shape
    (None, 3)
    """
    layer = InputLayer(shape, batch_size, dtype, sparse, batch_shape, name=name)
    return layer.output
