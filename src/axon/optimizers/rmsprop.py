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
        a <- rho a + (1 - rho) g                      (centered=True)
        d = sqrt(s + epsilon)     or sqrt(s - a^2 + epsilon) when centered
        w <- w - learning_rate g / d                  (momentum=0)
        u <- momentum u + learning_rate g / d;  w <- w - u

    Centering divides by an estimate of the gradient's variance rather than its raw
    second moment (Graves, 2013, arXiv:1308.0850).

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> RMSprop(learning_rate=0.1, rho=0.0, epsilon=1e-12).apply(w, np.array([3.0])); w
    array([0.9])
    """

    name = "rmsprop"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.rho = check_fraction(rho, "rho")
        self.momentum = check_fraction(momentum, "momentum")
        self.epsilon = check_positive(epsilon, "epsilon")
        self.centered = bool(centered)
        self.slot_names = ("velocity",)
        self.slot_names += ("momentum",) if self.momentum else ()
        self.slot_names += ("average_gradient",) if self.centered else ()

    def update(self, params: Array, grads: Array, lr: float) -> None:
        s, dtype = self.slots["velocity"], params.dtype
        tmp = self._work[0]
        # s = rho (s - g^2) + g^2: axon's arithmetic since its first RMSprop, kept so
        # that saved runs go on bit for bit (Keras: s += (g^2 - s)(1 - rho)).
        np.multiply(grads, grads, out=tmp)
        s -= tmp
        s *= constant(self.rho, dtype)
        s += tmp
        if self.centered:
            a = self.slots["average_gradient"]
            np.subtract(grads, a, out=tmp)  # a += (g - a)(1 - rho)
            tmp *= constant(1 - self.rho, dtype)
            a += tmp
            np.multiply(a, a, out=tmp)
            np.subtract(s, tmp, out=tmp)
            tmp += constant(self.epsilon, dtype)
        else:
            np.add(s, constant(self.epsilon, dtype), out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(grads, tmp, out=tmp)
        tmp *= constant(lr, dtype)
        if self.momentum:
            u = self.slots["momentum"]
            u *= constant(self.momentum, dtype)
            u += tmp
            tmp = u
        params -= tmp
