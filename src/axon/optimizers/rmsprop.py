"""RMSprop (Hinton, Coursera lecture 6e), in Keras's form."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array, constant
from axon.optimizers.base import OPTIMIZERS, Optimizer, check_fraction, check_positive


@OPTIMIZERS.decorator("rmsprop")
class RMSprop(Optimizer):
    """Divide the step by a running root mean square of the gradient.

    ::

    s <- rho s + (1 - rho) g^2
    w <- w - learning_rate g / sqrt(s + epsilon)
    """

    name = "rmsprop"
    slot_names = ("velocity",)

    def __init__(
        self, learning_rate: float = 0.001, rho: float = 0.9, epsilon: float = 1e-7
    ) -> None:
        super().__init__(learning_rate)
        self.rho = check_fraction(rho, "rho")
        self.epsilon = check_positive(epsilon, "epsilon")

    def update(self, params: Array, grads: Array) -> None:
        s, tmp, dtype = self.slots["velocity"], self.scratch, params.dtype
        np.multiply(grads, grads, out=tmp)  # s = rho (s - g^2) + g^2
        s -= tmp
        s *= constant(self.rho, dtype)
        s += tmp
        np.add(s, constant(self.epsilon, dtype), out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(grads, tmp, out=tmp)
        tmp *= constant(self.learning_rate, dtype)
        params -= tmp

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
