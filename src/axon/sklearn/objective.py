"""The loss scikit-learn's MLPs minimise, written at the logits: its value and gradient.

For a batch of ``n`` samples with weights ``s_i`` (all 1 without ``sample_weight``),
``S = sum_i s_i``, outputs ``p = f(z)`` of the output activation ``f`` at the logits
``z``, and targets ``y``::

    J = (1 / S) sum_i s_i l_i  +  (alpha / 2S) sum_layers ||W||^2     (kernels only)

    l_i = -log p_{i, y_i}                                  softmax, log-loss
    l_i = -sum_j [y_ij log p_ij + (1 - y_ij) log(1 - p_ij)] logistic, binary log-loss
    l_i = 1/2 sum_j (p_ij - y_ij)^2                        identity, squared error
    l_i = sum_j [y_ij log(y_ij / p_ij) - y_ij + p_ij]     exp, half Poisson deviance

Each output activation is the canonical link of its loss, so in every case::

    dJ/dz_ij = s_i (p_ij - y_ij) / S

which is what :class:`Objective` writes; the penalty's gradient ``alpha W / S`` is
added by the caller. Probabilities are clipped at the float type's machine epsilon
inside the logarithms, as scikit-learn does, so one confidently wrong sample costs at
most ``-log(eps)`` (about 15.9 in float32).

One deliberate difference: for several regression outputs scikit-learn reports the
squared error averaged over the outputs while its gradient sums them; axon reports
the objective it follows (the sum), so ``loss_`` is ``n_outputs`` times scikit-learn's
there, and L-BFGS is given a matching value and gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import xlogy

from axon.config import Array, constant, ones
from axon.config import dot as _dot  # no dispatch: small products

OUTPUT_ACTIVATIONS = {
    "softmax": "softmax",
    "logistic": "sigmoid",
    "identity": "linear",
    "exp": "exponential",
}
"""scikit-learn's name of an output activation -> axon's."""


_EPS: dict[Any, Array] = {}
_ROW_SUM = np.add.reduce


class Objective:
    """The data term of ``J`` for one output activation, and ``dJ/dz``.

    Parameters
    ----------
    out_activation : {"softmax", "logistic", "identity", "exp"}
        scikit-learn's ``out_activation_``.

    Examples
    --------
    >>> import numpy as np
    >>> objective = Objective("identity")
    >>> out, y = np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]])
    >>> grad = np.empty_like(out)
    >>> objective(out, out, y, None, 0.5, grad)      # 1/2 (1^2 + 2^2)
    2.5
    >>> grad.ravel()                                  # (p - y) / n
    array([0.5, 1. ])
    """

    def __init__(self, out_activation: str) -> None:
        if out_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"Expected one of {sorted(OUTPUT_ACTIVATIONS)}. "
                f"Received: out_activation={out_activation!r}"
            )
        self.out_activation = out_activation
        self._work: dict[tuple[int, ...], Array] = {}

    def _buffer(self, like: Array) -> Array:
        work = self._work.get(like.shape)
        if work is None or work.dtype != like.dtype:
            if len(self._work) > 8:
                self._work.clear()
            work = self._work[like.shape] = np.empty_like(like)
        return work

    def __call__(
        self,
        out: Array,
        logits: Array,
        y: Array,
        weights: Array | None,
        scale: float,
        grad: Array,
    ) -> float:
        """Return ``sum_i s_i l_i``; write ``s_i (p_i - y_i) * scale`` into ``grad``.

        ``out`` (the outputs), ``logits``, ``y`` and ``grad`` are ``(n, outputs)``
        arrays of one float type; ``weights`` the ``(n,)`` sample weights or None;
        ``scale`` is ``1 / S``. The sum is accumulated in float64.
        """
        dtype = out.dtype
        eps = _EPS.get(dtype)
        if eps is None:
            eps = _EPS[dtype] = constant(float(np.finfo(dtype).eps), dtype)
        kind = self.out_activation
        # values: what sums to the loss, times `sign`: one per sample or per output.
        # (ufuncs rather than einsum or .sum(): a call costs a third as much.)
        if kind == "softmax":
            # p at the true class: y is one-hot, so a product with ones sums one
            # non-zero term a row, exactly as a reduction would, at a fraction of
            # its cost on a short axis (digits' 1,347 x 10: 3.4 against 38 us).
            picked = np.multiply(out, y, out=self._buffer(out))
            values = _dot(picked, ones((out.shape[1],), dtype))
            np.maximum(values, eps, out=values)  # p at the true class, clipped
            np.log(values, out=values)
            sign = -1.0
            np.subtract(out, y, out=grad)
        elif kind == "logistic":
            # y log p + (1 - y) log(1 - p) = log(1 - |p - y|) for y in {0, 1}.
            np.subtract(out, y, out=grad)
            values = self._buffer(out)
            np.abs(grad, out=values)
            np.subtract(constant(1.0, dtype), values, out=values)
            np.maximum(values, eps, out=values)
            np.log(values, out=values)
            sign = -1.0
        elif kind == "identity":
            np.subtract(out, y, out=grad)
            values = np.multiply(grad, grad, out=self._buffer(out))
            sign = 0.5
        else:  # exp: p - y z + y log y - y, with log p = z
            values = self._buffer(out)
            np.multiply(y, logits, out=values)
            np.subtract(out, values, out=values)
            values += xlogy(y, y)
            values -= y
            sign = 1.0
            np.subtract(out, y, out=grad)
        if weights is None:
            total = sign * float(_ROW_SUM(values, axis=None, dtype=np.float64))
            grad *= constant(scale, dtype)
        else:
            per_sample = values if values.ndim == 1 else _ROW_SUM(values, axis=1)
            total = sign * float(np.dot(per_sample.astype(np.float64), weights))
            factors = weights * constant(scale, dtype)
            grad *= factors[:, None]
        return total
