"""Activation functions, each with its derivative written right under it.

An activation is an object with ``forward(x)`` and ``backward(x, y, grad_output)``: the
backward pass receives both the input ``x`` and the output ``y = f(x)`` so each derivative
can use whichever is cheaper (sigmoid and tanh use ``y``, as scikit-learn does).
``backward`` may overwrite ``grad_output`` in place and return it.

The module-level names (``axon.activations.relu`` ...) are ready-made instances, so they
can be called like Keras's functions: ``axon.activations.relu(x)``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from axon.config import Array, constant, ones
from axon.registry import Registry, build
from axon.registry import serialize as serialize_component

ACTIVATIONS: Registry[type[Activation]] = Registry("activation")


class Activation:
    """Base class: an elementwise (or row-wise) function and its derivative."""

    name: ClassVar[str] = "activation"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        """Return ``f(x)``, written into ``out`` when given (same shape as ``x``)."""
        raise NotImplementedError

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        """Return ``grad_output * f'(x)`` (the chain rule), given ``y = f(x)``.

        May overwrite ``grad_output`` and ``work`` (a scratch array shaped like ``y``).
        """
        raise NotImplementedError

    def __call__(self, x: Array) -> Array:
        return self.forward(np.asarray(x))

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Activation) or type(self) is not type(other):
            return False
        return self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.get_config().items()))))


@ACTIVATIONS.decorator("linear")
class Linear(Activation):
    """Identity: ``f(z) = z``, ``f'(z) = 1``."""

    name = "linear"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        if out is None:
            return x
        np.copyto(out, x)
        return out

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        return grad_output


@ACTIVATIONS.decorator("sigmoid")
class Sigmoid(Activation):
    """Logistic sigmoid: ``f(z) = 1 / (1 + e^-z)``, ``f'(z) = f(z) (1 - f(z))``.

    Computed as ``(1 + tanh(z / 2)) / 2``, which is the same function and never
    overflows. Range (0, 1); the tutorial's choice for a binary output layer.
    """

    name = "sigmoid"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        half = constant(0.5, x.dtype)
        y = np.multiply(x, half, out=out)
        np.tanh(y, out=y)
        y += constant(1.0, x.dtype)
        y *= half
        return y

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        slope = np.subtract(constant(1.0, y.dtype), y, out=work)  # 1 - y
        slope *= y
        grad_output *= slope
        return grad_output


@ACTIVATIONS.decorator("tanh")
class Tanh(Activation):
    """Hyperbolic tangent: ``f(z) = (e^z - e^-z) / (e^z + e^-z)``, ``f'(z) = 1 - f(z)^2``."""

    name = "tanh"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        return np.tanh(x, out=out)

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        slope = np.multiply(y, y, out=work)
        np.subtract(constant(1.0, y.dtype), slope, out=slope)  # 1 - y^2
        grad_output *= slope
        return grad_output


@ACTIVATIONS.decorator("relu")
class ReLU(Activation):
    """Rectified linear unit: ``f(z) = max(0, z)``, ``f'(z) = 1 if z > 0 else 0``.

    A unit whose input stays negative gets no gradient at all: the "dying ReLU" problem.
    """

    name = "relu"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        return np.maximum(x, constant(0.0, x.dtype), out=out)

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        # y > 0 exactly where z > 0, and y is what the layer keeps anyway. sign(y) is
        # that mask as 0.0/1.0 in y's own dtype: cheaper than a boolean mask.
        mask = np.sign(y, out=work)
        grad_output *= mask
        return grad_output


@ACTIVATIONS.decorator("leaky_relu")
class LeakyReLU(Activation):
    """Leaky ReLU: ``f(z) = z if z > 0 else a z``, ``f'(z) = 1 if z > 0 else a``.

    At the kink ``z = 0`` the derivative is the negative side's slope ``a``, as in
    PyTorch and Keras (TensorFlow and PyTorch backends): a unit whose input is exactly
    zero (a zero bias fed by a silent ReLU layer) moves by ``a``, not by 1.

    The default slope ``a = negative_slope = 0.01`` is the tutorial's (PyTorch and ONNX
    agree). Keras defaults to 0.2 for the function and 0.3 for the layer: pass
    ``negative_slope`` explicitly when porting a Keras model.
    """

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01) -> None:
        if not (isinstance(negative_slope, (int, float)) and negative_slope >= 0):
            raise ValueError(
                "Expected a non-negative float for the slope. "
                f"Received: negative_slope={negative_slope!r}"
            )
        self.negative_slope = float(negative_slope)

    def forward(self, x: Array, out: Array | None = None) -> Array:
        y = np.multiply(x, np.asarray(self.negative_slope, dtype=x.dtype), out=out)
        # max(z, a z) is z for z >= 0 and a z below, while the slope is at most 1.
        pick = np.maximum if self.negative_slope <= 1 else np.minimum
        return pick(x, y, out=y)

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        # The slope is built in the scratch array (no temporaries), exactly 1 or a.
        slope = np.empty_like(grad_output) if work is None else work
        zero, a = constant(0.0, x.dtype), constant(self.negative_slope, slope.dtype)
        if self.negative_slope <= 1:  # max([z > 0], a)
            np.greater(x, zero, out=slope)  # 1.0 where z > 0, 0.0 at and below the kink
            np.maximum(slope, a, out=slope)
        else:  # max(a [z <= 0], 1)
            np.less_equal(x, zero, out=slope)
            slope *= a
            np.maximum(slope, constant(1.0, slope.dtype), out=slope)
        grad_output *= slope
        return grad_output

    def get_config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}


@ACTIVATIONS.decorator("softmax")
class Softmax(Activation):
    """Softmax over the last axis: ``f(z)_i = e^{z_i} / sum_j e^{z_j}``.

    Rows are non-negative and sum to one. The row maximum is subtracted first, which
    leaves the result unchanged and keeps ``exp`` from overflowing. The Jacobian-vector
    product is ``grad_input = y * (g - sum_j g_j y_j)``.
    """

    name = "softmax"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        e = np.subtract(x, np.maximum.reduce(x, axis=-1, keepdims=True), out=out)
        np.exp(e, out=e)
        if e.ndim == 2:  # row sums as a product with ones: one BLAS call, no reduction
            e /= np.dot(e, ones((e.shape[1], 1), e.dtype))
        else:
            e /= np.add.reduce(e, axis=-1, keepdims=True)
        return e

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        dot = np.add.reduce(grad_output * y, axis=-1, keepdims=True)
        grad_output -= dot
        grad_output *= y
        return grad_output


linear = Linear()
sigmoid = Sigmoid()
tanh = Tanh()
relu = ReLU()
leaky_relu = LeakyReLU()
softmax = Softmax()


def get(identifier: str | Activation | dict[str, Any] | None) -> Activation:
    """Return an activation from a name, a config dict, an instance, or ``None`` (linear).

    Examples
    --------
    >>> get("relu")
    ReLU()
    >>> get({"name": "leaky_relu", "negative_slope": 0.1})
    LeakyReLU(negative_slope=0.1)
    """
    if identifier is None:
        return Linear()
    if isinstance(identifier, Activation):
        return identifier
    expected = "an axon.activations.Activation instance (which knows its derivative)"
    return build(ACTIVATIONS, identifier, "activation", expected)


def serialize(activation: Activation) -> str | dict[str, Any]:
    """Return the name, or a config dict when the activation has arguments."""
    return serialize_component(activation.name, activation.get_config())
