"""Stochastic gradient descent, optionally with (Nesterov) momentum."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array, constant
from axon.optimizers.base import OPTIMIZERS, Optimizer, check_fraction


@OPTIMIZERS.decorator("sgd")
class SGD(Optimizer):
    """Gradient descent, the tutorial's ``W <- W - eta dL/dW``.

    With ``momentum`` ``mu`` (Keras's form)::

        v <- mu v - eta g
        w <- w + v                      (plain momentum)
        w <- w + mu v - eta g           (nesterov=True)

    Examples
    --------
    >>> import numpy as np
    >>> w, g = np.array([1.0]), np.array([0.5])
    >>> SGD(learning_rate=0.1).apply(w, g); w
    array([0.95])
    """

    name = "sgd"

    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        # Keras takes momentum in [0, 1]; 1 never forgets, so axon keeps [0, 1).
        self.momentum = check_fraction(momentum, "momentum")
        self.nesterov = bool(nesterov)
        self.slot_names = ("momentum",) if self.momentum else ()

    def update(self, params: Array, grads: Array, lr: float) -> None:
        dtype = params.dtype
        tmp = self._work[0]
        step = np.multiply(grads, constant(lr, dtype), out=tmp)
        if not self.momentum:
            params -= step  # w <- w - eta g
            return
        mu = constant(self.momentum, dtype)
        velocity = self.slots["momentum"]
        velocity *= mu
        velocity -= step
        if self.nesterov:
            params -= step
            params += np.multiply(velocity, mu, out=tmp)
        else:
            params += velocity
