"""The network behind the estimators: axon layers, scikit-learn's initialisation.

A fitted estimator holds an :class:`axon.Sequential` (``model_``) of ``Dense`` layers,
with ``BatchNormalization`` and ``Dropout`` after each hidden layer when asked. Its
trainable weights live in one flat vector (``model_.parameters``), which the
optimizers and L-BFGS update; ``coefs_`` and ``intercepts_`` are views into it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from scipy import sparse

from axon import layers
from axon.config import Array
from axon.models import Sequential
from axon.sklearn.objective import OUTPUT_ACTIVATIONS

HIDDEN_ACTIVATIONS = {
    "identity": "linear",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
}
"""scikit-learn's name of a hidden activation -> axon's."""

WHOLE_EPOCH_BYTES = 32 * 2**20
# The layers start at zero and are then drawn as scikit-learn draws them.
ZEROS: dict[str, Any] = {
    "kernel_initializer": "zeros",
    "bias_initializer": "zeros",
}  # gather a whole shuffled epoch at once below this


def build_network(
    n_features: int,
    hidden: list[int],
    n_outputs: int,
    activation: str,
    out_activation: str,
    dropout: list[float],
    batch_norm: bool,
    rng: np.random.Generator,
) -> Sequential:
    """The estimator's network, initialised as scikit-learn initialises its MLPs.

    Each ``Dense`` layer's kernel and bias are drawn uniformly from ``[-b, b]``
    with ``b = sqrt(c / (fan_in + fan_out))``: Glorot's uniform bound (``c = 6``), or
    ``c = 2`` when the hidden activation is the logistic sigmoid. (Keras's
    ``glorot_uniform`` starts biases at zero; scikit-learn draws them too.)
    """
    stack: list[Any] = []
    for i, (units, rate) in enumerate(zip(hidden, dropout, strict=True)):
        stack.append(
            layers.Dense(
                units,
                activation=HIDDEN_ACTIVATIONS[activation],
                name=f"hidden_{i}",
                **ZEROS,
            )
        )
        if batch_norm:
            stack.append(layers.BatchNormalization(name=f"batch_norm_{i}"))
        if rate:
            seed = int(rng.integers(2**31))
            stack.append(layers.Dropout(rate, seed=seed, name=f"dropout_{i}"))
    stack.append(
        layers.Dense(
            n_outputs,
            activation=OUTPUT_ACTIVATIONS[out_activation],
            name="output",
            **ZEROS,
        )
    )
    model = Sequential(stack, name="mlp")
    model.build((n_features,))  # once, with every layer in place
    factor = 2.0 if activation == "logistic" else 6.0
    for dense in dense_layers(model):
        kernel, bias = dense.params["kernel"], dense.params["bias"]
        bound = math.sqrt(factor / (kernel.shape[0] + kernel.shape[1]))
        kernel[...] = rng.uniform(-bound, bound, kernel.shape)
        bias[...] = rng.uniform(-bound, bound, bias.shape)
    return model


def dense_layers(model: Sequential) -> list[Any]:
    """The model's Dense layers, input to output."""
    return [layer for layer in model.layers if isinstance(layer, layers.Dense)]


def kernel_mask(params: Array, kernels: list[Array]) -> Array:
    """1.0 where the flat vector ``params`` holds a kernel weight, else 0.0.

    ``kernels`` are views into ``params``: marking them through the views finds
    their places without bookkeeping; ``params`` is restored afterwards.
    """
    saved = params.copy()
    params[...] = 0
    for kernel in kernels:
        kernel[...] = 1
    mask = params.astype(np.float64)
    params[...] = saved
    return mask


def model_state(model: Sequential) -> dict[str, Any]:
    """What pickling keeps of a model: its config and weights (plain data)."""
    return {"config": model.get_config(), "weights": model.get_weights()}


def model_from_state(state: dict[str, Any]) -> Sequential:
    """Rebuild a model from :func:`model_state`, its weights back in one vector."""
    model = Sequential.from_config(state["config"])
    model.set_weights(state["weights"])
    return model


def snapshot(model: Sequential) -> list[Array]:
    """Copies of the flat parameter vector and of every non-trainable state array."""
    states = [value.copy() for layer in model.layers for value in layer.state.values()]
    return [model.parameters.copy(), *states]


def restore(model: Sequential, saved: list[Array]) -> None:
    """Put a :func:`snapshot` back (in place: the layers keep their views)."""
    model.parameters[...] = saved[0]
    values = [value for layer in model.layers for value in layer.state.values()]
    for value, kept in zip(values, saved[1:], strict=True):
        value[...] = kept


def forward_in_blocks(
    model: Sequential, x: Any, logits: bool = False, block: int = 8192
) -> Array:
    """The model's outputs in inference mode, ``block`` rows at a time.

    With ``logits`` the last layer's pre-activations instead. A sparse ``x`` is
    densified one block at a time.
    """
    n = x.shape[0]
    width = model.output_shape[-1]
    last: Any = model.layers[-1]  # a Dense: its logits are kept by forward
    result = np.empty((n, width), dtype=model.parameters.dtype)
    for start in range(0, n, block):
        rows = x[start : start + block]
        if sparse.issparse(rows):
            rows = rows.toarray()
        out = model.forward(rows, training=False)
        result[start : start + block] = last.logits if logits else out
    return result


class Batches:
    """Mini-batches of ``(x, y, weights)`` for one epoch after another.

    Shuffling permutes indices (never the caller's data). Dense data small enough
    are gathered once per epoch in shuffled order and served as slices; larger
    ones batch by batch into a reused buffer; sparse data are densified one batch
    at a time.
    """

    def __init__(
        self,
        x: Any,
        y: Array,
        weights: Array | None,
        batch_size: int,
        shuffle: bool,
        rng: np.random.Generator,
    ) -> None:
        self.x, self.y, self.weights = x, y, weights
        self.batch_size, self.shuffle, self.rng = batch_size, shuffle, rng
        self.n = x.shape[0]
        self.sparse = sparse.issparse(x)
        nbytes = 0 if self.sparse else x.nbytes + y.nbytes
        self.whole = shuffle and not self.sparse and nbytes <= WHOLE_EPOCH_BYTES
        rows = self.n if self.whole else min(batch_size, self.n)
        self._x = None if self.sparse else np.empty((rows, x.shape[1]), x.dtype)
        self._y = np.empty((rows, y.shape[1]), y.dtype)
        self._w = None if weights is None else np.empty(rows, weights.dtype)

    def _gather(self, rows: Array, count: int) -> tuple[Array, Array, Array | None]:
        # mode="clip": the indices come from a permutation, and NumPy's checked
        # mode is several times slower when given out=.
        y = np.take(self.y, rows, axis=0, out=self._y[:count], mode="clip")
        w = None
        if self.weights is not None and self._w is not None:
            w = np.take(self.weights, rows, out=self._w[:count], mode="clip")
        if self.sparse:
            return self.x[rows].toarray(), y, w
        assert self._x is not None
        x = np.take(self.x, rows, axis=0, out=self._x[:count], mode="clip")
        return x, y, w

    def epoch(self) -> Iterator[tuple[Array, Array, Array | None]]:
        """Yield one epoch of batches; each is valid until the next is drawn."""
        n, size = self.n, self.batch_size
        if not self.shuffle:
            for start in range(0, n, size):
                stop = min(start + size, n)
                x = self.x[start:stop]
                w = None if self.weights is None else self.weights[start:stop]
                yield (x.toarray() if self.sparse else x), self.y[start:stop], w
            return
        order = self.rng.permutation(n)
        if self.whole:
            x, y, w = self._gather(order, n)
            for start in range(0, n, size):
                part = slice(start, start + size)
                yield x[part], y[part], None if w is None else w[part]
            return
        for start in range(0, n, size):
            rows = order[start : start + size]
            yield self._gather(rows, len(rows))


def batches(
    x: Any,
    y: Array,
    weights: Array | None,
    batch_size: int,
    shuffle: bool,
    rng: np.random.Generator,
) -> Any:
    """:class:`Batches`, or axon's chunk-by-chunk batcher for out-of-core rows.

    A memmap or a dask array ``x`` is read as :mod:`axon.models.chunked` reads it
    for ``fit``; the batches come as the same ``(x, y, weights)`` triples.
    """
    if isinstance(x, np.ndarray) or sparse.issparse(x):
        return Batches(x, y, weights, batch_size, shuffle, rng)
    from axon.models import chunked

    batcher = chunked.Batcher(x, y, weights, batch_size, shuffle, rng)

    class Chunked:
        def epoch(self) -> Iterator[tuple[Array, Array, Array | None]]:
            for xb, yb in batcher.epoch():
                yield xb, yb, batcher.weights

    return Chunked()


def whole_data(
    step: Any, x: Any, y: Array, weights: Array | None, training: bool
) -> Any:
    """``w -> (J, dJ/dw in float64)`` over all rows at parameters ``w``, for L-BFGS.

    Arrays in one step; out-of-core rows a chunk at a time, each chunk's objective
    and gradient weighted by its share ``S_c / S`` of the rows (or of the weights),
    which sums to the whole data's. BatchNormalization would see each chunk's
    statistics instead of the data's, so it is refused there.
    """
    params, grads = step.model.parameters, step.model.gradients
    if isinstance(x, np.ndarray):

        def at_once(w: Array) -> tuple[float, Array]:
            params[...] = w
            loss = step(x, y, weights, training)
            assert loss is not None  # weights summing to zero are refused before
            return float(loss), grads.astype(np.float64)

        return at_once
    if training:
        raise ValueError(
            "Expected batch_norm=False with solver='lbfgs' on out-of-core X: "
            "BatchNormalization would see each chunk's statistics, not the data's. "
            "Received: batch_norm=True"
        )
    parts = x.ranges()
    total = float(len(x) if weights is None else weights.sum())

    def by_chunks(vector: Array) -> tuple[float, Array]:
        params[...] = vector
        loss, grad = 0.0, np.zeros(grads.shape, np.float64)
        for a, b in parts:
            w = None if weights is None else weights[a:b]
            share = (b - a if w is None else float(w.sum())) / total
            value = step(x.read(a, b), y[a:b], w, training)
            if value is not None:  # None: the chunk's weights sum to zero
                loss += value * share
                grad += grads * share
        return loss, grad

    return by_chunks
