"""One training step for a chain of Dense layers, in one function (issue 12).

A step through the layers costs about 26 Python calls for a 4-8-8-3 network: each
layer's ``forward``, ``backward`` and ``_backward_from_z``, each activation's two
passes, the model's loops and hooks. On a network that small the NumPy work is
close to a hand-written loop's and the calls are the difference. For the common
case, every layer a trainable ``Dense`` and no regularizer, :class:`DenseChain`
runs the same NumPy operations in the same order on the same arrays (the layers'
own buffers and the views of ``model.gradients``) from one loop, softmax's row
maximum excepted (column by column where that is cheaper: exact either way)::

    a_0 = x,   z_l = a_{l-1} W_l + b_l,   a_l = f_l(z_l)
    g_L = dL/dz_L (fused output and loss) or f_L'(z_L) dL/da_L
    dL/dW_l = a_{l-1}^T g_l,   dL/db_l = 1^T g_l,   g_{l-1} = (g_l W_l^T) f'_{l-1}(z_{l-1})

then the optimizer's ``apply``, as the layer path does. Its results are the layer
path's bit for bit (``tests/test_dense_chain.py``); anything else (another layer,
a regularizer, a frozen layer, sample or class weights) takes the layer path,
decided once per ``fit`` or ``train_on_batch`` call by :func:`prepare`. A Sequential
qualifies, and a functional Model whose graph is the same chain (:func:`in_order`).
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from axon.activations import ReLU, Softmax
from axon.config import Array, constant, ones
from axon.config import dot as _dot  # no dispatch: every operand is a plain ndarray
from axon.layers.dense import Dense

ENABLED = True
"""Whether :func:`prepare` may return a chain (tests set it False for the layer path)."""

LINEAR, RELU, SOFTMAX, OTHER = 0, 1, 2, 3  # how a layer's activation is applied


def in_order(model: Any) -> list[Any]:
    """The layers a step runs, in order; [] for a graph that is not one chain.

    A functional Model qualifies when each of its calls reads the one before it, the
    first its input, and no layer is called twice (an input that feeds no output is
    refused when the Model is made, so one input and one output follow).
    """
    graph = getattr(model, "graph", None)
    if graph is None:  # a Sequential
        return list(model._layers)
    calls = graph.calls  # the input is slot 0, call i writes slot i + 1
    if any(call.shared or call.sources != [i] for i, call in enumerate(calls)):
        return []  # a layer called twice, two outputs, or a merge (two sources)
    return [call.layer for call in calls]


def prepare(model: Any) -> DenseChain | None:
    """The chain that runs ``model``'s training steps, or None for the layer path.

    Called by ``Model._prepare`` after it has decided ``_path`` and
    ``_penalized``. The model's chain is kept while its layers' arrays and the
    path stay the same, so ``train_on_batch`` in a loop keeps its plans.
    """
    layers = in_order(model)
    if not ENABLED or model._penalized or not layers or not all(model._trained()):
        return None
    if any(type(layer) is not Dense for layer in layers):
        return None
    # What the plans hold: the layers' activations and their weights' and gradients'
    # views of the flat vectors (new ones when the model packs them again).
    key = [layer.activation for layer in layers]
    key += [array for layer in layers for array in layer.params.values()]
    key += [array for layer in layers for array in layer.grads.values()]
    old = model._chain
    if (
        old is not None
        and old.fused == (model._path == "fused")
        and len(old.key) == len(key)
        and all(map(operator.is_, old.key, key))
    ):
        return old
    return DenseChain(model, key, layers)


def _kind(activation: Any, shape: tuple[int, int]) -> int:
    """How the chain applies ``activation`` to ``shape`` (rows, units).

    ReLU and softmax are written out (two Python calls a step fewer each). Softmax
    where its ``forward`` takes a batch's path (two rows or more: one row sums in
    another order there) on the last axis, and where its row maximum is cheaper a
    column at a time than by NumPy's reduction along a short last axis (exact
    either way, so the same numbers): 16 x 3 logits 0.7 against 1.6 us, 128 x 10
    3.4 against 6.6 us; 3 units or fewer, or 8 rows a unit up to 16 units.
    """
    rows, units = shape
    if activation.name == "linear":
        return LINEAR
    if type(activation) is ReLU and activation.plain:
        return RELU
    cheap = 2 <= units <= 16 and (units <= 3 or 8 * units <= rows)
    axis = getattr(activation, "axis", None) in (-1, 1)
    if type(activation) is Softmax and axis and rows > 1 and cheap:
        return SOFTMAX
    return OTHER


class DenseChain:
    """The fused step for one model: per batch size, a plan of the arrays each uses.

    Parameters
    ----------
    model : axon.Sequential or axon.Model
        Trainable ``Dense`` layers only, compiled, without regularizers.
    key : list
        What the plans depend on: activations, weights' and gradients' arrays.
    layers : list of Dense
        The model's layers in the order a step runs them (:func:`in_order`).
    """

    def __init__(self, model: Any, key: list[Any], layers: list[Dense]) -> None:
        self.model, self.key, self.layers = model, key, layers
        self.fused = model._path == "fused"  # dL/dz_L from the loss, in one call
        self.plans: dict[int, tuple[Any, ...]] = {}

    def _plan(self, n: int) -> tuple[Any, ...]:
        """The arrays of a step on ``n`` rows: the layers' buffers, by their names.

        ``Layer.buffer`` hands out the arrays ``Dense.forward`` and ``backward``
        use for the same names and shapes, so the two paths share them (no second
        copy of a large network's activations).
        """
        if len(self.plans) > 16:  # many batch sizes (a generator's): keep few
            self.plans.clear()
        forward, backward = [], []
        below: Array | None = None  # a_{l-1}; None for the batch (x.T per step)
        for layer in self.layers:
            kernel, grads, f = layer.params["kernel"], layer.grads, layer.activation
            shape, dtype = (n, layer.units), kernel.dtype
            z = layer.buffer("z", shape, dtype)
            kind = _kind(f, shape)
            y = z if kind == LINEAR else layer.buffer("y", shape, dtype)
            how: Any = f
            if kind == SOFTMAX:  # the row max, its column, z's columns, ones
                top, columns = layer.buffer("row_max", (n, 1), dtype), list(z.T)
                row = ones((layer.units, 1), dtype)
                how = (top, top[:, 0], *columns[:2], columns[2:], row)
            # the bias into z as a (units,) vector for one row, as Dense adds it
            zb = z.reshape(-1) if n == 1 else z
            forward.append(
                (layer, kernel, layer.params.get("bias"), zb, z, y, kind, how)
            )
            own = (grads["kernel"], grads.get("bias"))  # dL/dW, dL/db
            down: tuple[Any, ...] = (None, None, None)  # nobody needs dL/dx
            if below is not None:  # a^T of the layer below, W^T, its dL/da
                grad_input = layer.buffer("grad_input", below.shape, dtype)
                down = (below.T, kernel.T, grad_input)
            work = layer.buffer("work", shape, dtype)  # f' scratch
            backward.append((kind, z, y, f, work, *own, *down))
            below = y
        if self.fused:  # the loss gives dL/dz_L: no f' at the output
            backward[-1] = (LINEAR, *backward[-1][1:])
        dtype = self.layers[0].params["kernel"].dtype
        plan = (forward, backward[::-1], ones((n,), dtype), constant(0.0, dtype))
        self.plans[n] = plan
        return plan

    def step(self, x: Array, y: Array) -> tuple[float, Array]:
        """``Trainer._train_step`` on ``(x, y)``: the loss, the last layer's output."""
        plan = self.plans.get(len(x))
        if plan is None:
            plan = self._plan(len(x))
        forward, backward, column, zero = plan
        model, a = self.model, x
        for layer, kernel, bias, zb, z, out, kind, how in forward:
            layer.x = a  # what Dense.forward keeps: the monitor reads x and y
            _dot(a, kernel, out=z)  # (n, units)
            if bias is not None:
                np.add(zb, bias, out=zb)
            if kind == RELU:
                np.maximum(z, zero, out=out)
            elif kind == SOFTMAX:  # Softmax.forward's numbers: e^(z - max) / sum
                top, top_column, first, second, rest, row = how
                np.maximum(first, second, out=top_column)
                for column_j in rest:
                    np.maximum(top_column, column_j, out=top_column)
                np.subtract(z, top, out=out)
                np.exp(out, out=out)
                out /= _dot(out, row)  # row sums as one BLAS call
            elif kind == OTHER:
                out = how.forward(z, out=out)
            layer.logits, layer.y, a = z, out, out
        if self.fused:
            loss, grad = model.loss.step_from_logits(y, z, a)
        else:
            loss, grad, _ = model._loss_and_gradient(y, a)
        if not math.isfinite(loss):
            return loss, a  # no update, as the layer path: the caller stops
        for kind, z, h, f, work, k_grad, b_grad, below_t, w_t, g_in in backward:
            if kind == RELU:  # ReLU.backward: sign(h) is 1[z > 0] in h's dtype
                grad *= np.sign(h, out=work)
            elif kind != LINEAR:
                grad = f.backward(z, h, grad, work)
            _dot(x.T if below_t is None else below_t, grad, out=k_grad)
            if b_grad is not None:  # column sums, as the product ones(n) @ g
                _dot(column, grad, out=b_grad)
            if w_t is not None:  # dL/da of the layer below
                grad = _dot(grad, w_t, out=g_in)
        model.optimizer.apply(model.parameters, model.gradients)
        # + 0.0: the layer path adds the (absent) penalties, which turns -0.0 into 0.0
        return loss + 0.0, a
