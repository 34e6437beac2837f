"""The optimizer contract: update one flat parameter vector from one flat gradient.

A model keeps every trainable weight in one contiguous vector, so an optimizer step is
a handful of NumPy calls over that vector whatever the depth of the network. Slot
variables (momentum, moments) are vectors of the same length, created by ``build``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from axon.config import Array
from axon.registry import Registry

OPTIMIZERS: Registry[type[Optimizer]] = Registry("optimizer")


def check_positive(value: Any, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as a float or raise ``Invalid <name>`` as a ValueError."""
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"Expected a {kind} finite float. Received: {name}={value!r}")
    return float(value)


def check_fraction(value: Any, name: str) -> float:
    """Return ``value`` as a float in ``[0, 1)`` or raise a ValueError."""
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    if not (ok and 0 <= value < 1):
        raise ValueError(f"Expected a float in [0, 1). Received: {name}={value!r}")
    return float(value)


class Optimizer:
    """Base class: ``apply(params, grads)`` updates ``params`` in place.

    Attributes
    ----------
    iterations : int
        Number of steps taken (``t`` in the formulas).
    slots : dict of str to ndarray
        The optimizer's state vectors, saved with the model.
    """

    name: ClassVar[str] = "optimizer"
    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float = 0.001) -> None:
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.iterations = 0
        self.slots: dict[str, Array] = {}
        self._scratch: Array | None = None

    def build(self, size: int, dtype: Any) -> None:
        """Create zeroed slot vectors for ``size`` parameters, keeping fitting ones."""
        for name in self.slot_names:
            if name not in self.slots or self.slots[name].shape != (size,):
                self.slots[name] = np.zeros(size, dtype=dtype)
        self._scratch = np.empty(size, dtype=dtype)

    def apply(self, params: Array, grads: Array) -> None:
        """Take one step: ``t += 1``, then update ``params`` in place from ``grads``."""
        if self._scratch is None or self._scratch.shape != params.shape:
            self.build(params.size, params.dtype)
        self.iterations += 1
        self.update(params, grads)

    def update(self, params: Array, grads: Array) -> None:
        """The optimizer's rule (subclasses)."""
        raise NotImplementedError

    @property
    def scratch(self) -> Array:
        """A reusable work vector of the parameters' length (made by ``build``)."""
        assert self._scratch is not None, "apply() builds the optimizer first"
        return self._scratch

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments."""
        return {"learning_rate": self.learning_rate}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
