"""Regression losses: each sample's loss is a mean over the last axis (``d`` outputs).

With ``e = y_pred - y_true``, each class's ``gradient`` is the derivative of one
sample's loss with respect to its predictions, written under its formula.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.losses.base import FUNCTIONS, Loss, ReductionFirst, per_sample, register


@register("mean_squared_error", "mse", "MSE")
class MeanSquaredError(ReductionFirst):
    """``L_i = mean_j(e_ij^2)``; ``dL_i/dp_ij = 2 e_ij / d``.

    Examples
    --------
    >>> import axon
    >>> axon.losses.MeanSquaredError()([[1.0, 2.0]], [[1.5, 2.0]])
    0.125
    """

    default_name = "mean_squared_error"

    def call(self, y_true: Array, y_pred: Array) -> Array:
        return np.square(y_pred - y_true).mean(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        grad = y_pred - y_true
        grad *= 2 / y_pred.shape[-1]
        return grad


@register("mean_absolute_error", "mae", "MAE")
class MeanAbsoluteError(ReductionFirst):
    """``L_i = mean_j |e_ij|``; ``dL_i/dp_ij = sign(e_ij) / d``."""

    default_name = "mean_absolute_error"

    def call(self, y_true: Array, y_pred: Array) -> Array:
        return np.abs(y_pred - y_true).mean(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        grad = np.sign(y_pred - y_true)
        grad /= y_pred.shape[-1]
        return grad


@register("mean_absolute_percentage_error", "mape", "MAPE")
class MeanAbsolutePercentageError(ReductionFirst):
    """``L_i = 100 mean_j |e_ij| / max(|y_ij|, eps)``.

    ``dL_i/dp_ij = 100 sign(e_ij) / (d max(|y_ij|, eps))``.
    """

    default_name = "mean_absolute_percentage_error"

    def call(self, y_true: Array, y_pred: Array) -> Array:
        scale = np.maximum(np.abs(y_true), config.epsilon())
        return 100 * (np.abs(y_pred - y_true) / scale).mean(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        scale = np.maximum(np.abs(y_true), config.epsilon())
        return 100 * np.sign(y_pred - y_true) / scale / y_pred.shape[-1]


@register("mean_squared_logarithmic_error", "msle", "MSLE")
class MeanSquaredLogarithmicError(ReductionFirst):
    """``L_i = mean_j (log(1 + max(p, eps)) - log(1 + max(y, eps)))^2``.

    ``dL_i/dp = 2 r / (d (1 + p))`` with ``r`` the difference of logs, and 0 where
    ``p < eps`` (the floor has no slope).
    """

    default_name = "mean_squared_logarithmic_error"

    def call(self, y_true: Array, y_pred: Array) -> Array:
        eps = config.epsilon()
        r = np.log1p(np.maximum(y_pred, eps)) - np.log1p(np.maximum(y_true, eps))
        return np.square(r).mean(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        eps = config.epsilon()
        p = np.maximum(y_pred, eps)
        r = np.log1p(p) - np.log1p(np.maximum(y_true, eps))
        return 2 * r / (1 + p) * (y_pred >= eps) / y_pred.shape[-1]


@register("huber")
class Huber(Loss):
    """``0.5 e^2`` where ``|e| <= delta``, else ``delta (|e| - 0.5 delta)``; mean over ``j``.

    ``dL_i/dp_ij = clip(e_ij, -delta, delta) / d``. Keras's default name is
    ``"huber_loss"``; the string identifier is ``"huber"``.

    Examples
    --------
    >>> import axon
    >>> round(axon.losses.Huber()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]), 3)
    0.155
    """

    default_name = "huber_loss"

    def __init__(
        self,
        delta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        if isinstance(delta, bool) or not (
            isinstance(delta, (int, float)) and delta > 0 and math.isfinite(delta)
        ):
            raise ValueError(f"Expected a positive delta. Received: delta={delta!r}")
        self.delta = float(delta)

    def call(self, y_true: Array, y_pred: Array) -> Array:
        r = np.abs(y_pred - y_true)
        quad = np.minimum(r, self.delta)
        return (0.5 * quad * quad + self.delta * (r - quad)).mean(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        return np.clip(y_pred - y_true, -self.delta, self.delta) / y_pred.shape[-1]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "delta": self.delta}


@register("log_cosh")
class LogCosh(ReductionFirst):
    """``L_i = mean_j log(cosh(e_ij))``; ``dL_i/dp_ij = tanh(e_ij) / d``.

    Computed as ``e + softplus(-2e) - log 2``, which never overflows. (Keras 3 knows
    the string ``"log_cosh"``; Keras 2's ``"logcosh"`` is gone from it, and from axon.)
    """

    default_name = "log_cosh"

    def call(self, y_true: Array, y_pred: Array) -> Array:
        e = y_pred - y_true
        t = -2 * e  # softplus(t) = max(t, 0) + log(1 + exp(-|t|))
        softplus = np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))
        return (e + softplus - math.log(2)).mean(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        return np.tanh(y_pred - y_true) / y_pred.shape[-1]


@register("cosine_similarity")
class CosineSimilarity(Loss):
    """``L_i = -sum_j u_ij v_ij`` with ``u, v`` the L2-normalised ``y_true, y_pred``.

    Normalising is ``x * min(1 / ||x||, 1 / eps)`` along ``axis``, as Keras does. With
    ``v = p s``, ``s = 1 / ||p||``: ``dL/dp = -s (u - (u . v) v)``; where the norm is
    below ``eps`` the scale is the constant ``1 / eps`` and ``dL/dp = -u / eps``.

    Examples
    --------
    >>> import axon
    >>> axon.losses.CosineSimilarity(reduction="none")([[0.0, 1.0], [1.0, 1.0]],
    ...                                                 [[1.0, 0.0], [-1.0, -1.0]])
    array([-0.,  1.])
    """

    default_name = "cosine_similarity"

    def __init__(
        self,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"Expected an integer axis. Received: axis={axis!r}")
        self.axis = int(axis)

    def _unit(self, x: Array) -> tuple[Array, Array, Array]:
        """``x`` normalised, its scale ``s`` and where the ``1 / eps`` cap is off."""
        inv_norm = 1 / np.sqrt(np.square(x).sum(axis=self.axis, keepdims=True))
        cap = 1 / config.epsilon()
        return x * np.minimum(inv_norm, cap), np.minimum(inv_norm, cap), inv_norm < cap

    def call(self, y_true: Array, y_pred: Array) -> Array:
        with np.errstate(divide="ignore"):  # a zero vector: 1/0 = inf, then capped
            u, v = self._unit(y_true)[0], self._unit(y_pred)[0]
        return -(u * v).sum(axis=self.axis)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        with np.errstate(divide="ignore"):
            u = self._unit(y_true)[0]
            v, s, free = self._unit(y_pred)
        along = (u * v).sum(axis=self.axis, keepdims=True)
        return -s * (u - along * v * free)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


def mean_squared_error(y_true: Any, y_pred: Any) -> Array:
    """Per-sample ``mean(e^2)``, as ``keras.losses.mean_squared_error``."""
    return per_sample(MeanSquaredError(), y_true, y_pred)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Array:
    """Per-sample ``mean(|e|)``, as ``keras.losses.mean_absolute_error``."""
    return per_sample(MeanAbsoluteError(), y_true, y_pred)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Array:
    """Per-sample ``100 mean(|e| / max(|y|, eps))`` (Keras's function form)."""
    return per_sample(MeanAbsolutePercentageError(), y_true, y_pred)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Array:
    """Per-sample ``mean((log(1 + p) - log(1 + y))^2)`` (Keras's function form)."""
    return per_sample(MeanSquaredLogarithmicError(), y_true, y_pred)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Array:
    """Per-sample Huber loss, as ``keras.losses.huber``."""
    return per_sample(Huber(delta), y_true, y_pred)


def log_cosh(y_true: Any, y_pred: Any) -> Array:
    """Per-sample ``mean(log(cosh(e)))``, as ``keras.losses.log_cosh``."""
    return per_sample(LogCosh(), y_true, y_pred)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Array:
    """Per-sample negative cosine similarity, as ``keras.losses.cosine_similarity``."""
    return per_sample(CosineSimilarity(axis), y_true, y_pred)


FUNCTIONS.update(
    {
        mean_squared_error: MeanSquaredError,
        mean_absolute_error: MeanAbsoluteError,
        mean_absolute_percentage_error: MeanAbsolutePercentageError,
        mean_squared_logarithmic_error: MeanSquaredLogarithmicError,
        huber: Huber,
        log_cosh: LogCosh,
        cosine_similarity: CosineSimilarity,
    }
)
