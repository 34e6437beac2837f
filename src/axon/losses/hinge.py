"""Hinge losses, for classifiers that output scores rather than probabilities.

``Hinge`` and ``SquaredHinge`` take labels in {-1, 1}; as in Keras, labels that are
all 0 or 1 are turned into -1 and 1 first. ``CategoricalHinge`` takes one-hot labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array
from axon.losses.base import FUNCTIONS, ReductionFirst, per_sample, register


def _signed(y_true: Array) -> Array:
    """Keras converts {0, 1} labels to {-1, 1} when every label is 0 or 1."""
    if ((y_true == 0) | (y_true == 1)).all():
        return 2 * y_true - 1
    return y_true


@register("hinge")
class Hinge(ReductionFirst):
    """``L_i = mean_j max(1 - y_ij p_ij, 0)``; ``dL_i/dp_ij = -y_ij / d`` where positive.

    Examples
    --------
    >>> import axon
    >>> axon.losses.hinge([[1.0, 0.0]], [[0.3, -2.0]]).round(4)
    array([0.35])
    """

    default_name = "hinge"

    def call(self, y_true: Array, y_pred: Array) -> Array:
        return np.maximum(1 - _signed(y_true) * y_pred, 0).mean(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        y = _signed(y_true)
        return -y * (1 - y * y_pred > 0) / y_pred.shape[-1]


@register("squared_hinge")
class SquaredHinge(ReductionFirst):
    """``L_i = mean_j max(1 - y p, 0)^2``; ``dL_i/dp = -2 y max(1 - y p, 0) / d``."""

    default_name = "squared_hinge"

    def call(self, y_true: Array, y_pred: Array) -> Array:
        return np.square(np.maximum(1 - _signed(y_true) * y_pred, 0)).mean(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        y = _signed(y_true)
        return -2 * y * np.maximum(1 - y * y_pred, 0) / y_pred.shape[-1]


@register("categorical_hinge")
class CategoricalHinge(ReductionFirst):
    """``L_i = max(neg_i - pos_i + 1, 0)`` for one-hot ``y``.

    ``pos_i = sum_j y_ij p_ij`` and ``neg_i = max_j (1 - y_ij) p_ij`` (the best wrong
    score). Where ``L_i > 0``: ``dL_i/dp_ij = (1 - y_ij) [j = argmax] - y_ij``.

    Examples
    --------
    >>> import axon
    >>> axon.losses.categorical_hinge([[0.0, 1.0, 0.0]], [[0.2, 0.5, 0.3]]).round(4)
    array([0.8])
    """

    default_name = "categorical_hinge"
    target = "one_hot"

    def call(self, y_true: Array, y_pred: Array) -> Array:
        pos = (y_true * y_pred).sum(axis=-1)
        neg = ((1 - y_true) * y_pred).max(axis=-1)
        return np.maximum(neg - pos + 1, 0)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        wrong = (1 - y_true) * y_pred
        best = wrong.argmax(axis=-1)  # (n,)
        active = (wrong.max(axis=-1) - (y_true * y_pred).sum(axis=-1) + 1 > 0)[:, None]
        grad = -y_true.astype(y_pred.dtype, copy=True)
        rows = np.arange(len(y_pred))
        grad[rows, best] += 1 - y_true[rows, best]
        return grad * active


def hinge(y_true: Any, y_pred: Any) -> Array:
    """Per-sample hinge loss, as ``keras.losses.hinge``."""
    return per_sample(Hinge(), y_true, y_pred)


def squared_hinge(y_true: Any, y_pred: Any) -> Array:
    """Per-sample squared hinge loss, as ``keras.losses.squared_hinge``."""
    return per_sample(SquaredHinge(), y_true, y_pred)


def categorical_hinge(y_true: Any, y_pred: Any) -> Array:
    """Per-sample categorical hinge loss, as ``keras.losses.categorical_hinge``."""
    return per_sample(CategoricalHinge(), y_true, y_pred)


FUNCTIONS.update(
    {hinge: Hinge, squared_hinge: SquaredHinge, categorical_hinge: CategoricalHinge}
)
