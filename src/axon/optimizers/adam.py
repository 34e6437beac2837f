"""Adam (Kingma & Ba, 2015, arXiv:1412.6980), in Keras's epsilon-hat form."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from axon.config import Array, constant
from axon.optimizers.base import OPTIMIZERS, Optimizer, check_fraction, check_positive


@OPTIMIZERS.decorator("adam")
class Adam(Optimizer):
    """Adaptive moment estimation.

    At step ``t``, with gradient ``g``::

        m <- beta_1 m + (1 - beta_1) g
        v <- beta_2 v + (1 - beta_2) g^2
        alpha = learning_rate * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        w <- w - alpha m / (sqrt(v) + epsilon)

    This is the form Keras uses (epsilon is added after the bias correction is folded
    into ``alpha``), with Keras's defaults; PyTorch adds epsilon to the corrected
    ``sqrt(v_hat)``, which differs slightly while ``v`` is small.
    """

    name = "adam"
    slot_names = ("m", "v")

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
    ) -> None:
        super().__init__(learning_rate)
        self.beta_1 = check_fraction(beta_1, "beta_1")
        self.beta_2 = check_fraction(beta_2, "beta_2")
        self.epsilon = check_positive(epsilon, "epsilon")

    def update(self, params: Array, grads: Array) -> None:
        t = self.iterations
        m, v, tmp = self.slots["m"], self.slots["v"], self.scratch
        dtype = params.dtype
        b1, b2 = constant(self.beta_1, dtype), constant(self.beta_2, dtype)
        # m = b1 m + (1 - b1) g, written as m = b1 (m - g) + g: no scratch needed.
        m -= grads
        m *= b1
        m += grads
        np.multiply(grads, grads, out=tmp)  # v = b2 (v - g^2) + g^2
        v -= tmp
        v *= b2
        v += tmp
        alpha = (
            self.learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        )
        np.sqrt(v, out=tmp)
        tmp += constant(self.epsilon, dtype)
        np.divide(m, tmp, out=tmp)
        tmp *= np.asarray(alpha, dtype=dtype)
        params -= tmp

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
