"""Weight initializers, with Keras's names and formulas.

An initializer is called as ``init(shape, dtype, rng)`` and returns a new array. For a
kernel of shape ``(fan_in, fan_out)``, :class:`VarianceScaling` draws with variance
``scale / n`` where ``n`` is ``fan_in``, ``fan_out`` or their mean; the named
initializers are its special cases:

=================  =====  ========  ==================
name               scale  mode      distribution
=================  =====  ========  ==================
``glorot_uniform``  1     fan_avg   uniform
``glorot_normal``   1     fan_avg   truncated normal
``he_normal``       2     fan_in    truncated normal
``he_uniform``      2     fan_in    uniform
``lecun_normal``    1     fan_in    truncated normal
``lecun_uniform``   1     fan_in    uniform
=================  =====  ========  ==================

The truncated normal is cut at two standard deviations, and its standard deviation is
divided by 0.8796 (the standard deviation of a unit normal truncated that way) so the
drawn weights keep the intended variance, as Keras does.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from axon import config
from axon.config import Array
from axon.registry import Registry, build
from axon.registry import serialize as serialize_component

INITIALIZERS: Registry[type[Initializer]] = Registry("initializer")

_TRUNCATED_STD = 0.87962566103423978  # std of N(0, 1) truncated to [-2, 2]


class Initializer:
    """Base class: ``init(shape, dtype=None, rng=None)`` returns a new array."""

    name: ClassVar[str] = "initializer"

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed

    def __call__(
        self,
        shape: tuple[int, ...],
        dtype: str | None = None,
        rng: np.random.Generator | None = None,
    ) -> Array:
        if rng is None:
            rng = config.make_rng(self.seed)
        return np.asarray(
            self.sample(tuple(shape), rng), dtype=dtype or config.floatx()
        )

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        """Return float64 values of ``shape`` drawn from ``rng``."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments."""
        return {"seed": self.seed}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@INITIALIZERS.decorator("zeros")
class Zeros(Initializer):
    """All zeros."""

    name = "zeros"

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        return np.zeros(shape)

    def get_config(self) -> dict[str, Any]:
        return {}


@INITIALIZERS.decorator("ones")
class Ones(Initializer):
    """All ones."""

    name = "ones"

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        return np.ones(shape)

    def get_config(self) -> dict[str, Any]:
        return {}


@INITIALIZERS.decorator("constant")
class Constant(Initializer):
    """Every entry equal to ``value``."""

    name = "constant"

    def __init__(self, value: float = 0.0) -> None:
        super().__init__(None)
        self.value = float(value)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        return np.full(shape, self.value)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


@INITIALIZERS.decorator("random_normal")
class RandomNormal(Initializer):
    """Normal with ``mean`` and ``stddev`` (Keras defaults 0 and 0.05)."""

    name = "random_normal"

    def __init__(
        self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None
    ):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        return rng.normal(self.mean, self.stddev, size=shape)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


@INITIALIZERS.decorator("random_uniform")
class RandomUniform(Initializer):
    """Uniform on ``[minval, maxval)`` (Keras defaults -0.05 and 0.05)."""

    name = "random_uniform"

    def __init__(
        self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None
    ) -> None:
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        return rng.uniform(self.minval, self.maxval, size=shape)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)``: rows and columns of a kernel, ``n`` for a vector."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


@INITIALIZERS.decorator("variance_scaling")
class VarianceScaling(Initializer):
    """Draw with variance ``scale / n``; ``n`` set by ``mode`` (see the module table)."""

    name = "variance_scaling"
    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
    ) -> None:
        super().__init__(seed)
        if not scale > 0:
            raise ValueError(f"Expected a positive scale. Received: scale={scale!r}")
        if mode not in self._MODES:
            raise ValueError(f"Expected mode in {self._MODES}. Received: mode={mode!r}")
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(
                f"Expected distribution in {self._DISTRIBUTIONS}. "
                f"Received: distribution={distribution!r}"
            )
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        variance = self.scale / max(1.0, n[self.mode])
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, size=shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), size=shape)
        return truncated_normal(shape, math.sqrt(variance) / _TRUNCATED_STD, rng)

    def get_config(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
        }


def truncated_normal(
    shape: tuple[int, ...], stddev: float, rng: np.random.Generator
) -> Array:
    """Normal(0, stddev) redrawn until every value lies within two standard deviations."""
    values = rng.normal(0.0, stddev, size=shape)
    outside = np.abs(values) > 2 * stddev
    while outside.any():
        values[outside] = rng.normal(0.0, stddev, size=int(outside.sum()))
        outside = np.abs(values) > 2 * stddev
    return values


def _variance_scaling_preset(
    name: str, scale: float, mode: str, distribution: str
) -> type[VarianceScaling]:
    """Make a named VarianceScaling subclass whose config is just ``seed``."""

    def __init__(self: VarianceScaling, seed: int | None = None) -> None:
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self: VarianceScaling) -> dict[str, Any]:
        return {"seed": self.seed}

    class_name = "".join(part.capitalize() for part in name.split("_"))
    cls = type(
        class_name,
        (VarianceScaling,),
        {
            "__init__": __init__,
            "get_config": get_config,
            "name": name,
            "__doc__": f"VarianceScaling(scale={scale}, mode={mode!r}, "
            f"distribution={distribution!r}).",
        },
    )
    INITIALIZERS.register(name, cls)
    return cls


GlorotUniform = _variance_scaling_preset("glorot_uniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance_scaling_preset(
    "glorot_normal", 1.0, "fan_avg", "truncated_normal"
)
HeNormal = _variance_scaling_preset("he_normal", 2.0, "fan_in", "truncated_normal")
HeUniform = _variance_scaling_preset("he_uniform", 2.0, "fan_in", "uniform")
LecunNormal = _variance_scaling_preset(
    "lecun_normal", 1.0, "fan_in", "truncated_normal"
)
LecunUniform = _variance_scaling_preset("lecun_uniform", 1.0, "fan_in", "uniform")


def get(identifier: str | Initializer | dict[str, Any]) -> Initializer:
    """Return an initializer from a name, a config dict or an instance.

    Examples
    --------
    >>> get("he_normal")
    HeNormal(seed=None)
    """
    if isinstance(identifier, Initializer):
        return identifier
    return build(
        INITIALIZERS, identifier, "initializer", "an axon.initializers.Initializer"
    )


def serialize(initializer: Initializer) -> str | dict[str, Any]:
    """Return the name, or a config dict when the initializer has non-default arguments."""
    config_ = {k: v for k, v in initializer.get_config().items() if v is not None}
    return serialize_component(initializer.name, config_)
