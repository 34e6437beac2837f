"""What a sweep may vary: the tutorial's table, its checks, grids and random samples.

A *point* is a dict ``{hyperparameter: value}``; :func:`grid` crosses lists of values
into points, :func:`sample` draws points from ranges (:class:`Range`), and
:func:`parse` reads the command line's ``learning_rate=1e-4,1e-3`` and
``learning_rate=1e-5:1e-1:log``. Every value is checked before the first trial runs,
and never rounded into range: ``hidden_units=2.7`` is refused, not run with 2 units
under the label 2.7.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# name: (too small, too large, good starting point, values tried by default)
TABLE: dict[str, tuple[str, str, str, tuple[float, ...]]] = {
    "learning_rate": (
        "slow convergence",
        "diverges / oscillates",
        "0.001 (Adam)",
        (1e-4, 1e-3, 1e-2, 1e-1, 1.0),
    ),
    "hidden_units": ("underfitting", "overfitting + slow", "64-256", (2, 8, 64, 256)),
    "batch_size": ("noisy gradients", "memory issues", "32-128", (2, 16, 64, 120)),
    "layers": ("underfitting", "vanishing gradients", "2-5", (1, 2, 4, 8)),
    "dropout": ("no regularisation", "underfitting", "0.2-0.5", (0.0, 0.2, 0.5, 0.8)),
}

# What each hyperparameter accepts, as a rule and its words for the error message.
_RULES: dict[str, tuple[Callable[[float], bool], str]] = {
    "learning_rate": (lambda v: v > 0, "a positive number"),
    "hidden_units": (lambda v: v >= 1 and float(v).is_integer(), "a positive integer"),
    "batch_size": (lambda v: v >= 1 and float(v).is_integer(), "a positive integer"),
    "layers": (lambda v: v >= 1 and float(v).is_integer(), "a positive integer"),
    "dropout": (lambda v: 0 <= v < 1, "a number in [0, 1)"),
}
INTEGERS = ("hidden_units", "batch_size", "layers")

Point = dict[str, float]


@dataclass
class Settings:
    """One point of the sweep: the tutorial's configuration, some values changed."""

    learning_rate: float = 0.001
    hidden_units: int = 64  # the first hidden layer; the next ones have half
    batch_size: int = 16
    layers: int = 2
    dropout: float = 0.3

    def with_value(self, name: str, value: float) -> Settings:
        """A copy with ``name`` set to ``value``, checked (see :func:`check_values`)."""
        return self.with_values({name: value})

    def with_values(self, point: Mapping[str, float]) -> Settings:
        """A copy with every hyperparameter of ``point`` set, each checked."""
        changed = {}
        for name, value in point.items():
            (value,) = check_values(name, [value])
            changed[name] = type(getattr(self, name))(value)
        return Settings(**{**self.__dict__, **changed})

    def hidden(self) -> list[int]:
        """Units per hidden layer: ``hidden_units``, then halves, at least 2."""
        return [max(2, self.hidden_units // 2**i) for i in range(self.layers)]


def check_name(name: str) -> str:
    """Return ``name`` if the table has it; else a ValueError naming the closest."""
    if name not in TABLE:
        close = difflib.get_close_matches(str(name), TABLE, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"Expected a hyperparameter from the table ({', '.join(TABLE)}). "
            f"Received: {name!r}{hint}"
        )
    return name


def check_values(name: str, values: Sequence[float] | None) -> list[float]:
    """Return the values to try for ``name`` (the table's by default), all checked.

    Examples
    --------
    >>> check_values("batch_size", [0.5])
    Traceback (most recent call last):
    ...
    ValueError: Expected a positive integer for batch_size. Received: 0.5
    """
    check_name(name)
    values = list(TABLE[name][3] if values is None else values)
    if not values:
        raise ValueError(f"Expected values to try for {name!r}. Received: none")
    rule, words = _RULES[name]
    for value in values:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (ok and math.isfinite(value) and rule(value)):
            raise ValueError(f"Expected {words} for {name}. Received: {value!r}")
    return values


@dataclass(frozen=True)
class Range:
    """Where :func:`sample` draws a hyperparameter: ``[low, high]``, maybe log-uniform.

    Integer hyperparameters (``hidden_units``, ``batch_size``, ``layers``) draw
    whole numbers in ``[low, high]``; a log range draws ``exp(U(log low, log high))``.
    """

    low: float
    high: float
    log: bool = False

    def check(self, name: str) -> Range:
        """Self, if both ends are values ``name`` accepts and ``low < high``."""
        check_values(name, [self.low, self.high])
        if not self.low < self.high:
            raise ValueError(
                f"Expected a range low:high with low < high for {name}. "
                f"Received: {self.low:g}:{self.high:g}"
            )
        if self.log and self.low <= 0:
            raise ValueError(
                f"Expected a positive low end for the log range of {name}. "
                f"Received: {self.low:g}:{self.high:g}:log"
            )
        return self

    def draw(self, name: str, rng: np.random.Generator) -> float:
        """One value, drawn with ``rng``."""
        if self.log:
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        else:
            value = rng.uniform(self.low, self.high)
        if name in INTEGERS:
            return float(min(max(round(value), self.low), self.high))
        return float(value)

    def __str__(self) -> str:
        return f"{self.low:g}:{self.high:g}" + (":log" if self.log else "")


Space = Mapping[str, "Sequence[float] | Range"]


def grid(space: Mapping[str, Sequence[float]]) -> list[Point]:
    """Every combination of the values, the first hyperparameter varying slowest.

    Examples
    --------
    >>> grid({"learning_rate": [0.001, 0.01], "layers": [1, 2]})  # doctest: +NORMALIZE_WHITESPACE
    [{'learning_rate': 0.001, 'layers': 1}, {'learning_rate': 0.001, 'layers': 2},
     {'learning_rate': 0.01, 'layers': 1}, {'learning_rate': 0.01, 'layers': 2}]
    """
    if not space:
        raise ValueError(
            "Expected at least one hyperparameter to sweep. Received: none"
        )
    lists = {}
    for name, values in space.items():
        if isinstance(values, Range):
            raise ValueError(
                f"Expected a list of values for {name} in a grid; a range ({values}) "
                "needs random sampling (--random N)"
            )
        lists[name] = check_values(name, list(values))
    return [
        dict(zip(lists, combo, strict=True))
        for combo in itertools.product(*lists.values())
    ]


def sample(space: Space, n: int, seed: int = 0) -> list[Point]:
    """``n`` points drawn at random: a :class:`Range` is sampled, a list is chosen from.

    The draws depend only on ``space``, ``n`` and ``seed``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"Expected a positive integer. Received: n={n!r}")
    if not space:
        raise ValueError(
            "Expected at least one hyperparameter to sweep. Received: none"
        )
    checked: dict[str, Range | list[float]] = {
        name: values.check(name)
        if isinstance(values, Range)
        else check_values(name, list(values))
        for name, values in space.items()
    }
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(n):
        point = {}
        for name, values in checked.items():
            if isinstance(values, Range):
                point[name] = values.draw(name, rng)
            else:
                point[name] = values[int(rng.integers(len(values)))]
        points.append(point)
    return points


def _number(name: str, text: str, whole: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not text.strip() or not math.isfinite(value):
        raise ValueError(
            f"Expected comma-separated numbers (1e-4,1e-3) or a range low:high[:log] "
            f"for {name}. Received: {whole!r}"
        )
    return int(value) if value.is_integer() and name in INTEGERS else value


def parse(text: str) -> tuple[str, list[float] | Range]:
    """Read ``NAME=v1,v2`` (a name and its values) or ``NAME=low:high[:log]`` (a Range).

    Each is checked against the table.

    Examples
    --------
    >>> parse("hidden_units=16,64")
    ('hidden_units', [16, 64])
    >>> parse("learning_rate=1e-5:1e-1:log")
    ('learning_rate', Range(low=1e-05, high=0.1, log=True))
    >>> parse("learning_rate=0.1,,1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Expected comma-separated numbers ... Received: '0.1,,1'
    """
    name, equals, values = text.partition("=")
    name = name.strip()
    if not equals or not name:
        raise ValueError(
            "Expected NAME=VALUES such as learning_rate=1e-4,1e-3 or "
            f"learning_rate=1e-5:1e-1:log. Received: {text!r}"
        )
    check_name(name)
    if ":" in values:
        parts = values.split(":")
        log = len(parts) == 3 and parts[2].strip() == "log"
        if len(parts) not in (2, 3) or (len(parts) == 3 and not log):
            _number(name, "", values)  # raises, quoting what was typed
        low, high = (_number(name, p, values) for p in parts[:2])
        return name, Range(low, high, log).check(name)
    return name, check_values(
        name, [_number(name, v, values) for v in values.split(",")]
    )


def label(point: Mapping[str, Any]) -> str:
    """``learning_rate=0.001, hidden_units=64``: a point as people read it."""
    return ", ".join(f"{name}={value:g}" for name, value in point.items())
