"""Lion: evolved sign momentum (Chen et al., 2023, arXiv:2302.06675)."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array, constant
from axon.optimizers.base import OPTIMIZERS, Optimizer, check_fraction


@OPTIMIZERS.decorator("lion")
class Lion(Optimizer):
    """Move every weight by exactly ``learning_rate``, in the sign of an interpolation.

    ::

        c = beta_1 m + (1 - beta_1) g
        w <- w - learning_rate sign(c)
        m <- beta_2 m + (1 - beta_2) g

    Each step moves each weight by the full learning rate, so Lion wants one 3 to 10
    times smaller than Adam's (and a larger ``weight_decay``, per the paper).

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, 1.0])
    >>> Lion(learning_rate=0.1).apply(w, np.array([0.001, -5.0])); w
    array([0.9, 1.1])
    """

    name = "lion"
    slot_names = ("momentum",)
    work_vectors = 2

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        ok = isinstance(beta_1, (int, float)) and not isinstance(beta_1, bool)
        if not (ok and 0 < beta_1 <= 1):
            raise ValueError(
                "Expected a float in (0, 1] (with beta_1=0 Lion is sign descent). "
                f"Received: beta_1={beta_1!r}"
            )
        self.beta_1 = float(beta_1)
        self.beta_2 = check_fraction(beta_2, "beta_2")

    def update(self, params: Array, grads: Array, lr: float) -> None:
        m, dtype = self.slots["momentum"], params.dtype
        tmp, tmp2 = self._work
        np.multiply(m, constant(self.beta_1, dtype), out=tmp)
        tmp += np.multiply(grads, constant(1 - self.beta_1, dtype), out=tmp2)
        np.sign(tmp, out=tmp)
        tmp *= constant(lr, dtype)
        params -= tmp
        np.subtract(grads, m, out=tmp)  # m += (g - m)(1 - b2)
        tmp *= constant(1 - self.beta_2, dtype)
        m += tmp
