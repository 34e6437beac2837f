"""ReLU's relatives with kinks: relu6, hard_sigmoid, hard_silu, elu and selu.

At each kink the derivative is PyTorch's, which Keras shares (the one exception,
SELU's at 0 under TensorFlow, is noted on the class); each formula below says which
side the kink belongs to. ``tests/test_reference_torch.py`` holds axon to it.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from axon.activations.base import ACTIVATIONS, Activation, check_real
from axon.config import Array, constant


@ACTIVATIONS.decorator("relu6")
class ReLU6(Activation):
    """ReLU capped at 6: ``f(z) = min(max(z, 0), 6)``.

    ``f'(z) = 1 if 0 < z < 6 else 0``: both kinks take the flat side's 0.
    """

    name = "relu6"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        y = np.maximum(x, constant(0.0, x.dtype), out=out)
        return np.minimum(y, constant(6.0, x.dtype), out=y)

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        # 0 < y < 6 exactly where 0 < z < 6 (y = z there), and then y (6 - y) > 0:
        # the open interval in one buffer, without a boolean temporary.
        inside = np.subtract(constant(6.0, y.dtype), y, out=work)
        inside *= y
        np.greater(inside, constant(0.0, y.dtype), out=inside)
        grad_output *= inside
        return grad_output


@ACTIVATIONS.decorator("hard_sigmoid")
class HardSigmoid(Activation):
    """Keras 3's hard sigmoid: ``f(z) = relu6(z + 3) / 6``, 0 below -3 and 1 above 3.

    ``f'(z) = 1/6 if -3 < z < 3 else 0``: both kinks take the flat side's 0. (Keras 2's
    was ``0.2 z + 0.5``; Keras 3 and PyTorch's ``hardsigmoid`` use this one.) The
    slope is 1/6 to the last bit in float64, as with Keras on TensorFlow; PyTorch's
    ``hardsigmoid`` (so Keras on PyTorch) uses float32's 1/6 there, 3e-8 off.
    """

    name = "hard_sigmoid"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        y = np.add(x, constant(3.0, x.dtype), out=out)
        np.clip(y, constant(0.0, x.dtype), constant(6.0, x.dtype), out=y)
        y /= constant(6.0, x.dtype)
        return y

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        slope = np.abs(x, out=work)
        np.less(slope, constant(3.0, x.dtype), out=slope)  # 1 where |z| < 3
        slope *= constant(1 / 6, slope.dtype)
        grad_output *= slope
        return grad_output


@ACTIVATIONS.decorator("hard_silu", "hard_swish")
class HardSiLU(Activation):
    """Hard SiLU (hard swish): ``f(z) = z relu6(z + 3) / 6``.

    ``f'(z) = 0 if z <= -3,  z / 3 + 1/2 if -3 < z < 3,  1 if z >= 3``: each kink
    belongs to its outer piece, as in PyTorch's ``hardswish`` and Keras.
    """

    name = "hard_silu"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        y = np.add(x, constant(3.0, x.dtype), out=out)
        np.clip(y, constant(0.0, x.dtype), constant(6.0, x.dtype), out=y)
        y *= x
        y /= constant(6.0, x.dtype)
        return y

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        three = constant(3.0, x.dtype)
        slope = np.divide(x, three, out=work)
        slope += constant(0.5, slope.dtype)
        np.copyto(slope, 0.0, where=x <= -three)
        np.copyto(slope, 1.0, where=x >= three)
        grad_output *= slope
        return grad_output


@ACTIVATIONS.decorator("elu")
class ELU(Activation):
    """Exponential linear unit: ``f(z) = z if z > 0 else alpha (e^z - 1)``.

    ``f'(z) = 1 if z > 0 else alpha e^z``: the kink ``z = 0`` takes ``alpha``, as in
    PyTorch and Keras (all its backends).

    Parameters
    ----------
    alpha : float
        The negative side's scale (Keras's default 1.0).
    """

    name = "elu"
    scale: ClassVar[float] = 1.0

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = check_real(alpha, "alpha")

    def forward(self, x: Array, out: Array | None = None) -> Array:
        y = np.minimum(x, constant(0.0, x.dtype), out=out)
        np.expm1(y, out=y)
        y *= constant(self.alpha, x.dtype)  # alpha (e^z - 1) below 0, 0 above
        if self.scale == 1 and 0 <= self.alpha <= 1:
            # alpha (e^z - 1) >= z for z <= 0 then, so the max picks the right piece.
            np.maximum(y, x, out=y)
        else:
            np.copyto(y, x, where=x > constant(0.0, x.dtype))
        if self.scale != 1:
            y *= constant(self.scale, x.dtype)
        return y

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        # e^min(z, 0) rather than y + alpha: no cancellation far below 0.
        slope = np.minimum(x, constant(0.0, x.dtype), out=work)
        np.exp(slope, out=slope)  # e^z below 0, 1 above
        negative = self.alpha * self.scale
        if negative != 1:
            slope *= constant(negative, slope.dtype)
            np.copyto(slope, self.scale, where=x > constant(0.0, x.dtype))
        grad_output *= slope
        return grad_output

    def get_config(self) -> dict[str, Any]:
        """``alpha`` when it is not Keras's default: plain ELU is ``"elu"``."""
        return {} if self.alpha == 1.0 else {"alpha": self.alpha}


@ACTIVATIONS.decorator("selu")
class SELU(ELU):
    """Scaled ELU: ``f(z) = lambda z if z > 0 else lambda alpha (e^z - 1)``.

    ``f'(z) = lambda if z > 0 else lambda alpha e^z``, with the constants of Klambauer
    et al. (2017): ``alpha = 1.6732632423543772``, ``lambda = 1.0507009873554805``.
    With the ``lecun_normal`` initializer, a deep stack of SELU layers keeps its
    activations near mean 0 and variance 1 ("self-normalizing").

    The kink ``z = 0`` takes ``lambda alpha`` (1.7581), as in PyTorch and in Keras with
    its PyTorch and JAX backends; Keras with TensorFlow gives ``lambda`` (1.0507) there.
    """

    name = "selu"
    scale = 1.0507009873554804934193349852946

    def __init__(self) -> None:
        super().__init__(alpha=1.6732632423543772848170429916717)

    def get_config(self) -> dict[str, Any]:
        return {}
