"""Adadelta (Zeiler, 2012, arXiv:1212.5701), in Keras's form."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array, constant
from axon.optimizers.base import OPTIMIZERS, Optimizer, check_fraction, check_positive


@OPTIMIZERS.decorator("adadelta")
class Adadelta(Optimizer):
    """Steps scaled by the ratio of running RMS of past steps to that of gradients.

    ::

        G <- rho G + (1 - rho) g^2
        d = -sqrt(D + epsilon) g / sqrt(G + epsilon)
        D <- rho D + (1 - rho) d^2
        w <- w + learning_rate d

    Keras's default ``learning_rate=0.001`` (Zeiler's paper, and PyTorch, use 1.0).

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> Adadelta(learning_rate=1.0, rho=0.0, epsilon=1e-4).apply(w, np.array([1.0]))
    >>> w.round(6)
    array([0.99])
    """

    name = "adadelta"
    slot_names = ("accumulated_grad", "accumulated_delta_var")
    work_vectors = 2

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.95,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.rho = check_fraction(rho, "rho")
        self.epsilon = check_positive(epsilon, "epsilon")

    def update(self, params: Array, grads: Array, lr: float) -> None:
        big_g, big_d = (
            self.slots["accumulated_grad"],
            self.slots["accumulated_delta_var"],
        )
        tmp, tmp2 = self._work
        dtype = params.dtype
        eps, rest = constant(self.epsilon, dtype), constant(1 - self.rho, dtype)
        np.multiply(grads, grads, out=tmp)  # G += (g^2 - G)(1 - rho)
        tmp -= big_g
        tmp *= rest
        big_g += tmp
        np.add(big_d, eps, out=tmp)  # tmp = -d = sqrt(D + eps) g / sqrt(G + eps)
        np.sqrt(tmp, out=tmp)
        tmp *= grads
        np.add(big_g, eps, out=tmp2)
        np.sqrt(tmp2, out=tmp2)
        tmp /= tmp2
        np.multiply(tmp, tmp, out=tmp2)  # D += (d^2 - D)(1 - rho)
        tmp2 -= big_d
        tmp2 *= rest
        big_d += tmp2
        tmp *= constant(lr, dtype)
        params -= tmp
