"""The tutorial's activations (linear, sigmoid, tanh, ReLU, leaky ReLU, softmax).

Each derivative is written right under its function. ``log_softmax`` sits beside
``softmax``, whose row-wise pattern it shares.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.activations.base import (
    ACTIVATIONS,
    Activation,
    check_axis,
    check_real,
    scratch,
)
from axon.config import Array, constant, ones
from axon.config import dot as _dot  # no dispatch: a Python call less


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

    Keras's ``relu(x, negative_slope, max_value, threshold)`` generalises it; with
    ``a``, ``m`` and ``t`` for these::

        f(z)  = a (z - t)  if z <= t  else  min(z, m)
        f'(z) = a          if z <= t  else  (1 if z < m else 0)

    (``f(t) = 0``, so a positive threshold makes a jump.) The kinks belong where
    PyTorch puts them: ``z = t`` to the lower piece (``leaky_relu``'s ``a`` at 0) and
    ``z = m`` to the flat top (``relu6``'s 0 at 6). Keras agrees for ``relu``,
    ``leaky_relu`` and ``relu6``; its composite for the other cases gives 0 at ``t``
    when ``a > 0``, and 1 at ``m`` unless ``m`` is 6.

    Parameters
    ----------
    negative_slope, max_value, threshold : float
        Keras's arguments and defaults (``0.0``, ``None``, ``0.0``), each ``>= 0``.
    """

    name = "relu"

    def __init__(
        self,
        negative_slope: float = 0.0,
        max_value: float | None = None,
        threshold: float = 0.0,
    ) -> None:
        self.negative_slope = check_real(negative_slope, "negative_slope", 0.0)
        self.max_value = (
            None if max_value is None else check_real(max_value, "max_value", 0.0)
        )
        self.threshold = check_real(threshold, "threshold", 0.0)
        self.plain = not (self.negative_slope or self.threshold) and max_value is None
        self._zero = constant(0.0, np.float32)

    def forward(self, x: Array, out: Array | None = None) -> Array:
        if self.plain:  # its 0-d zero kept: a Python call less (0.15 us) a pass
            zero = self._zero
            if zero.dtype is not x.dtype:
                zero = self._zero = constant(0.0, x.dtype)
            return np.maximum(x, zero, out=out)
        t = constant(self.threshold, x.dtype)
        y = scratch(out, x)
        y.fill(0)
        np.copyto(y, x, where=x > t)  # z above the threshold, 0 elsewhere
        if self.max_value is not None:
            np.minimum(y, constant(self.max_value, x.dtype), out=y)
        if self.negative_slope:  # + a min(z - t, 0)
            below = np.subtract(x, t)
            np.minimum(below, constant(0.0, x.dtype), out=below)
            below *= constant(self.negative_slope, x.dtype)
            y += below
        return y

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        if self.plain:
            # y > 0 exactly where z > 0, and y is what the layer keeps anyway. sign(y)
            # is that mask as 0.0/1.0 in y's own dtype: cheaper than a boolean mask.
            grad_output *= np.sign(y, out=work)
            return grad_output
        t = constant(self.threshold, x.dtype)
        slope = scratch(work, grad_output)
        np.greater(x, t, out=slope)  # 1 above the threshold
        if self.max_value is not None:  # 0 from the top on
            np.copyto(slope, 0.0, where=x >= constant(self.max_value, x.dtype))
        if self.negative_slope:  # a at and below the threshold
            np.copyto(slope, self.negative_slope, where=x <= t)
        grad_output *= slope
        return grad_output

    def get_config(self) -> dict[str, Any]:
        """The arguments that differ from Keras's defaults: plain ReLU is ``"relu"``."""
        config: dict[str, Any] = {}
        if self.negative_slope:
            config["negative_slope"] = self.negative_slope
        if self.max_value is not None:
            config["max_value"] = self.max_value
        if self.threshold:
            config["threshold"] = self.threshold
        return config


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
        slope = scratch(work, grad_output)
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
    """Softmax along ``axis`` (the last by default): ``f(z)_i = e^{z_i} / sum_j e^{z_j}``.

    Rows are non-negative and sum to one. The row maximum is subtracted first, which
    leaves the result unchanged and keeps ``exp`` from overflowing. The Jacobian-vector
    product is ``grad_input = y * (g - sum_j g_j y_j)``. The losses that fuse with
    softmax (categorical cross-entropy) take it over the last axis.
    """

    name = "softmax"

    def __init__(self, axis: int = -1) -> None:
        self.axis = check_axis(axis)

    def forward(self, x: Array, out: Array | None = None) -> Array:
        axis = self.axis
        if x.ndim == 2 and len(x) == 1 and axis in (-1, 1) and x.shape[1] <= 64:
            return _one_row(x, np.empty_like(x) if out is None else out)
        e = np.subtract(x, np.maximum.reduce(x, axis=axis, keepdims=True), out=out)
        np.exp(e, out=e)
        if e.ndim == 2 and axis in (-1, 1):  # row sums as one BLAS call
            e /= _dot(e, ones((e.shape[1], 1), e.dtype))
        else:
            e /= np.add.reduce(e, axis=axis, keepdims=True)
        return e

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        weighted = np.multiply(grad_output, y, out=work)  # g_j y_j
        grad_output -= np.add.reduce(weighted, axis=self.axis, keepdims=True)
        grad_output *= y
        return grad_output

    def get_config(self) -> dict[str, Any]:
        """``axis`` when it is not the last: plain softmax is ``"softmax"``."""
        return {} if self.axis == -1 else {"axis": self.axis}


def _one_row(x: Array, out: Array) -> Array:
    """Softmax of one row of up to 64 values (a one-sample ``predict``'s output).

    A call that is all overhead, in the fewest NumPy calls: the maximum and the sum by
    Python over the row's values (``NaN`` still spreads to the whole row), and every
    operand a 0-d array of the row's dtype, which NumPy combines without its
    broadcasting set-up. The sum is taken in another order than BLAS sums a batch
    (so a few units in the last place apart, as one row through ``np.dot`` was).
    Three classes: 4.0 -> 2.1 us (CPU time).
    """
    top = np.array(max(x.tolist()[0]), out.dtype)  # ()
    np.subtract(x, top, out)
    np.exp(out, out)
    return np.divide(out, np.array(sum(out.tolist()[0]), out.dtype), out)


@ACTIVATIONS.decorator("log_softmax")
class LogSoftmax(Activation):
    """Log of the softmax along ``axis``: ``f(z)_i = z_i - log sum_j e^{z_j}``.

    ``f'``: ``grad_input = g - softmax(z) sum_j g_j``, with ``softmax(z) = e^{f(z)}``.
    Computed from ``z - max(z)`` (log-sum-exp), so huge logits stay finite.
    """

    name = "log_softmax"

    def __init__(self, axis: int = -1) -> None:
        self.axis = check_axis(axis)

    def forward(self, x: Array, out: Array | None = None) -> Array:
        axis = self.axis
        y = np.subtract(x, np.maximum.reduce(x, axis=axis, keepdims=True), out=out)
        log_sum = np.add.reduce(np.exp(y), axis=axis, keepdims=True)
        y -= np.log(log_sum, out=log_sum)
        return y

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        p = np.exp(y, out=work)  # softmax(z)
        p *= np.add.reduce(grad_output, axis=self.axis, keepdims=True)
        grad_output -= p
        return grad_output

    def get_config(self) -> dict[str, Any]:
        """``axis`` when it is not the last: plain log-softmax is ``"log_softmax"``."""
        return {} if self.axis == -1 else {"axis": self.axis}
