"""Merge layers: several tensors in, one out (branches of a functional graph meet here).

Each takes a list of arrays in ``forward`` and returns one gradient per input from
``backward``, never the same array twice (whoever receives a gradient may overwrite
it). ``layers.concatenate([a, b])`` and its siblings build the layer and call it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.layers.base import LAYERS, Layer, describe_shape


class Merge(Layer):
    """Base of the elementwise merges: inputs of one shape, an output of that shape."""

    takes_list = True
    max_inputs: int | None = None

    def build(  # type: ignore[override]
        self, input_shape: list[tuple[int, ...]], rng: np.random.Generator
    ) -> tuple[int, ...]:
        count = len(input_shape)
        if count < 1 or (self.max_inputs is not None and count != self.max_inputs):
            expected = f"exactly {self.max_inputs}" if self.max_inputs else "at least 1"
            raise ValueError(
                f"{type(self).__name__} merges {expected} inputs. Received: {count}"
            )
        if any(shape != input_shape[0] for shape in input_shape):
            raise ValueError(
                f"{type(self).__name__} expects inputs of one shape. Received: inputs "
                f"of shapes {describe_shape(input_shape)}"
            )
        return input_shape[0]

    def _fold(self, ufunc: Any, x: list[Array]) -> Array:
        """``ufunc(...ufunc(x_1, x_2)..., x_k)`` into this layer's output buffer."""
        y = self.buffer("y", x[0].shape, x[0].dtype)
        if len(x) == 1:
            np.copyto(y, x[0])
            return y
        ufunc(x[0], x[1], out=y)
        for xi in x[2:]:
            ufunc(y, xi, out=y)
        return y

    def _copies(self, grad: Array, count: int) -> list[Array]:
        """``grad`` for the first input, copies in this layer's buffers for the rest."""
        copies = [grad]
        for i in range(1, count):
            copy = self.buffer(f"grad_{i}", grad.shape, grad.dtype)
            np.copyto(copy, grad)
            copies.append(copy)
        return copies


@LAYERS.decorator("Add")
class Add(Merge):
    """Elementwise sum ``y = x_1 + ... + x_k``; every input gets ``dL/dx_i = dL/dy``.

    Examples
    --------
    >>> import numpy as np, axon
    >>> axon.layers.Add()([np.ones((1, 2)), np.full((1, 2), 2.0)])
    array([[3., 3.]], dtype=float32)
    """

    def forward(self, x: list[Array], training: bool = False) -> Array:  # type: ignore[override]
        self.count = len(x)
        return self._fold(np.add, x)

    def backward(self, grad_output: Array) -> list[Array] | None:  # type: ignore[override]
        if not self.needs_input_gradient:
            return None
        return self._copies(grad_output, self.count)


@LAYERS.decorator("Average")
class Average(Merge):
    """Elementwise mean ``y = (x_1 + ... + x_k) / k``; ``dL/dx_i = dL/dy / k``.

    Examples
    --------
    >>> import numpy as np, axon
    >>> axon.layers.Average()([np.ones((1, 2)), np.full((1, 2), 2.0)])
    array([[1.5, 1.5]], dtype=float32)
    """

    def forward(self, x: list[Array], training: bool = False) -> Array:  # type: ignore[override]
        self.count = len(x)
        y = self._fold(np.add, x)
        y *= config.constant(1.0 / len(x), y.dtype)
        return y

    def backward(self, grad_output: Array) -> list[Array] | None:  # type: ignore[override]
        if not self.needs_input_gradient:
            return None
        grad_output *= config.constant(1.0 / self.count, grad_output.dtype)
        return self._copies(grad_output, self.count)


@LAYERS.decorator("Subtract")
class Subtract(Merge):
    """Difference of two inputs ``y = x_1 - x_2``; ``dL/dx_1 = g``, ``dL/dx_2 = -g``.

    Examples
    --------
    >>> import numpy as np, axon
    >>> axon.layers.Subtract()([np.ones((1, 2)), np.full((1, 2), 3.0)])
    array([[-2., -2.]], dtype=float32)
    """

    max_inputs = 2

    def forward(self, x: list[Array], training: bool = False) -> Array:  # type: ignore[override]
        return np.subtract(x[0], x[1], out=self.buffer("y", x[0].shape, x[0].dtype))

    def backward(self, grad_output: Array) -> list[Array] | None:  # type: ignore[override]
        if not self.needs_input_gradient:
            return None
        negative = self.buffer("grad_1", grad_output.shape, grad_output.dtype)
        return [grad_output, np.negative(grad_output, out=negative)]


@LAYERS.decorator("Multiply")
class Multiply(Merge):
    """Elementwise product ``y = x_1 * ... * x_k``; ``dL/dx_i = g * prod_{j != i} x_j``.

    Examples
    --------
    >>> import numpy as np, axon
    >>> axon.layers.Multiply()([np.full((1, 2), 2.0), np.full((1, 2), 3.0)])
    array([[6., 6.]], dtype=float32)
    """

    def forward(self, x: list[Array], training: bool = False) -> Array:  # type: ignore[override]
        self.x = x  # each factor's gradient is the product of the others
        return self._fold(np.multiply, x)

    def backward(self, grad_output: Array) -> list[Array] | None:  # type: ignore[override]
        if not self.needs_input_gradient:
            return None
        g, x = grad_output, self.x
        grads = []
        for i in range(len(x)):
            others = [xj for j, xj in enumerate(x) if j != i]
            grad = self.buffer(f"grad_{i}", g.shape, g.dtype)
            if not others:  # a single input: y = x
                np.copyto(grad, g)
            for k, xj in enumerate(others):
                np.multiply(g if k == 0 else grad, xj, out=grad)
            grads.append(grad)
        return grads


@LAYERS.decorator("Concatenate")
class Concatenate(Layer):
    """Join the inputs along ``axis``; backward hands each input its slice of ``dL/dy``.

    Parameters
    ----------
    axis : int
        The axis of the batched tensor to join along, ``-1`` (features) by default;
        the batch axis 0 cannot be joined. The inputs agree on every other axis.

    Examples
    --------
    >>> import numpy as np, axon
    >>> axon.layers.Concatenate()([np.ones((1, 2)), np.zeros((1, 1))])
    array([[1., 1., 0.]], dtype=float32)
    """

    takes_list = True

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if (
            isinstance(axis, bool)
            or not isinstance(axis, (int, np.integer))
            or axis == 0
        ):
            raise ValueError(
                "Expected a non-zero integer axis (0 is the batch axis). "
                f"Received: axis={axis!r}"
            )
        self.axis = int(axis)

    def build(  # type: ignore[override]
        self, input_shape: list[tuple[int, ...]], rng: np.random.Generator
    ) -> tuple[int, ...]:
        ndim = len(input_shape[0]) + 1 if input_shape else 0
        axis = self.axis + ndim if self.axis < 0 else self.axis  # of the batched tensor
        if not input_shape or not 1 <= axis < ndim:
            raise ValueError(
                f"Concatenate(axis={self.axis}) needs inputs with that axis. "
                f"Received: inputs of shapes {describe_shape(input_shape)}"
            )
        rest = [s[: axis - 1] + s[axis:] for s in input_shape]
        if any(
            len(s) != ndim - 1 or r != rest[0]
            for s, r in zip(input_shape, rest, strict=True)
        ):
            raise ValueError(
                f"Concatenate(axis={self.axis}) expects inputs that agree on every other "
                f"axis. Received: inputs of shapes {describe_shape(input_shape)}"
            )
        self._slices, start = [], 0
        for shape in input_shape:
            stop = start + shape[axis - 1]
            self._slices.append((slice(None),) * axis + (slice(start, stop),))
            start = stop
        self._batch_axis = axis
        out = list(input_shape[0])
        out[axis - 1] = start
        return tuple(out)

    def forward(self, x: list[Array], training: bool = False) -> Array:  # type: ignore[override]
        shape = list(x[0].shape)
        shape[self._batch_axis] = sum(xi.shape[self._batch_axis] for xi in x)
        y = self.buffer("y", tuple(shape), x[0].dtype)
        return np.concatenate(x, axis=self._batch_axis, out=y)

    def backward(self, grad_output: Array) -> list[Array] | None:  # type: ignore[override]
        if not self.needs_input_gradient:
            return None
        return [grad_output[index] for index in self._slices]  # disjoint views

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


def add(inputs: list[Any], **kwargs: Any) -> Any:
    """``Add(**kwargs)(inputs)``: the sum of symbolic tensors (or of arrays)."""
    return Add(**kwargs)(inputs)


def average(inputs: list[Any], **kwargs: Any) -> Any:
    """``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def subtract(inputs: list[Any], **kwargs: Any) -> Any:
    """``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: list[Any], **kwargs: Any) -> Any:
    """``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis, **kwargs)(inputs)``.

    Examples
    --------
    >>> import axon
    >>> a, b = axon.Input((4,)), axon.Input((2,))
    >>> axon.layers.concatenate([a, b]).shape
    (None, 6)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
