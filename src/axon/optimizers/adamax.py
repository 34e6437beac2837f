"""Adamax: Adam with the infinity norm (Kingma & Ba, 2015, section 7.1)."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array, constant
from axon.optimizers.base import OPTIMIZERS, Optimizer, check_fraction, check_positive


@OPTIMIZERS.decorator("adamax")
class Adamax(Optimizer):
    """Adam whose second moment is a decaying maximum of ``|g|``.

    At step ``t``::

        m <- beta_1 m + (1 - beta_1) g
        u <- max(beta_2 u, |g|)
        w <- w - learning_rate m / ((1 - beta_1^t) (u + epsilon))

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> Adamax(learning_rate=0.1).apply(w, np.array([2.0])); w.round(6)
    array([0.9])
    """

    name = "adamax"
    slot_names = ("momentum", "norm")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_fraction(beta_1, "beta_1")
        self.beta_2 = check_fraction(beta_2, "beta_2")
        self.epsilon = check_positive(epsilon, "epsilon")

    def update(self, params: Array, grads: Array, lr: float) -> None:
        m, u, dtype = self.slots["momentum"], self.slots["norm"], params.dtype
        tmp = self._work[0]
        np.subtract(grads, m, out=tmp)  # m += (g - m)(1 - b1)
        tmp *= constant(1 - self.beta_1, dtype)
        m += tmp
        u *= constant(self.beta_2, dtype)
        np.maximum(u, np.abs(grads, out=tmp), out=u)
        np.add(u, constant(self.epsilon, dtype), out=tmp)
        np.divide(m, tmp, out=tmp)
        tmp *= dtype.type(lr / (1 - self.beta_1**self.iterations))
        params -= tmp
