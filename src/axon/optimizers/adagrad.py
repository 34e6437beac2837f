"""Adagrad (Duchi, Hazan & Singer, 2011), in Keras's form."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array, constant
from axon.optimizers.base import OPTIMIZERS, Optimizer, check_positive


@OPTIMIZERS.decorator("adagrad")
class Adagrad(Optimizer):
    """Divide each step by the root of all squared gradients so far.

    ::

        a <- a + g^2                      (a starts at initial_accumulator_value)
        w <- w - learning_rate g / sqrt(a + epsilon)

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> Adagrad(learning_rate=0.1, initial_accumulator_value=0.0, epsilon=1e-12).apply(
    ...     w, np.array([4.0]))
    >>> w
    array([0.9])
    """

    name = "adagrad"
    slot_names = ("accumulator",)

    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_positive(
            initial_accumulator_value, "initial_accumulator_value", allow_zero=True
        )
        self.epsilon = check_positive(epsilon, "epsilon")

    def initial_slot_value(self, name: str) -> float:
        return self.initial_accumulator_value

    def update(self, params: Array, grads: Array, lr: float) -> None:
        a, dtype = self.slots["accumulator"], params.dtype
        tmp = self._work[0]
        a += np.multiply(grads, grads, out=tmp)
        np.add(a, constant(self.epsilon, dtype), out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(grads, tmp, out=tmp)
        tmp *= constant(lr, dtype)
        params -= tmp
