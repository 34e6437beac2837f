"""Learning-rate schedules: the learning rate as a function of the optimizer's step.

An optimizer given a schedule evaluates it at ``optimizer.iterations``, the number of
steps already taken (0 for the first update), exactly as Keras does. Every schedule
is a pure function of the step, so a model saved mid-training resumes on the same
curve. The arithmetic is Python's float64; Keras computes in float32, which agrees to
about 1e-7 relative.
"""

from __future__ import annotations

import inspect
import math
import numbers
from typing import Any

from axon.registry import Registry

SCHEDULES: Registry[type[LearningRateSchedule]] = Registry("learning rate schedule")


def _number(value: Any) -> bool:
    """A finite real number (NumPy's included), not a bool."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def check_rate(value: Any, name: str) -> float:
    """Return a finite, non-negative learning rate or raise a ValueError naming it."""
    if not (_number(value) and value >= 0):
        raise ValueError(f"Expected a non-negative float. Received: {name}={value!r}")
    return float(value)


def check_steps(value: Any, name: str) -> int | float:
    """Return a positive step count (Keras's ``decay_steps must be > 0``)."""
    if not (_number(value) and value > 0):
        raise ValueError(f"Expected a number of steps > 0. Received: {name}={value!r}")
    return value


def check_range(value: Any, name: str, low: float, high: float) -> float:
    """Return a float in ``[low, high]`` or raise a ValueError naming it."""
    if not (_number(value) and low <= value <= high):
        raise ValueError(
            f"Expected a float between {low:g} and {high:g}. Received: {name}={value!r}"
        )
    return float(value)


def arguments_of(cls: type) -> list[str]:
    """The named arguments of ``cls``'s constructor, in order (``get_config``'s keys)."""
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    parameters = inspect.signature(cls.__init__).parameters.values()  # type: ignore[misc]
    return [p.name for p in list(parameters)[1:] if p.kind in named]


class LearningRateSchedule:
    """Base class: ``schedule(step)`` returns the learning rate at that step.

    Subclass it and implement ``__call__`` for a schedule of your own
    (``get_config`` reads each constructor argument from the attribute of its name);
    ``SCHEDULES.register("MySchedule", MySchedule)`` lets a saved model using it load.
    """

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments, each kept as the attribute of its name."""
        return {name: getattr(self, name) for name in arguments_of(type(self))}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        """Rebuild the schedule from :meth:`get_config`."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@SCHEDULES.decorator("ExponentialDecay")
class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    With ``staircase=True`` the exponent is ``floor(step / decay_steps)``.

    Examples
    --------
    >>> ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(20)
    0.025
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        self.initial_learning_rate = check_rate(
            initial_learning_rate, "initial_learning_rate"
        )
        self.decay_steps = check_steps(decay_steps, "decay_steps")
        if not (_number(decay_rate) and decay_rate > 0):
            raise ValueError(
                f"Expected a positive float. Received: decay_rate={decay_rate!r}"
            )
        self.decay_rate = float(decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate**p


@SCHEDULES.decorator("PiecewiseConstantDecay")
class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to ``boundaries[0]`` (inclusive), ``values[1]`` up to the next...

    Examples
    --------
    >>> schedule = PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])
    >>> schedule(10), schedule(11), schedule(21)
    (0.1, 0.01, 0.001)
    """

    def __init__(
        self,
        boundaries: list[int],
        values: list[float],
        name: str = "PiecewiseConstant",
    ) -> None:
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "Expected one boundary fewer than values. Received: "
                f"boundaries={boundaries} (length {len(boundaries)}), "
                f"values={values} (length {len(values)})"
            )
        if not all(_number(b) for b in boundaries) or boundaries != sorted(boundaries):
            raise ValueError(
                f"Expected increasing step numbers. Received: boundaries={boundaries}"
            )
        self.boundaries = boundaries
        self.values = [check_rate(v, "values") for v in values]
        self.name = name

    def __call__(self, step: int) -> float:
        for boundary, value in zip(self.boundaries, self.values, strict=False):
            if step <= boundary:
                return value
        return self.values[-1]


@SCHEDULES.decorator("PolynomialDecay")
class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` along ``(1 - p) ** power``.

    ``p = min(step, decay_steps) / decay_steps``; with ``cycle=True`` the decay
    restarts, over ``decay_steps * ceil(step / decay_steps)`` steps::

        lr = (initial - end) * (1 - p) ** power + end

    Examples
    --------
    >>> PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0)(5)
    0.05
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        self.initial_learning_rate = check_rate(
            initial_learning_rate, "initial_learning_rate"
        )
        self.decay_steps = check_steps(decay_steps, "decay_steps")
        self.end_learning_rate = check_rate(end_learning_rate, "end_learning_rate")
        if not (_number(power) and power > 0):
            raise ValueError(f"Expected a positive float. Received: power={power!r}")
        self.power = float(power)
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step: int) -> float:
        decay_steps: float = self.decay_steps
        if self.cycle:
            decay_steps *= max(1, math.ceil(step / self.decay_steps))
        p = min(step, decay_steps) / decay_steps
        span = self.initial_learning_rate - self.end_learning_rate
        return span * (1 - p) ** self.power + self.end_learning_rate


@SCHEDULES.decorator("InverseTimeDecay")
class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    With ``staircase=True``, ``step / decay_steps`` is floored.

    Examples
    --------
    >>> InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)(2)
    0.05
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        self.initial_learning_rate = check_rate(
            initial_learning_rate, "initial_learning_rate"
        )
        self.decay_steps = check_steps(decay_steps, "decay_steps")
        self.decay_rate = check_rate(decay_rate, "decay_rate")
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1 + self.decay_rate * p)


def _cosine(fraction: float, alpha: float) -> float:
    """Half a cosine from 1 to ``alpha`` as ``fraction`` goes from 0 to 1."""
    return (1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha


@SCHEDULES.decorator("CosineDecay")
class CosineDecay(LearningRateSchedule):
    """Cosine decay (Loshchilov & Hutter, 2017), with an optional linear warm-up.

    Without warm-up, for ``s = min(step, decay_steps)``::

        lr = initial_learning_rate * ((1 - alpha) * (1 + cos(pi s / decay_steps)) / 2
                                      + alpha)

    With ``warmup_target``, the rate first climbs linearly from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps`` steps, then
    decays from ``warmup_target`` as above over the next ``decay_steps``.

    Examples
    --------
    >>> schedule = CosineDecay(0.0, decay_steps=10, warmup_target=0.1, warmup_steps=5)
    >>> round(schedule(0), 6), round(schedule(5), 6), round(schedule(10), 6)
    (0.0, 0.1, 0.05)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        self.initial_learning_rate = check_rate(
            initial_learning_rate, "initial_learning_rate"
        )
        self.decay_steps = check_steps(decay_steps, "decay_steps")
        self.alpha = check_range(alpha, "alpha", 0, 1)
        self.name = name
        self.warmup_target = (
            None
            if warmup_target is None
            else check_rate(warmup_target, "warmup_target")
        )
        if not (_number(warmup_steps) and warmup_steps >= 0):
            raise ValueError(
                f"Expected a number of steps >= 0. Received: warmup_steps={warmup_steps!r}"
            )
        self.warmup_steps = warmup_steps

    def __call__(self, step: int) -> float:
        if self.warmup_target is None:
            fraction = min(step, self.decay_steps) / self.decay_steps
            return self.initial_learning_rate * _cosine(fraction, self.alpha)
        at = min(step, self.decay_steps + self.warmup_steps)
        if at < self.warmup_steps:
            rise = self.warmup_target - self.initial_learning_rate
            return rise * at / self.warmup_steps + self.initial_learning_rate
        fraction = (at - self.warmup_steps) / self.decay_steps
        return self.warmup_target * _cosine(fraction, self.alpha)


@SCHEDULES.decorator("CosineDecayRestarts")
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts, SGDR (Loshchilov & Hutter, 2017).

    The first period lasts ``first_decay_steps``; each next one is ``t_mul`` times
    longer and starts from ``m_mul`` times the previous peak. Within period ``i``, at
    the fraction ``f`` of it::

        lr = initial_learning_rate * ((1 - alpha) * m_mul**i * (1 + cos(pi f)) / 2
                                      + alpha)

    ``t_mul`` must be at least 1 here (Keras accepts less, but periods that shrink
    add up to a finite number of steps, after which its rate is NaN).

    Examples
    --------
    >>> schedule = CosineDecayRestarts(0.1, first_decay_steps=10)
    >>> round(schedule(5), 6), round(schedule(10), 6), round(schedule(20), 6)
    (0.05, 0.1, 0.05)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: int,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ) -> None:
        self.initial_learning_rate = check_rate(
            initial_learning_rate, "initial_learning_rate"
        )
        self.first_decay_steps = check_steps(first_decay_steps, "first_decay_steps")
        if not (_number(t_mul) and t_mul >= 1):
            raise ValueError(f"Expected a float >= 1. Received: t_mul={t_mul!r}")
        self.t_mul = float(t_mul)
        self.m_mul = check_rate(m_mul, "m_mul")
        self.alpha = check_range(alpha, "alpha", 0, 1)
        self.name = name

    def __call__(self, step: int) -> float:
        fraction = step / self.first_decay_steps
        t_mul = self.t_mul
        if t_mul == 1:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            # Periods 1, t, t^2... end at (1 - t^i) / (1 - t) first periods.
            restart = math.floor(math.log(1 - fraction * (1 - t_mul)) / math.log(t_mul))
            # The logarithm can round a step that starts a period into the one before.
            if (1 - t_mul ** (restart + 1)) / (1 - t_mul) <= fraction:
                restart += 1
            done = (1 - t_mul**restart) / (1 - t_mul)
            fraction = (fraction - done) / t_mul**restart
        peak = self.m_mul**restart
        cosine = 0.5 * peak * (1 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """A schedule as ``{"class_name": ..., "config": ...}``, Keras's layout."""
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict[str, Any]) -> LearningRateSchedule:
    """Rebuild a schedule from :func:`serialize` (Keras's ``module`` key is ignored)."""
    if not (isinstance(config, dict) and isinstance(config.get("class_name"), str)):
        raise TypeError(
            "Expected a schedule config such as {'class_name': 'ExponentialDecay', "
            f"'config': {{...}}}}. Received: learning_rate={config!r}"
        )
    cls = SCHEDULES.lookup(config["class_name"])
    try:
        return cls.from_config(dict(config.get("config") or {}))
    except TypeError as error:  # an argument the constructor does not take
        raise ValueError(
            f"Bad arguments for the schedule {config['class_name']!r}: {error}"
        ) from None
