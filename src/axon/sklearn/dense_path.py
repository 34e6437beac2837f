"""L-BFGS's objective for a plain stack of Dense layers, on the flat parameter vector.

The generic evaluation (:class:`~axon.sklearn.steps.Step`) goes through the layers'
``forward`` and ``backward``: general code that checks shapes, looks up buffers and
handles every activation, regulariser and layer. L-BFGS evaluates the objective of
the same network on the same rows a dozen to thousands of times, and on small
tables (wine: 133 rows) that general machinery is most of the cost. For the
estimators' usual network, Dense layers only (no BatchNormalization, no Dropout), a
fixed ``x``, :class:`DenseObjective` runs the same mathematics with every array
allocated once::

    a_0 = x,   z_l = a_{l-1} W_l + b_l,   a_l = g(z_l),   p = f(z_L)
    d_L = dJ/dz_L = s (p - y) / S                    (Objective, at the logits)
    dJ/dW_l = a_{l-1}^T d_l,   dJ/db_l = sum_rows d_l,
    d_{l-1} = (d_l W_l^T) * g'(z_{l-1})

with ``g'`` written with the activation's output: ``1[a > 0]`` (relu),
``1 - a^2`` (tanh), ``a (1 - a)`` (logistic), 1 (identity). It works in the
network's float type, writes ``model_.parameters`` and ``model_.gradients`` (the
layers' own views), and so gives the generic path's numbers to float rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from axon import layers
from axon.config import Array, constant
from axon.config import dot as _dot  # no dispatch: small products
from axon.models import Sequential
from axon.sklearn.network import kernel_mask
from axon.sklearn.objective import Objective

FOLD_BYTES = 256 * 2**20
"""Up to this size ``x`` is copied once with a column of ones (the bias fold)."""
HIDDEN = ("relu", "tanh", "sigmoid", "linear")
OUTPUT = {"softmax": "softmax", "sigmoid": "logistic", "linear": "identity"}
OUTPUT["exponential"] = "exp"  # axon's output activation -> scikit-learn's


def supports(model: Sequential, x: Any) -> bool:
    """Whether :class:`DenseObjective` computes ``model``'s objective on ``x``."""
    stack: list[Any] = list(model.layers)
    if not isinstance(x, np.ndarray) or x.ndim != 2:
        return False
    if x.dtype != model.parameters.dtype or not stack:
        return False
    for layer in stack:
        if type(layer) is not layers.Dense or not layer.use_bias:
            return False
        if layer.activity_regularizer is not None:
            return False
        if layer.kernel_regularizer is not None or layer.bias_regularizer is not None:
            return False
    names = [layer.activation.name for layer in stack]
    return all(name in HIDDEN for name in names[:-1]) and names[-1] in OUTPUT


def row_max(z: Array, out: Array) -> Array:
    """``max_j z_ij`` into the ``(n, 1)`` array ``out``; returns ``out``.

    With few columns, one ``np.maximum`` per column: NumPy's reduction along a
    short last axis is several times slower (digits' 1,347 x 10 logits: 89 us
    against 16 us; wine's 133 x 3: 5.7 against 2.9 us). The maximum is exact, so
    the result is the same either way.
    """
    columns = z.shape[1]
    if not 2 <= columns <= 16:
        return np.maximum.reduce(z, axis=1, keepdims=True, out=out)
    column = out[:, 0]
    np.maximum(z[:, 0], z[:, 1], out=column)
    for j in range(2, columns):
        np.maximum(column, z[:, j], out=column)
    return out


class DenseObjective:
    """``w -> (J(w), dJ/dw)`` without the L2 term, for a Dense stack on fixed rows.

    Parameters
    ----------
    model : axon.Sequential
        Dense layers only (see :func:`supports`); its ``parameters`` receive ``w``.
    x, y : ndarray
        The ``(n, features)`` rows and ``(n, outputs)`` encoded targets, in the
        network's float type.
    weights : ndarray or None
        The ``(n,)`` sample weights, summing to more than zero.
    """

    def __init__(
        self, model: Sequential, x: Array, y: Array, weights: Array | None
    ) -> None:
        stack: list[Any] = list(model.layers)
        self.params, self.grads = model.parameters, model.gradients
        dtype = self.params.dtype
        n = x.shape[0]
        self.x, self.y, self.weights = x, y, weights
        self.scale = 1.0 / (n if weights is None else float(weights.sum()))
        self.objective = Objective(OUTPUT[stack[-1].activation.name])
        self.kernels = [layer.params["kernel"] for layer in stack]
        self.biases = [layer.params["bias"] for layer in stack]
        self.kernel_grads = [layer.grads["kernel"] for layer in stack]
        self.bias_grads = [layer.grads["bias"] for layer in stack]
        self.hidden = [layer.activation.name for layer in stack[:-1]]
        # z_l, overwritten in place by a_l; the outputs p; d_l; g' scratch.
        self.acts = [np.empty((n, layer.units), dtype) for layer in stack]
        self.out = np.empty_like(self.acts[-1])
        self.deltas = [np.empty_like(a) for a in self.acts]
        self.work = [np.empty_like(a) for a in self.acts]
        # relu's 1[z > 0] as 0.0/1.0 in the float type: multiplying by a bool
        # array casts it on every use (wine: 3.2 against 1.5 us a product).
        self.mask = [np.empty_like(a) for a in self.acts]
        self.rows = np.empty((n, 1), dtype)
        self.one, self.zero = constant(1.0, dtype), constant(0.0, dtype)
        # Column and row sums as products with ones: a BLAS call costs a fraction
        # of a ufunc reduction on these shapes.
        self.ones = np.ones(n, dtype)
        self.ones_out = np.ones((self.out.shape[1], 1), dtype)
        # The first layer's bias folded into its product: [x, 1] [W; b] = x W + b.
        # The bias follows the kernel in the flat vectors, so [W; b] is a view
        # there, and one product gives both dJ/dW and dJ/db: [x, 1]^T d.
        kernels, kernel_grads = list(self.kernels), list(self.kernel_grads)
        biases: list[Array | None] = list(self.biases)
        bias_grads: list[Array | None] = list(self.bias_grads)
        first = self._stacked(kernels[0], self.biases[0], self.params)
        first_grad = self._stacked(kernel_grads[0], self.bias_grads[0], self.grads)
        if first is not None and first_grad is not None and x.nbytes <= FOLD_BYTES:
            self.x = np.empty((n, x.shape[1] + 1), dtype)  # a copy of x, once
            self.x[:, :-1] = x
            self.x[:, -1] = 1
            kernels[0], kernel_grads[0] = first, first_grad
            biases[0] = bias_grads[0] = None
        # What each pass reads and writes, one tuple a layer, so that an evaluation
        # indexes no lists: below^T, d_l, dJ/dW_l, dJ/db_l, then (W_l^T, l - 1) to
        # carry d_l down to the layer below (None at the first layer).
        belows = [self.x, *self.acts[:-1]]
        self.forward_plan = list(
            zip(kernels, biases, self.acts, range(len(stack)), strict=True)
        )
        self.backward_plan = [
            (
                belows[i].T,
                self.deltas[i],
                kernel_grads[i],
                bias_grads[i],
                (self.kernels[i].T, i - 1) if i else None,
            )
            for i in range(len(stack) - 1, -1, -1)
        ]

    @staticmethod
    def _stacked(kernel: Array, bias: Array, flat: Array) -> Array | None:
        """``[kernel; bias]`` as one view of ``flat``, or None if not adjacent."""
        start = (kernel.ctypes.data - flat.ctypes.data) // flat.itemsize
        size = kernel.size + bias.size
        if bias.ctypes.data != kernel.ctypes.data + kernel.nbytes:
            return None
        return flat[start : start + size].reshape(kernel.shape[0] + 1, -1)

    def kernel_mask(self) -> Array:
        """1.0 where the flat parameter vector holds a kernel weight, else 0.0."""
        return kernel_mask(self.params, self.kernels)

    def __call__(self, w: Array) -> tuple[float, Array]:
        """Set the parameters to ``w``; return ``J`` and ``dJ/dw`` in float64."""
        self.params[...] = w
        a = self.x
        last = len(self.acts) - 1
        for kernel, bias, z, i in self.forward_plan:
            _dot(a, kernel, out=z)
            if bias is not None:
                z += bias
            if i < last:
                self._activate(i, z)
            a = z
        out = self._output(a)
        data = self.objective(
            out, a, self.y, self.weights, self.scale, self.deltas[last]
        )
        ones = self.ones
        for below_t, delta, kernel_grad, bias_grad, down in self.backward_plan:
            _dot(below_t, delta, out=kernel_grad)
            if bias_grad is not None:
                _dot(ones, delta, out=bias_grad)
            if down is not None:
                _dot(delta, down[0], out=self.deltas[down[1]])
                self._derivative(down[1])
        return data * self.scale, self.grads.astype(np.float64)

    def _activate(self, i: int, z: Array) -> None:
        name = self.hidden[i]
        if name == "relu":  # z * 1[z > 0]: cheaper than np.maximum, and keeps g'
            np.greater(z, self.zero, out=self.mask[i])
            z *= self.mask[i]
        elif name == "tanh":
            np.tanh(z, out=z)
        elif name == "sigmoid":
            expit(z, out=z)

    def _output(self, z: Array) -> Array:
        kind, out = self.objective.out_activation, self.out
        if kind == "softmax":  # shifted by the row's largest logit: no overflow
            row_max(z, self.rows)
            np.subtract(z, self.rows, out=out)
            np.exp(out, out=out)
            _dot(out, self.ones_out, out=self.rows)
            out /= self.rows
            return out
        if kind == "logistic":
            return expit(z, out=out)
        if kind == "exp":
            return np.exp(z, out=out)
        return z

    def _derivative(self, i: int) -> None:
        """``d_i *= g'(z_i)``, written with ``a_i = g(z_i)``."""
        name, a, delta = self.hidden[i], self.acts[i], self.deltas[i]
        if name == "relu":  # the mask from the forward pass
            delta *= self.mask[i]
        elif name == "tanh":
            work = np.multiply(a, a, out=self.work[i])
            np.subtract(self.one, work, out=work)
            delta *= work
        elif name == "sigmoid":
            work = np.subtract(self.one, a, out=self.work[i])
            work *= a
            delta *= work
