"""One evaluation of scikit-learn's objective on axon's network: loss and gradient.

``forward`` through the layers, the loss and its gradient at the logits
(:class:`~axon.sklearn.objective.Objective`), ``backward`` into the flat gradient
vector, and the L2 penalty on the kernels::

    J += (alpha / 2S) sum ||W||^2          dJ/dW += alpha W / S

with ``S`` the batch's summed sample weights (its size without weights). Adam, SGD
and L-BFGS all call it: a mini-batch for the first two, the whole data for L-BFGS.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array, constant
from axon.models import Sequential
from axon.sklearn.network import dense_layers, kernel_mask
from axon.sklearn.objective import Objective


class Step:
    """The objective and its gradient for one batch, with reused buffers.

    Parameters
    ----------
    model : axon.Sequential
        The estimator's network.
    out_activation : str
        scikit-learn's output activation ("softmax", "logistic", "identity", "exp").
    alpha : float
        The L2 strength; 0 leaves the penalty to the caller.
    """

    def __init__(self, model: Sequential, out_activation: str, alpha: float) -> None:
        self.model, self.alpha = model, float(alpha)
        self.objective = Objective(out_activation)
        denses = dense_layers(model)
        self.output_layer: Any = denses[-1]
        self.kernels = [d.params["kernel"] for d in denses]
        self.kernel_grads = [d.grads["kernel"] for d in denses]
        self._work = [np.empty_like(kernel) for kernel in self.kernels]
        self._grad: Array | None = None

    def __call__(
        self, x: Array, y: Array, weights: Array | None, training: bool
    ) -> float | None:
        """``J`` on ``(x, y)``; ``model.gradients`` receives ``dJ/dw``.

        Returns None, computing nothing more, for a batch whose sample weights sum
        to zero: it has neither loss nor gradient.
        """
        total = len(x) if weights is None else float(weights.sum())
        if total <= 0:
            return None
        model, scale = self.model, 1.0 / total
        out = model.forward(x, training=training)
        grad = self._grad
        if grad is None or grad.shape != out.shape or grad.dtype != out.dtype:
            grad = self._grad = np.empty_like(out)
        data = self.objective(out, self.output_layer.logits, y, weights, scale, grad)
        model.backward(grad, from_logits=True)
        if self.alpha:
            factor = constant(self.alpha * scale, out.dtype)
            for kernel, kernel_grad, work in zip(
                self.kernels, self.kernel_grads, self._work, strict=True
            ):
                kernel_grad += np.multiply(kernel, factor, out=work)
        return data * scale + self.penalty(scale)

    def kernel_mask(self) -> Array:
        """1.0 where the flat parameter vector holds a kernel weight, else 0.0."""
        return kernel_mask(self.model.parameters, self.kernels)

    def penalty(self, scale: float) -> float:
        """``(alpha / 2) sum ||W||^2 * scale``, the L2 term (``scale = 1 / S``)."""
        if not self.alpha:
            return 0.0
        total = sum(float(np.dot(k.ravel(), k.ravel())) for k in self.kernels)
        return 0.5 * self.alpha * total * scale

    def evaluate(self, out: Array, y: Array, weights: Array | None) -> float:
        """``J`` for outputs already computed (the validation loss); no gradient."""
        total = len(out) if weights is None else float(weights.sum())
        if total <= 0:
            return float("nan")
        scale = 1.0 / total
        with np.errstate(divide="ignore"):
            # The Poisson loss reads the logits, log(p); the others ignore them.
            logits = np.log(out) if self.objective.out_activation == "exp" else out
        data = self.objective(out, logits, y, weights, scale, np.empty_like(out))
        return data * scale + self.penalty(scale)
