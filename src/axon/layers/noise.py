"""Noise layers: regularise by corrupting inputs while training (identity at inference).

Each layer draws from its own :class:`numpy.random.Generator` (``seed``, or a draw
from axon's global one), saved with the model so a resumed run is bit-identical.
Keras accepts ``rate=1`` and then fails on the first training step (a division by
zero); axon refuses it up front.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.layers.base import LAYERS, Layer

# SELU's constants (Klambauer et al. 2017): the negative saturation is -ALPHA * SCALE.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _fraction(value: Any, argument: str, one_allowed: bool) -> float:
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    if not (ok and 0 <= value <= 1 and (one_allowed or value < 1)):
        interval = "between 0 and 1" if one_allowed else "in [0, 1)"
        raise ValueError(f"Expected a float {interval}. Received: {argument}={value!r}")
    return float(value)


class _Noise(Layer):
    """Shared by the noise layers: a seed, a generator, and identity when not training."""

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.rng = config.make_rng(seed)

    def forward(self, x: Array, training: bool = False) -> Array:
        self.mask: Array | None = None  # what a multiplicative noise multiplied by
        return self.noisy(x) if training and self.strength > 0 else x

    def backward(self, grad_output: Array) -> Array | None:
        if not self.needs_input_gradient:
            return None
        if self.mask is not None:  # dL/dx = dL/dy * mask, where y = x * mask + c
            grad_output *= self.mask
        return grad_output

    @property
    def strength(self) -> float:
        """The noise level; zero turns the layer into the identity."""
        raise NotImplementedError

    def noisy(self, x: Array) -> Array:
        """The training output for ``x``."""
        raise NotImplementedError


@LAYERS.decorator("GaussianNoise")
class GaussianNoise(_Noise):
    """Add zero-centred Gaussian noise while training: ``y = x + stddev * e``.

    ``e ~ N(0, 1)`` is drawn afresh for every entry of every batch, and
    ``dL/dx = dL/dy``. At inference the layer is the identity.

    Parameters
    ----------
    stddev : float
        Standard deviation of the noise, between 0 and 1 (Keras's bounds).
    seed : int, optional
        Seed of the layer's generator.

    Examples
    --------
    >>> import numpy as np, axon
    >>> layer = axon.layers.GaussianNoise(0.1, seed=0)
    >>> layer(np.ones((1, 3)), training=False)
    array([[1., 1., 1.]], dtype=float32)
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed, **kwargs)
        self.stddev = _fraction(stddev, "stddev", one_allowed=True)

    @property
    def strength(self) -> float:
        return self.stddev

    def noisy(self, x: Array) -> Array:
        y = self.buffer("y", x.shape, x.dtype)
        self.rng.standard_normal(out=y, dtype=x.dtype)
        y *= config.constant(self.stddev, x.dtype)
        y += x
        return y

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


@LAYERS.decorator("GaussianDropout")
class GaussianDropout(_Noise):
    """Multiply by one-centred Gaussian noise while training: ``y = x * m``.

    ``m ~ N(1, rate / (1 - rate))`` (standard deviation ``sqrt(rate / (1 - rate))``,
    the variance of inverted Dropout's mask) for every entry, and
    ``dL/dx = dL/dy * m``. At inference the layer is the identity.

    Parameters
    ----------
    rate : float
        Drop probability, as for Dropout, in ``[0, 1)``.
    seed : int, optional
        Seed of the layer's generator.
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed, **kwargs)
        self.rate = _fraction(rate, "rate", one_allowed=False)

    @property
    def strength(self) -> float:
        return self.rate

    def noisy(self, x: Array) -> Array:
        mask = self.mask = self.buffer("mask", x.shape, x.dtype)
        self.rng.standard_normal(out=mask, dtype=x.dtype)
        mask *= config.constant(math.sqrt(self.rate / (1.0 - self.rate)), x.dtype)
        mask += config.constant(1.0, x.dtype)
        return np.multiply(x, mask, out=self.buffer("y", x.shape, x.dtype))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


@LAYERS.decorator("AlphaDropout")
class AlphaDropout(_Noise):
    """Dropout for SELU networks: keeps the inputs' mean and variance while training.

    Each entry is kept with probability ``1 - rate`` (``k = 1``) or set to SELU's
    negative saturation ``alpha' = -alpha * scale`` (``k = 0``); an affine map then
    restores zero mean and unit variance::

        a = ((1 - rate) (1 + rate alpha'^2))^(-1/2),   b = -a alpha' rate
        y = a (x k + alpha' (1 - k)) + b,               dL/dx = dL/dy * a k

    At inference the layer is the identity.

    Parameters
    ----------
    rate : float
        Drop probability in ``[0, 1)``.
    noise_shape : tuple of int or None, optional
        Shape of the mask, batch axis included, broadcast against the input; ``None``
        entries take the input's size. ``(None, 1, features)`` on
        ``(batch, steps, features)`` drops the same features at every step.
    seed : int, optional
        Seed of the layer's generator.
    """

    def __init__(
        self,
        rate: float,
        noise_shape: tuple[int | None, ...] | list[int | None] | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(seed, **kwargs)
        self.rate = _fraction(rate, "rate", one_allowed=False)
        if noise_shape is not None:
            entries = (
                list(noise_shape) if isinstance(noise_shape, (list, tuple)) else []
            )
            if not entries or not all(
                d is None
                or (
                    isinstance(d, (int, np.integer))
                    and not isinstance(d, bool)
                    and d > 0
                )
                for d in entries
            ):
                raise ValueError(
                    "Expected a tuple of positive integers or None, batch axis "
                    f"included. Received: noise_shape={noise_shape!r}"
                )
            noise_shape = [None if d is None else int(d) for d in entries]
        self.noise_shape = noise_shape

    @property
    def strength(self) -> float:
        return self.rate

    def _mask_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        if self.noise_shape is None:
            return shape
        concrete = tuple(
            n if d is None else d for d, n in zip(self.noise_shape, shape, strict=False)
        )
        if len(self.noise_shape) != len(shape) or any(
            d not in (1, n) for d, n in zip(concrete, shape, strict=True)
        ):
            raise ValueError(
                f"AlphaDropout {self.name!r} cannot broadcast a mask of "
                f"noise_shape={self.noise_shape} to inputs of shape {shape}"
            )
        return concrete

    def noisy(self, x: Array) -> Array:
        dtype, rate = x.dtype, self.rate
        saturation = -SELU_ALPHA * SELU_SCALE  # alpha'
        a = ((1 - rate) * (1 + rate * saturation**2)) ** -0.5
        b = -a * saturation * rate
        # mask = a k; offset = a alpha' (1 - k) + b = (a alpha' + b) - alpha' mask
        mask = self.mask = self.buffer("mask", self._mask_shape(x.shape), dtype)
        self.rng.random(out=mask, dtype=dtype)
        np.greater_equal(mask, config.constant(rate, dtype), out=mask)
        mask *= config.constant(a, dtype)
        offset = self.buffer("offset", mask.shape, dtype)
        np.multiply(mask, config.constant(-saturation, dtype), out=offset)
        offset += config.constant(a * saturation + b, dtype)
        y = np.multiply(x, mask, out=self.buffer("y", x.shape, dtype))
        y += offset
        return y

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rate": self.rate,
            "noise_shape": self.noise_shape,
            "seed": self.seed,
        }
