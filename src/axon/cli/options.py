"""Parsing and checking the numbers people type, for every ``axon`` subcommand.

Each parser refuses what it cannot take exactly, quoting what was typed: ``2.7`` is not
an integer (never truncated to 2), ``64,,32`` has an empty item (never read as 64,32).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any


def _integer(text: str) -> int:
    """``"64"`` -> 64; anything else (``"2.7"``, ``"1e3"``, ``"x"``) raises ValueError."""
    return int(text.strip())  # int("2.7") raises: no silent truncation


def _number(text: str) -> float:
    value = float(text.strip())
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def numbers(
    kind: type,
    example: str,
    rule: Callable[[Any], bool] | None = None,
    broken: str = "",
) -> Callable[[str], list[Any]]:
    """An argparse type for comma-separated numbers; ``rule`` checks each value."""
    noun = "integers" if kind is int else "numbers"
    convert = _integer if kind is int else _number

    def parse(text: str) -> list[Any]:
        items = text.split(",")
        if any(not item.strip() for item in items):
            raise argparse.ArgumentTypeError(
                f"expected comma-separated {noun} such as {example} with no empty "
                f"item, got {text!r}"
            )
        try:
            values = [convert(item) for item in items]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated {noun} such as {example}, got {text!r}"
            ) from None
        if rule is not None and not all(rule(v) for v in values):
            raise argparse.ArgumentTypeError(f"{broken}, got {text!r}")
        return values

    return parse


def positive(kind: type) -> Callable[[str], Any]:
    """An argparse type for one positive integer or number, refused as typed."""
    noun = "a positive integer" if kind is int else "a positive number"

    def parse(text: str) -> Any:
        try:
            value = _integer(text) if kind is int else _number(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}")
        return value

    return parse


def integer(text: str) -> int:
    """An argparse type for one integer (a seed, a patience)."""
    try:
        return _integer(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def non_negative(text: str) -> float:
    """An argparse type for a number >= 0 (a weight decay)."""
    try:
        value = _number(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def fraction(text: str) -> float:
    """An argparse type for a number in [0, 1)."""
    try:
        value = _number(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    return value


int_list = numbers(int, "64,32", lambda v: v >= 1, "expected positive integers")
rate_list = numbers(
    float, "0.3,0.2", lambda v: 0 <= v < 1, "dropout rates must lie in [0, 1)"
)
number_list = numbers(float, "0.001,0.01")
