"""Loss functions: each computes a mean over the batch and its gradient.

A loss is called as ``loss(y_true, y_pred)`` (a float), and ``backward(y_true, y_pred)``
returns ``dL/dy_pred``. As in Keras, each sample's loss is a sum (cross-entropies) or a
mean (regression losses) over the last axis, and the batch loss is the mean over samples.

The cross-entropies also work from logits ``z``. When the model's output activation is
the one the loss pairs with (softmax for categorical, sigmoid for binary), the model
calls ``forward_from_logits`` / ``backward_from_logits`` instead of going through the
activation: the loss is computed with log-sum-exp (no ``log(0)``, no clipping) and the
gradient at the logits is simply ``(p - y) / n``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from axon import config
from axon.config import Array, constant
from axon.registry import Registry, build
from axon.registry import serialize as serialize_component

LOSSES: Registry[type[Loss]] = Registry("loss")


class Loss:
    """Base class for losses.

    ``target`` says which labels the loss expects: ``"one_hot"`` (same shape as the
    output), ``"index"`` (one integer class per row) or ``"value"`` (real targets of the
    output's shape). ``pairs_with`` names the output activation it can be fused with.
    """

    name: ClassVar[str] = "loss"
    target: ClassVar[str] = "value"
    pairs_with: ClassVar[str | None] = None

    def __init__(self, from_logits: bool = False) -> None:
        if from_logits and self.pairs_with is None:
            raise ValueError(f"{type(self).__name__} does not take from_logits=True")
        self.from_logits = bool(from_logits)

    def __call__(self, y_true: Array, y_pred: Array) -> float:
        y_pred = np.asarray(y_pred)
        if self.from_logits:
            return self.forward_from_logits(np.asarray(y_true), y_pred)
        return self.forward(np.asarray(y_true), y_pred)

    def forward(self, y_true: Array, y_pred: Array) -> float:
        """Return the mean loss of a batch of predictions."""
        raise NotImplementedError

    def backward(self, y_true: Array, y_pred: Array) -> Array:
        """Return ``dL/dy_pred``, same shape as ``y_pred``."""
        raise NotImplementedError

    def forward_from_logits(
        self, y_true: Array, logits: Array, probs: Array | None = None
    ) -> float:
        """Return the loss of ``activation(logits)``, computed stably from the logits.

        ``probs``, the activation's output when the caller has it, allows a shortcut
        that is taken only where it gives the same finite value.
        """
        raise NotImplementedError

    def backward_from_logits(self, y_true: Array, probs: Array) -> Array:
        """Return ``dL/dlogits = (p - y) / n`` given ``probs = activation(logits)``."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments."""
        return {"from_logits": self.from_logits} if self.pairs_with else {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _log_softmax(z: Array) -> Array:
    """``z - logsumexp(z)`` row-wise, with the row max subtracted for stability."""
    shifted = z - z.max(axis=-1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted


def _as_indices(y_true: Array) -> Array:
    return np.asarray(y_true).reshape(-1).astype(np.intp, copy=False)


@LOSSES.decorator("categorical_crossentropy")
class CategoricalCrossentropy(Loss):
    """``L = -(1/n) sum_i sum_k y_ik log p_ik`` with one-hot (or soft) targets.

    On probabilities, ``p`` is clipped to ``[eps, 1 - eps]`` as in Keras (Keras also
    renormalises rows that do not sum to one; axon does not). From logits it is
    ``(1/n) sum_i (logsumexp(z_i) - sum_k y_ik z_ik)``.
    """

    name = "categorical_crossentropy"
    target = "one_hot"
    pairs_with = "softmax"

    def forward(self, y_true: Array, y_pred: Array) -> float:
        eps = config.epsilon()
        p = np.clip(y_pred, eps, 1 - eps)
        return float(-(y_true * np.log(p)).sum() / len(y_pred))

    def backward(self, y_true: Array, y_pred: Array) -> Array:
        eps = config.epsilon()
        inside = (y_pred > eps) & (y_pred < 1 - eps)  # the clip has zero slope outside
        return -y_true / np.clip(y_pred, eps, 1 - eps) * inside / len(y_pred)

    def forward_from_logits(
        self, y_true: Array, logits: Array, probs: Array | None = None
    ) -> float:
        if probs is not None:
            # -sum(y log p) in two calls. Where some p underflowed to 0 the sum is not
            # finite, and the log-sum-exp form below gives the exact value instead.
            # (The trainer runs this under np.errstate, so log(0) stays silent.)
            total = float(np.vdot(y_true, np.log(probs)))
            if math.isfinite(total):
                return -total / len(probs)
        return float(-(y_true * _log_softmax(logits)).sum() / len(logits))

    def backward_from_logits(self, y_true: Array, probs: Array) -> Array:
        grad = probs - y_true
        grad *= constant(1 / len(probs), grad.dtype)
        return grad


@LOSSES.decorator("sparse_categorical_crossentropy")
class SparseCategoricalCrossentropy(Loss):
    """Categorical cross-entropy with integer class labels: ``L = -(1/n) sum_i log p_{i,y_i}``."""

    name = "sparse_categorical_crossentropy"
    target = "index"
    pairs_with = "softmax"

    def forward(self, y_true: Array, y_pred: Array) -> float:
        eps = config.epsilon()
        picked = y_pred[np.arange(len(y_pred)), _as_indices(y_true)]
        return float(-np.log(np.clip(picked, eps, 1 - eps)).sum() / len(y_pred))

    def backward(self, y_true: Array, y_pred: Array) -> Array:
        eps = config.epsilon()
        rows, cols = np.arange(len(y_pred)), _as_indices(y_true)
        picked = y_pred[rows, cols]
        grad = np.zeros_like(y_pred)
        inside = (picked > eps) & (picked < 1 - eps)
        grad[rows, cols] = -(inside / np.clip(picked, eps, 1 - eps)) / len(y_pred)
        return grad

    def forward_from_logits(
        self, y_true: Array, logits: Array, probs: Array | None = None
    ) -> float:
        picked = _log_softmax(logits)[np.arange(len(logits)), _as_indices(y_true)]
        return float(-picked.sum() / len(logits))

    def backward_from_logits(self, y_true: Array, probs: Array) -> Array:
        grad = probs.copy()
        grad[np.arange(len(probs)), _as_indices(y_true)] -= 1
        grad /= len(probs)
        return grad


@LOSSES.decorator("binary_crossentropy")
class BinaryCrossentropy(Loss):
    """``L = -mean(y log p + (1 - y) log(1 - p))`` over outputs, then over samples.

    From logits it is ``mean(max(z, 0) - z y + log(1 + e^{-|z|}))``, which never
    overflows; the gradient at the logits is ``(p - y) / (n d)``.
    """

    name = "binary_crossentropy"
    target = "value"
    pairs_with = "sigmoid"

    def forward(self, y_true: Array, y_pred: Array) -> float:
        eps = config.epsilon()
        p = np.clip(y_pred, eps, 1 - eps)
        return float(-(y_true * np.log(p) + (1 - y_true) * np.log1p(-p)).mean())

    def backward(self, y_true: Array, y_pred: Array) -> Array:
        eps = config.epsilon()
        p = np.clip(y_pred, eps, 1 - eps)
        inside = (y_pred > eps) & (y_pred < 1 - eps)
        return (p - y_true) / (p * (1 - p)) * inside / y_pred.size

    def forward_from_logits(
        self, y_true: Array, logits: Array, probs: Array | None = None
    ) -> float:
        z = logits
        return float(
            (np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z)))).mean()
        )

    def backward_from_logits(self, y_true: Array, probs: Array) -> Array:
        grad = probs - y_true
        grad /= probs.size
        return grad


@LOSSES.decorator("mean_squared_error", "mse")
class MeanSquaredError(Loss):
    """``L = mean((y_pred - y_true)^2)``; ``dL/dy_pred = 2 (y_pred - y_true) / (n d)``."""

    name = "mean_squared_error"

    def forward(self, y_true: Array, y_pred: Array) -> float:
        return float(np.square(y_pred - y_true).mean())

    def backward(self, y_true: Array, y_pred: Array) -> Array:
        grad = y_pred - y_true
        grad *= 2.0 / y_pred.size
        return grad


@LOSSES.decorator("mean_absolute_error", "mae")
class MeanAbsoluteError(Loss):
    """``L = mean(|y_pred - y_true|)``; ``dL/dy_pred = sign(y_pred - y_true) / (n d)``."""

    name = "mean_absolute_error"

    def forward(self, y_true: Array, y_pred: Array) -> float:
        return float(np.abs(y_pred - y_true).mean())

    def backward(self, y_true: Array, y_pred: Array) -> Array:
        return np.sign(y_pred - y_true) / y_pred.size


@LOSSES.decorator("huber")
class Huber(Loss):
    """``0.5 r^2`` for ``|r| <= delta``, else ``delta (|r| - 0.5 delta)``, averaged."""

    name = "huber"

    def __init__(self, delta: float = 1.0) -> None:
        super().__init__()
        if not delta > 0:
            raise ValueError(f"Expected a positive delta. Received: delta={delta!r}")
        self.delta = float(delta)

    def forward(self, y_true: Array, y_pred: Array) -> float:
        r = np.abs(y_pred - y_true)
        quad = np.minimum(r, self.delta)
        return float((0.5 * quad * quad + self.delta * (r - quad)).mean())

    def backward(self, y_true: Array, y_pred: Array) -> Array:
        return np.clip(y_pred - y_true, -self.delta, self.delta) / y_pred.size

    def get_config(self) -> dict[str, Any]:
        return {"delta": self.delta}


def get(identifier: str | Loss | dict[str, Any]) -> Loss:
    """Return a loss from a name, a config dict or an instance.

    Examples
    --------
    >>> get("mse")
    MeanSquaredError()
    """
    if isinstance(identifier, Loss):
        return identifier
    return build(LOSSES, identifier, "loss", "an axon.losses.Loss instance")


def serialize(loss: Loss) -> str | dict[str, Any]:
    """Return the name, or a config dict when the loss has non-default arguments."""
    return serialize_component(loss.name, loss.get_config())


categorical_crossentropy = CategoricalCrossentropy()
sparse_categorical_crossentropy = SparseCategoricalCrossentropy()
binary_crossentropy = BinaryCrossentropy()
mean_squared_error = mse = MeanSquaredError()
mean_absolute_error = mae = MeanAbsoluteError()
