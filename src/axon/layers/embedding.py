"""Embedding: integer-coded categories as learned dense vectors, ready for Dense layers."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import initializers
from axon.config import Array
from axon.layers.base import LAYERS, Layer


def _positive_int(value: Any, argument: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Expected a positive integer. Received: {argument}={value!r}")
    return int(value)


@LAYERS.decorator("Embedding")
class Embedding(Layer):
    """Look up one learned vector per integer code: ``y[..., :] = embeddings[x[...]]``.

    ``embeddings`` is an ``(input_dim, output_dim)`` table; a batch of codes of shape
    ``(batch, d1, ...)`` gives ``(batch, d1, ..., output_dim)`` (a ``Flatten`` then
    feeds a ``Dense``). Backward, row ``v`` of the table collects the gradient of every
    position that looked it up (a scatter-add)::

        dL/dembeddings[v] = sum of g[p] over the positions p with x[p] == v

    Codes are piecewise-constant inputs: ``dL/dx`` is zero, returned only when a layer
    before this one asks for it.

    Parameters
    ----------
    input_dim : int
        Size of the vocabulary: codes run from 0 to ``input_dim - 1``.
    output_dim : int
        Length of each vector.
    embeddings_initializer : str or Initializer
        Keras's default ``"uniform"``: ``RandomUniform(-0.05, 0.05)``.
    mask_zero : bool
        Must be False: axon's layers carry no masks.

    Notes
    -----
    Codes may come as integers or as floats holding whole numbers (``fit`` and
    ``predict`` cast inputs to the float type; float32 holds every integer up to
    2**24 exactly). Where Keras truncates a non-integer code and silently returns
    zeros or garbage for an out-of-range one, axon raises a ValueError naming the
    layer, the code and ``input_dim``. Keras's regularizer, constraint, ``weights``,
    LoRA and quantisation arguments are not accepted.

    Examples
    --------
    >>> import numpy as np, axon
    >>> layer = axon.layers.Embedding(10, 3)
    >>> layer(np.array([[1, 2, 2, 9]])).shape
    (1, 4, 3)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: str | initializers.Initializer = "uniform",
        mask_zero: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_dim = _positive_int(input_dim, "input_dim")
        self.output_dim = _positive_int(output_dim, "output_dim")
        if mask_zero:
            raise ValueError(
                "axon's layers carry no masks, so Embedding cannot mask the code 0. "
                f"Expected mask_zero=False. Received: mask_zero={mask_zero!r}"
            )
        # Keras's alias "uniform" is RandomUniform with its defaults (-0.05, 0.05).
        if embeddings_initializer == "uniform":
            embeddings_initializer = initializers.RandomUniform()
        self.embeddings_initializer = initializers.get(embeddings_initializer)

    def build(
        self, input_shape: tuple[int, ...], rng: np.random.Generator
    ) -> tuple[int, ...]:
        shape = (self.input_dim, self.output_dim)
        self.add_weight("embeddings", shape, self.embeddings_initializer, rng)
        self.columns = np.arange(self.output_dim, dtype=np.intp)
        return (*input_shape, self.output_dim)

    def codes(self, x: Array) -> Array:
        """``x`` as integer row numbers, or a ValueError naming the first bad code."""
        x = np.asarray(x)
        if x.dtype.kind not in "iuf":
            raise TypeError(
                f"Embedding {self.name!r} expects integer codes. "
                f"Received: an array of dtype {x.dtype}"
            )
        with np.errstate(invalid="ignore"):  # NaN and inf are caught just below
            codes = x.astype(np.intp)
        bad = (codes != x) | (codes < 0) | (codes >= self.input_dim)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            value = x[where].item()
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # 7.0 from a float batch reads as the code 7
            raise ValueError(
                f"Embedding {self.name!r} expects integer indices from 0 to "
                f"{self.input_dim - 1} (input_dim={self.input_dim}). Received: index "
                f"{value} at position {where} of the batch"
            )
        return codes

    def forward(self, x: Array, training: bool = False) -> Array:
        self.x_codes = codes = self.codes(x)  # (batch, d1, ...)
        table = self.params["embeddings"]
        y = self.buffer("y", (*codes.shape, self.output_dim), table.dtype)
        # mode="clip" skips NumPy's own bounds check: the codes were checked above.
        return np.take(table, codes, axis=0, out=y, mode="clip")

    def backward(self, grad_output: Array) -> Array | None:
        codes, width = self.x_codes, self.output_dim
        g = grad_output.reshape(-1)  # (positions * output_dim,)
        # Scatter-add on the flattened table: entry v * output_dim + j of the table
        # gets g[p, j] for each position p with code v. One 1-D np.add.at runs 2-9x
        # faster than np.add.at over rows (measured: docs/design-notes.md).
        index = self.buffer("index", (codes.size, width), np.intp)
        np.multiply(codes.reshape(-1, 1), width, out=index)
        index += self.columns
        grad = self.grads["embeddings"]  # contiguous: reshape(-1) is a view of it
        grad[...] = 0
        np.add.at(grad.reshape(-1), index.reshape(-1), g)
        if not self.needs_input_gradient:
            return None
        grad_input = self.buffer("grad_input", codes.shape, grad_output.dtype)
        grad_input[...] = 0
        return grad_input

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(
                self.embeddings_initializer
            ),
            "mask_zero": False,
        }
