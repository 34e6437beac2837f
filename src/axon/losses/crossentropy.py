"""Cross-entropies: categorical, sparse categorical and binary, from probabilities or logits.

From probabilities they follow Keras exactly: categorical rows are rescaled to sum to
one, then every probability is clipped to ``[eps, 1 - eps]`` before its log (outside
the clip the slope is zero). From logits ``z`` they use log-sum-exp, never ``log(0)``.

When the model's output activation is the one the loss pairs with (softmax for the
categorical ones, sigmoid for binary), the trainer calls ``forward_from_logits`` /
``backward_from_logits`` instead of going through the activation: the gradient at
the logits is simply ``(p - y)`` times the reduction's factor.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from axon import config
from axon.config import Array, constant
from axon.config import vdot as _vdot  # no dispatch: a Python call less
from axon.losses.base import (
    FUNCTIONS,
    Loss,
    as_indices,
    check_last_axis,
    check_probability,
    per_sample,
    register,
)


def _log_softmax(z: Array) -> Array:
    """``z - logsumexp(z)`` row-wise, with the row max subtracted for stability."""
    shifted = z - z.max(axis=-1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted


def _softmax(z: Array) -> Array:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def _sigmoid(z: Array) -> Array:
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _rescaled(p: Array) -> tuple[Array, Array, Array]:
    """Keras rescales categorical rows to sum to one: ``q = p / s``, then clips ``q``."""
    eps = config.epsilon()
    s = p.sum(axis=-1, keepdims=True)
    q = p / s
    inside = (q >= eps) & (q <= 1 - eps)  # the clip has zero slope outside
    return np.clip(q, eps, 1 - eps), s, inside


def _through_rescaling(g: Array, q: Array, s: Array) -> Array:
    """Chain rule through ``q = p / s``: ``dL/dp = (g - sum(g q)) / s``."""
    return (g - (g * q).sum(axis=-1, keepdims=True)) / s


class _Smoothed(Loss):
    """What the categorical and binary cross-entropies share.

    Their arguments, and label smoothing ``y (1 - a) + a * share``, where ``share``
    is ``1 / K`` for ``K`` classes and ``1 / 2`` for a binary output.
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        self.from_logits = bool(from_logits)
        self.label_smoothing = check_probability(label_smoothing, "label_smoothing")
        self.axis = check_last_axis(axis, type(self).__name__)
        # (batch shape, dtype) -> the reduction's factor, as a float and a 0-d array
        self._factors: dict[tuple[Any, Any], tuple[float, Array]] = {}

    def share(self, y_true: Array) -> float:
        raise NotImplementedError

    def smooth(self, y_true: Array) -> Array:
        """The targets after label smoothing (unchanged without it)."""
        a = self.label_smoothing
        return y_true * (1 - a) + a * self.share(y_true) if a else y_true

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


@register("categorical_crossentropy")
class CategoricalCrossentropy(_Smoothed):
    """``L_i = -sum_k y_ik log p_ik`` with one-hot (or soft) targets.

    With ``label_smoothing = a`` the targets become ``y (1 - a) + a / K`` for ``K``
    classes. From logits it is ``logsumexp(z_i) - sum_k y_ik z_ik`` and its gradient
    at the logits is ``p_i - y_i``: targets are distributions (each row sums to one,
    as one-hot and smoothed rows do); the fused path relies on it.

    Parameters
    ----------
    from_logits : bool
        Whether ``y_pred`` holds logits rather than probabilities.
    label_smoothing : float
        In [0, 1].
    axis : int
        Only ``-1`` (the classes are the last axis).
    reduction, name
        As for :class:`Loss`.

    Examples
    --------
    >>> import axon
    >>> loss = axon.losses.CategoricalCrossentropy()
    >>> round(loss([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]), 4)
    1.1769
    """

    default_name = "categorical_crossentropy"
    target = "one_hot"
    pairs_with = "softmax"

    def share(self, y_true: Array) -> float:
        return 1 / y_true.shape[-1]

    def call(self, y_true: Array, y_pred: Array) -> Array:
        y = self.smooth(y_true)
        if self.from_logits:
            return -(y * _log_softmax(y_pred)).sum(axis=-1)
        q, _, _ = _rescaled(y_pred)
        return -(y * np.log(q)).sum(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        y = self.smooth(y_true)
        if self.from_logits:  # exact for any targets: p sum_k(y_k) - y
            return _softmax(y_pred) * y.sum(axis=-1, keepdims=True) - y
        q, s, inside = _rescaled(y_pred)
        return _through_rescaling(-y / q * inside, y_pred / s, s)

    def forward_from_logits(
        self, y_true: Array, logits: Array, probs: Array | None = None
    ) -> float:
        # The fused path runs every step: no calls it can do without (smooth, count).
        y = self.smooth(y_true) if self.label_smoothing else y_true
        factor = self.scale(logits.size // logits.shape[-1])
        if probs is not None:
            # -sum(y log p) in two calls. Where some p underflowed to 0 the sum is not
            # finite, and the log-sum-exp form below gives the exact value instead.
            # (The trainer runs this under np.errstate, so log(0) stays silent.)
            total = float(_vdot(y, np.log(probs)))
            if math.isfinite(total):
                return -total * factor
        return float(-(y * _log_softmax(logits)).sum()) * factor

    def backward_from_logits(self, y_true: Array, probs: Array) -> Array:
        grad = probs - (self.smooth(y_true) if self.label_smoothing else y_true)
        factor = self.scale(probs.size // probs.shape[-1], training=True)
        grad *= constant(factor, grad.dtype)
        return grad

    def step_from_logits(
        self, y_true: Array, logits: Array, probs: Array
    ) -> tuple[float, Array]:
        """The two methods above in one call, their numbers bit for bit.

        The reduction's factor is kept per batch shape, so a step makes one Python
        call here where it made five (the two methods, ``scale`` twice, ``constant``):
        1.2 -> 0.5 us of the 4-8-8-3 step's loss, measured in the loop.
        """
        y = self.smooth(y_true) if self.label_smoothing else y_true
        factors = self._factors.get((probs.shape, probs.dtype))
        if factors is None:
            if len(self._factors) > 16:
                self._factors.clear()
            factor = self.scale(probs.size // probs.shape[-1], training=True)
            factors = (factor, constant(factor, probs.dtype))
            self._factors[(probs.shape, probs.dtype)] = factors
        total = float(_vdot(y, np.log(probs)))  # as forward_from_logits
        value = (
            -total * factors[0]
            if math.isfinite(total)
            else self.forward_from_logits(y_true, logits)
        )
        grad = np.subtract(probs, y)
        grad *= factors[1]
        return value, grad


@register("sparse_categorical_crossentropy")
class SparseCategoricalCrossentropy(Loss):
    """``L_i = -log p_{i, y_i}`` with integer class labels ``y_i``.

    Keras's ``ignore_class`` is not supported (only ``None``): axon's data checks
    require every label to be a class of the output.

    Examples
    --------
    >>> import axon
    >>> loss = axon.losses.SparseCategoricalCrossentropy(reduction="none")
    >>> loss([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]).round(4)
    array([0.0513, 2.3026])
    """

    default_name = "sparse_categorical_crossentropy"
    target = "index"
    pairs_with = "softmax"

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = "sum_over_batch_size",
        axis: int = -1,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        if ignore_class is not None:
            raise ValueError(
                "axon's sparse categorical cross-entropy does not ignore a class: "
                f"expected ignore_class=None. Received: ignore_class={ignore_class!r}"
            )
        self.from_logits = bool(from_logits)
        self.ignore_class = None
        self.axis = check_last_axis(axis, type(self).__name__)

    def call(self, y_true: Array, y_pred: Array) -> Array:
        rows, cols = np.arange(len(y_pred)), as_indices(y_true)
        if self.from_logits:
            return -_log_softmax(y_pred)[rows, cols]
        q, _, _ = _rescaled(y_pred)
        return -np.log(q[rows, cols])

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        rows, cols = np.arange(len(y_pred)), as_indices(y_true)
        if self.from_logits:
            grad = _softmax(y_pred)
            grad[rows, cols] -= 1
            return grad
        q, s, inside = _rescaled(y_pred)
        g = np.zeros_like(q)
        g[rows, cols] = -1 / q[rows, cols] * inside[rows, cols]
        return _through_rescaling(g, y_pred / s, s)

    def forward_from_logits(
        self, y_true: Array, logits: Array, probs: Array | None = None
    ) -> float:
        picked = _log_softmax(logits)[np.arange(len(logits)), as_indices(y_true)]
        return float(-picked.sum()) * self.scale(len(logits))

    def backward_from_logits(self, y_true: Array, probs: Array) -> Array:
        grad = probs.copy()
        grad[np.arange(len(probs)), as_indices(y_true)] -= 1
        grad *= constant(self.scale(len(probs), training=True), grad.dtype)
        return grad

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
        }


@register("binary_crossentropy", "bce", "BCE")
class BinaryCrossentropy(_Smoothed):
    """``L_i = -mean_j (y_ij log p_ij + (1 - y_ij) log(1 - p_ij))`` over the outputs.

    With ``label_smoothing = a`` the targets become ``y (1 - a) + a / 2``. From logits
    it is ``mean_j(max(z, 0) - z y + log(1 + e^{-|z|}))``, which never overflows; the
    gradient at the logits is ``(p - y) / d`` for ``d`` outputs.

    Examples
    --------
    >>> import axon
    >>> loss = axon.losses.BinaryCrossentropy(reduction="none")
    >>> loss([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]).round(3)
    array([0.916, 0.714])
    """

    default_name = "binary_crossentropy"
    target = "value"
    pairs_with = "sigmoid"

    def share(self, y_true: Array) -> float:
        return 0.5

    def call(self, y_true: Array, y_pred: Array) -> Array:
        y = self.smooth(y_true)
        if self.from_logits:
            z = y_pred
            return (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).mean(-1)
        eps = config.epsilon()
        p = np.clip(y_pred, eps, 1 - eps)
        return -(y * np.log(p) + (1 - y) * np.log1p(-p)).mean(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        y, d = self.smooth(y_true), y_pred.shape[-1]
        if self.from_logits:
            return (_sigmoid(y_pred) - y) / d
        eps = config.epsilon()
        p = np.clip(y_pred, eps, 1 - eps)
        inside = (y_pred >= eps) & (y_pred <= 1 - eps)
        return (p - y) / (p * (1 - p)) * inside / d

    def forward_from_logits(
        self, y_true: Array, logits: Array, probs: Array | None = None
    ) -> float:
        y, z = self.smooth(y_true) if self.label_smoothing else y_true, logits
        total = float((np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).sum())
        return total / z.shape[-1] * self.scale(z.size // z.shape[-1])

    def backward_from_logits(self, y_true: Array, probs: Array) -> Array:
        grad = probs - (self.smooth(y_true) if self.label_smoothing else y_true)
        d = probs.shape[-1]
        factor = self.scale(probs.size // d, training=True) / d
        grad *= constant(factor, grad.dtype)
        return grad


def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Array:
    """Per-sample categorical cross-entropy, as ``keras.losses.categorical_crossentropy``."""
    return per_sample(
        CategoricalCrossentropy(from_logits, label_smoothing, axis), y_true, y_pred
    )


def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> Array:
    """Per-sample sparse categorical cross-entropy (Keras's function form)."""
    return per_sample(
        SparseCategoricalCrossentropy(from_logits, ignore_class, axis=axis),
        y_true,
        y_pred,
    )


def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Array:
    """Per-sample binary cross-entropy, the mean over the last axis (Keras's form)."""
    return per_sample(
        BinaryCrossentropy(from_logits, label_smoothing, axis), y_true, y_pred
    )


FUNCTIONS.update(
    {
        categorical_crossentropy: CategoricalCrossentropy,
        sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
        binary_crossentropy: BinaryCrossentropy,
    }
)
