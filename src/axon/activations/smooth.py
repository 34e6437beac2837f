"""Smooth activations: gelu, silu (swish), softplus, softsign, mish and exponential.

Each derivative is written right under its function. The exact GELU needs the error
function, which NumPy lacks: :func:`erf` evaluates it by piecewise polynomials fitted
here, on first use, to the standard library's ``math.erf``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from axon.activations.base import ACTIVATIONS, Activation
from axon.config import Array, constant

# erf on [0, 6] in 12 pieces of width 0.5, a degree-13 polynomial on each: within
# 6e-16 of math.erf (tests/test_activations.py checks it). erf(6) = 1 - 2e-17, which
# float64 rounds to 1, so the last piece serves every larger argument.
_ERF_WIDTH, _ERF_PIECES, _ERF_DEGREE = 0.5, 12, 13


@functools.lru_cache(maxsize=4)
def _erf_table(dtype: np.dtype[Any]) -> Array:
    """``table[k, i]``: erf on piece ``i`` is ``sum_k table[k, i] s^(13 - k)``.

    ``s`` runs over [-1, 1] across the piece. The polynomial interpolates math.erf at
    the 14 Chebyshev points of the piece, which is within a few units in the last
    place of the best polynomial of its degree.
    """
    nodes = np.cos(np.pi * (np.arange(_ERF_DEGREE + 1) + 0.5) / (_ERF_DEGREE + 1))
    vandermonde = np.vander(nodes)  # highest power first, as Horner wants
    table = np.empty((_ERF_DEGREE + 1, _ERF_PIECES))
    for i in range(_ERF_PIECES):
        points = (i + 0.5 + 0.5 * nodes) * _ERF_WIDTH
        values = [math.erf(float(a)) for a in points]
        table[:, i] = np.linalg.solve(vandermonde, values)
    table = table.astype(dtype)
    table.flags.writeable = False
    return table


def erf(x: Array, out: Array | None = None) -> Array:
    """The error function ``erf(x) = 2/sqrt(pi) int_0^x e^{-t^2} dt``, elementwise.

    Written into ``out`` when given (not ``x`` itself). Within 6e-16 of ``math.erf``
    in float64.

    Examples
    --------
    >>> import math, numpy as np
    >>> bool(abs(erf(np.array([0.7]))[0] - math.erf(0.7)) < 1e-15)
    True
    """
    table = _erf_table(x.dtype)
    end = _ERF_WIDTH * _ERF_PIECES
    u = np.minimum(np.abs(x), constant(end, x.dtype))
    u *= constant(1 / _ERF_WIDTH, x.dtype)  # piece coordinate, in [0, 12]
    with np.errstate(invalid="ignore"):  # NaN casts to any index; it stays NaN in u
        piece = u.astype(np.intp)
    np.minimum(piece, _ERF_PIECES - 1, out=piece)
    u -= piece
    u *= constant(2.0, x.dtype)
    u -= constant(1.0, x.dtype)  # s in [-1, 1] on the piece
    y = np.take(table[0], piece, out=out, mode="clip")
    coefficient = np.empty_like(y)
    for row in table[1:]:  # Horner, each element with its own piece's coefficients
        y *= u
        y += np.take(row, piece, out=coefficient, mode="clip")
    return np.copysign(y, x, out=y)  # erf is odd


@ACTIVATIONS.decorator("gelu")
class GELU(Activation):
    """Gaussian error linear unit: ``f(z) = z Phi(z)``, ``Phi(z) = (1 + erf(z/sqrt 2)) / 2``.

    ``f'(z) = Phi(z) + z phi(z)`` with ``phi(z) = e^{-z^2/2} / sqrt(2 pi)``.

    With ``approximate=True``, Hendrycks and Gimpel's tanh form (Keras's and PyTorch's
    ``approximate='tanh'``), with ``u = sqrt(2/pi) (z + 0.044715 z^3)``::

        f(z)  = z (1 + tanh u) / 2
        f'(z) = (1 + tanh u) / 2 + z (1 - tanh^2 u) sqrt(2/pi) (1 + 3 0.044715 z^2) / 2

    Parameters
    ----------
    approximate : bool
        Keras's default False: the exact form.
    """

    name = "gelu"

    def __init__(self, approximate: bool = False) -> None:
        if not isinstance(approximate, (bool, np.bool_)):
            raise TypeError(
                f"Expected a bool. Received: approximate={approximate!r} "
                f"of type {type(approximate).__name__}"
            )
        self.approximate = bool(approximate)

    def _exp_minus_2u(self, x: Array, out: Array | None) -> Array:
        """``e^{-2u}``: no cancellation where tanh u nears +-1, through it.

        ``1 + tanh u = 2 / (1 + e^{-2u})`` and ``1 - tanh u = e^{-2u} (1 + tanh u)``.
        """
        e = np.multiply(x, x, out=out)
        e *= constant(0.044715, x.dtype)
        e += constant(1.0, x.dtype)
        e *= x
        e *= constant(-2 * math.sqrt(2 / math.pi), x.dtype)  # -2u
        # Capped at 80 (e^80 fits float32): below u = -40 the output is 0 to 1e-34 z.
        np.minimum(e, constant(80.0, x.dtype), out=e)
        return np.exp(e, out=e)

    def forward(self, x: Array, out: Array | None = None) -> Array:
        if self.approximate:
            y = self._exp_minus_2u(x, out)
            y += constant(1.0, x.dtype)
            np.divide(constant(2.0, x.dtype), y, out=y)  # 1 + tanh u
        else:
            y = erf(x * constant(1 / math.sqrt(2), x.dtype), out=out)
            y += constant(1.0, x.dtype)  # 2 Phi(z)
        y *= x
        y *= constant(0.5, x.dtype)
        return y

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        one = constant(1.0, x.dtype)
        if self.approximate:
            # f' = (1 + tanh u) / 2 (1 + q (1 - tanh u)), q = z sqrt(2/pi) (1 + 3 0.044715 z^2)
            e = self._exp_minus_2u(x, work)
            inner = np.multiply(x, x)
            inner *= constant(3 * 0.044715, x.dtype)
            inner += one
            inner *= constant(math.sqrt(2 / math.pi), x.dtype)
            inner *= x  # q
            inner *= e
            e += one
            s = np.divide(constant(2.0, x.dtype), e, out=e)  # 1 + tanh u
            inner *= s  # q e^{-2u} (1 + tanh u) = q (1 - tanh u)
            inner += one
            grad_output *= s
            grad_output *= constant(0.5, x.dtype)
            grad_output *= inner
            return grad_output
        # f' = Phi + z phi = (y + z^2 phi) / z, from the y the forward pass kept.
        slope = np.multiply(x, x, out=work)
        slope *= constant(-0.5, x.dtype)
        np.exp(slope, out=slope)
        slope *= x
        slope *= x
        slope *= constant(1 / math.sqrt(2 * math.pi), x.dtype)
        slope += y
        with np.errstate(invalid="ignore", divide="ignore"):
            slope /= x
        np.copyto(slope, 0.5, where=x == 0)  # Phi(0)
        grad_output *= slope
        return grad_output

    def get_config(self) -> dict[str, Any]:
        """``approximate`` when True: the exact GELU is ``"gelu"``."""
        return {"approximate": True} if self.approximate else {}


def _sigmoid(x: Array, out: Array | None, sign: float = 1.0) -> Array:
    """``sigmoid(sign z) = (1 + tanh(sign z / 2)) / 2``, which never overflows."""
    s = np.multiply(x, constant(0.5 * sign, x.dtype), out=out)
    np.tanh(s, out=s)
    s += constant(1.0, x.dtype)
    s *= constant(0.5, x.dtype)
    return s


@ACTIVATIONS.decorator("silu", "swish")
class SiLU(Activation):
    """SiLU (swish): ``f(z) = z sigmoid(z)``, ``f'(z) = sigmoid(z) (1 + z (1 - sigmoid(z)))``."""

    name = "silu"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        y = _sigmoid(x, out)
        y *= x
        return y

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        factor = _sigmoid(x, work, sign=-1.0)  # 1 - sigmoid(z) = sigmoid(-z)
        factor *= x
        factor += constant(1.0, x.dtype)
        grad_output *= factor
        grad_output *= _sigmoid(x, factor)
        return grad_output


@ACTIVATIONS.decorator("softplus")
class Softplus(Activation):
    """Softplus: ``f(z) = log(1 + e^z)``, ``f'(z) = sigmoid(z)``.

    Computed as ``logaddexp(z, 0)``: exact for every ``z``, where PyTorch (and so Keras
    with its PyTorch backend) returns ``z`` itself above 20, 2e-9 short.
    """

    name = "softplus"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        return np.logaddexp(x, constant(0.0, x.dtype), out=out)

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        grad_output *= _sigmoid(x, work)
        return grad_output


@ACTIVATIONS.decorator("softsign")
class Softsign(Activation):
    """Softsign: ``f(z) = z / (1 + |z|)``, ``f'(z) = 1 / (1 + |z|)^2``."""

    name = "softsign"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        y = np.abs(x, out=out)
        y += constant(1.0, x.dtype)
        return np.divide(x, y, out=y)

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        denominator = np.abs(x, out=work)
        denominator += constant(1.0, x.dtype)
        denominator *= denominator
        grad_output /= denominator
        return grad_output


@ACTIVATIONS.decorator("mish")
class Mish(Activation):
    """Mish: ``f(z) = z tanh(softplus(z))``.

    ``f'(z) = t + z sigmoid(z) (1 - t^2)`` with ``t = tanh(softplus(z))``.
    """

    name = "mish"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        y = np.logaddexp(x, constant(0.0, x.dtype), out=out)
        np.tanh(y, out=y)
        y *= x
        return y

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        t = np.logaddexp(x, constant(0.0, x.dtype), out=work)
        np.tanh(t, out=t)
        slope = _sigmoid(x, None)
        slope *= x
        slope *= np.subtract(constant(1.0, x.dtype), t * t)
        slope += t
        grad_output *= slope
        return grad_output


@ACTIVATIONS.decorator("exponential")
class Exponential(Activation):
    """Exponential: ``f(z) = e^z``, ``f'(z) = e^z = f(z)``."""

    name = "exponential"

    def forward(self, x: Array, out: Array | None = None) -> Array:
        return np.exp(x, out=out)

    def backward(
        self, x: Array, y: Array, grad_output: Array, work: Array | None = None
    ) -> Array:
        grad_output *= y
        return grad_output
