"""Divergences and likelihoods: Kullback-Leibler and Poisson."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.losses.base import FUNCTIONS, ReductionFirst, per_sample, register


@register("kl_divergence", "kld", "KLD")
class KLDivergence(ReductionFirst):
    """``L_i = sum_j t_ij log(t_ij / q_ij)`` with ``t, q`` = ``y_true, y_pred`` in ``[eps, 1]``.

    ``dL_i/dp_ij = -t_ij / q_ij`` where ``eps <= p_ij <= 1``, else 0 (the clip's slope).

    Examples
    --------
    >>> import axon
    >>> axon.losses.kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]).round(4)
    array([0.1438])
    """

    default_name = "kl_divergence"

    def call(self, y_true: Array, y_pred: Array) -> Array:
        eps = config.epsilon()
        t, q = np.clip(y_true, eps, 1), np.clip(y_pred, eps, 1)
        return (t * np.log(t / q)).sum(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        eps = config.epsilon()
        t, q = np.clip(y_true, eps, 1), np.clip(y_pred, eps, 1)
        return -t / q * ((y_pred >= eps) & (y_pred <= 1))


@register("poisson")
class Poisson(ReductionFirst):
    """``L_i = mean_j(p_ij - y_ij log(p_ij + eps))``; ``dL_i/dp = (1 - y / (p + eps)) / d``.

    Examples
    --------
    >>> import axon
    >>> axon.losses.poisson([[1.0, 0.0]], [[1.0, 2.0]]).round(4)
    array([1.5])
    """

    default_name = "poisson"

    def call(self, y_true: Array, y_pred: Array) -> Array:
        return (y_pred - y_true * np.log(y_pred + config.epsilon())).mean(axis=-1)

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        return (1 - y_true / (y_pred + config.epsilon())) / y_pred.shape[-1]


def kl_divergence(y_true: Any, y_pred: Any) -> Array:
    """Per-sample Kullback-Leibler divergence, as ``keras.losses.kl_divergence``."""
    return per_sample(KLDivergence(), y_true, y_pred)


def poisson(y_true: Any, y_pred: Any) -> Array:
    """Per-sample Poisson loss, as ``keras.losses.poisson``."""
    return per_sample(Poisson(), y_true, y_pred)


FUNCTIONS.update({kl_divergence: KLDivergence, poisson: Poisson})
