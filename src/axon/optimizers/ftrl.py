"""FTRL-Proximal (McMahan et al., 2013, "Ad Click Prediction"), in Keras's form."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from axon.config import Array, constant
from axon.optimizers.base import OPTIMIZERS, Optimizer, check_positive


@OPTIMIZERS.decorator("ftrl")
class Ftrl(Optimizer):
    """Follow the regularized leader, with L1, L2 and L2-shrinkage penalties.

    With ``p = -learning_rate_power`` (0.5 by default), accumulator ``n`` and
    linear term ``z``::

        n' = n + g^2
        z <- z + g + 2 l2_shrinkage w - (n'^p - n^p) / learning_rate * w
        w <- (clip(z, -l1, l1) - z) / (n'^p / learning_rate + 2 (l2 + beta / (2 learning_rate)))
        n <- n'

    so a weight whose ``|z|`` stays below ``l1`` is exactly zero. The learning rate
    divides, so it must stay positive.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([0.0, 0.0])
    >>> Ftrl(learning_rate=0.1, l1_regularization_strength=1.0).apply(
    ...     w, np.array([0.5, 3.0]))
    >>> w.round(6)
    array([ 0.      , -0.066299])
    """

    name = "ftrl"
    slot_names = ("accumulator", "linear")
    work_vectors = 2

    def __init__(
        self,
        learning_rate: Any = 0.001,
        learning_rate_power: float = -0.5,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        l2_shrinkage_regularization_strength: float = 0.0,
        beta: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        power = learning_rate_power
        ok = isinstance(power, (int, float)) and not isinstance(power, bool)
        if not (ok and math.isfinite(power) and power <= 0):
            raise ValueError(
                f"Expected a float <= 0. Received: learning_rate_power={power!r}"
            )
        self.learning_rate_power = float(power)
        self.initial_accumulator_value = check_positive(
            initial_accumulator_value, "initial_accumulator_value", allow_zero=True
        )
        self.l1_regularization_strength = check_positive(
            l1_regularization_strength, "l1_regularization_strength", allow_zero=True
        )
        self.l2_regularization_strength = check_positive(
            l2_regularization_strength, "l2_regularization_strength", allow_zero=True
        )
        self.l2_shrinkage_regularization_strength = check_positive(
            l2_shrinkage_regularization_strength,
            "l2_shrinkage_regularization_strength",
            allow_zero=True,
        )
        self.beta = check_positive(beta, "beta", allow_zero=True)

    def initial_slot_value(self, name: str) -> float:
        return self.initial_accumulator_value if name == "accumulator" else 0.0

    def update(self, params: Array, grads: Array, lr: float) -> None:
        if lr <= 0:
            raise ValueError(
                "Ftrl divides by the learning rate. Expected a positive float. "
                f"Received: learning_rate={lr!r}"
            )
        n, z = self.slots["accumulator"], self.slots["linear"]
        tmp, tmp2 = self._work
        dtype, p = params.dtype, -self.learning_rate_power
        rate = constant(lr, dtype)
        np.power(n, p, out=tmp)  # n^p
        n += np.multiply(grads, grads, out=tmp2)  # n' = n + g^2
        np.power(n, p, out=tmp2)  # n'^p
        np.subtract(tmp2, tmp, out=tmp)  # sigma w = (n'^p - n^p) / lr * w
        tmp /= rate
        tmp *= params
        z += grads
        z -= tmp
        if self.l2_shrinkage_regularization_strength:
            z += np.multiply(
                params,
                dtype.type(2 * self.l2_shrinkage_regularization_strength),
                out=tmp,
            )
        tmp2 /= rate  # quadratic = n'^p / lr + 2 l2 + beta / lr
        tmp2 += dtype.type(2 * self.l2_regularization_strength + self.beta / lr)
        l1 = self.l1_regularization_strength
        np.clip(z, constant(-l1, dtype), constant(l1, dtype), out=tmp)
        tmp -= z
        np.divide(tmp, tmp2, out=params)
