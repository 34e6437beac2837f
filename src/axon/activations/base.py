"""The activation contract: a function, its derivative, and the registry of names."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from axon.config import Array, floatx
from axon.registry import Registry

ACTIVATIONS: Registry[type[Activation]] = Registry("activation")


class Activation:
    """Base class: an elementwise (or row-wise) function and its derivative.

    ``forward(x, out)`` writes ``f(x)`` into ``out`` when given (never ``x`` itself).
    ``backward(x, y, grad_output, work)`` returns ``grad_output * f'(x)`` given
    ``y = f(x)``; it may overwrite ``grad_output`` and ``work`` (a scratch array shaped
    like ``y``), and the hot path passes both so that nothing is allocated.

    At a kink the derivative is a convention; axon's is PyTorch's (which Keras shares
    but for the cases each class's docstring names), and each docstring's formula says
    which side the kink belongs to.
    """

    name: ClassVar[str] = "activation"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        """Return ``f(x)``, written into ``out`` when given (same shape as ``x``)."""
        raise NotImplementedError

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        """Return ``grad_output * f'(x)`` (the chain rule), given ``y = f(x)``.

        May overwrite ``grad_output`` and ``work`` (a scratch array shaped like ``y``).
        """
        raise NotImplementedError

    def __call__(self, x: Any, **arguments: Any) -> Array:
        """Apply the function, as Keras's are called: ``gelu(x, approximate=True)``.

        Arguments other than ``x`` make a new activation with them for this call.
        Lists and integers are computed in the default float type, as Keras does.
        """
        activation = (
            type(self)(**{**self.get_config(), **arguments}) if arguments else self
        )
        if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
            x = np.asarray(x, dtype=floatx())
        return activation.forward(x)

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Activation) or type(self) is not type(other):
            return False
        return self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.get_config().items()))))


def scratch(work: Array | None, like: Array) -> Array:
    """The caller's scratch array, or a new one shaped like ``like`` when none came."""
    return np.empty_like(like) if work is None else work


def check_real(value: Any, argument: str, minimum: float | None = None) -> float:
    """``value`` as a float, or a ValueError in Keras's words naming ``argument``."""
    valid = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool
    )
    valid = valid and bool(np.isfinite(value))
    if minimum is not None:
        valid = valid and value >= minimum
    if not valid:
        kind = "a float" if minimum is None else f"a float >= {minimum:g}"
        raise ValueError(f"Expected {kind}. Received: {argument}={value!r}")
    return float(value)


def check_axis(axis: Any) -> int:
    """``axis`` as an int, or a TypeError naming it."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"Expected an integer axis. Received: axis={axis!r}")
    return int(axis)
