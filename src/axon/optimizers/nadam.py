"""Nadam: Adam with Nesterov momentum (Dozat, 2016), in Keras's form."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array, constant
from axon.optimizers.base import OPTIMIZERS, Optimizer, check_fraction, check_positive


@OPTIMIZERS.decorator("nadam")
class Nadam(Optimizer):
    """Adam whose momentum looks one step ahead, with Dozat's momentum schedule.

    At step ``t``, with ``u_t = beta_1 (1 - 0.5 * 0.96^t)`` and
    ``U_t = u_1 u_2 ... u_t``::

        m <- beta_1 m + (1 - beta_1) g
        v <- beta_2 v + (1 - beta_2) g^2
        m_hat = u_{t+1} m / (1 - U_{t+1}) + (1 - u_t) g / (1 - U_t)
        v_hat = v / (1 - beta_2^t)
        w <- w - learning_rate m_hat / (sqrt(v_hat) + epsilon)

    ``U_t`` depends on ``t`` alone, so it is recomputed rather than saved.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> Nadam(learning_rate=0.1).apply(w, np.array([2.0])); w.round(6)  # looks ahead
    array([0.893721])
    """

    name = "nadam"
    slot_names = ("momentum", "velocity")
    work_vectors = 2

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
        self._products = (0, 1.0)  # (t, U_t), carried from step to step

    def _u(self, t: int) -> float:
        return self.beta_1 * (1 - 0.5 * 0.96**t)

    def _u_product(self, t: int) -> float:
        step, product = self._products
        if step != t - 1:  # iterations was set (a loaded model): start over
            step, product = 0, 1.0
        while step < t:
            step += 1
            product *= self._u(step)
        self._products = (t, product)
        return product

    def update(self, params: Array, grads: Array, lr: float) -> None:
        t, dtype = self.iterations, params.dtype
        m, v = self.slots["momentum"], self.slots["velocity"]
        tmp, tmp2 = self._work
        u_t, u_next = self._u(t), self._u(t + 1)
        product = self._u_product(t)
        np.subtract(grads, m, out=tmp)  # m += (g - m)(1 - b1)
        tmp *= constant(1 - self.beta_1, dtype)
        m += tmp
        np.multiply(grads, grads, out=tmp)  # v += (g^2 - v)(1 - b2)
        tmp -= v
        tmp *= constant(1 - self.beta_2, dtype)
        v += tmp
        np.multiply(grads, dtype.type((1 - u_t) / (1 - product)), out=tmp2)
        np.multiply(m, dtype.type(u_next / (1 - product * u_next)), out=tmp)
        tmp2 += tmp  # m_hat
        np.divide(v, dtype.type(1 - self.beta_2**t), out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += constant(self.epsilon, dtype)
        tmp2 *= constant(lr, dtype)
        np.divide(tmp2, tmp, out=tmp2)
        params -= tmp2
