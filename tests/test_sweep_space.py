"""What a sweep may vary: names, value lists, ranges, grids and random points."""

from __future__ import annotations

import math

import numpy as np
import pytest

from axon import sweep
from axon.sweep.space import Range, parse


def test_a_grid_crosses_every_value_the_first_name_slowest() -> None:
    points = sweep.grid({"learning_rate": [1e-4, 1e-3, 1e-2], "hidden_units": [16, 64]})
    assert len(points) == 6
    assert points[0] == {"learning_rate": 1e-4, "hidden_units": 16}
    assert points[1] == {"learning_rate": 1e-4, "hidden_units": 64}
    assert points[-1] == {"learning_rate": 1e-2, "hidden_units": 64}


def test_parse_reads_lists_and_ranges_as_typed() -> None:
    assert parse("learning_rate=1e-4,1e-3,1e-2") == (
        "learning_rate",
        [1e-4, 1e-3, 1e-2],
    )
    _, values = parse("hidden_units=16,64,256")
    assert values == [16, 64, 256] and all(isinstance(v, int) for v in values)
    assert parse("learning_rate=1e-5:1e-1:log") == (
        "learning_rate",
        Range(1e-5, 1e-1, True),
    )
    assert parse("dropout=0:0.5") == ("dropout", Range(0.0, 0.5))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("momentum=0.9", "Expected a hyperparameter from the table"),
        ("learning_rat=0.1", "did you mean 'learning_rate'"),
        ("learning_rate", "Expected NAME=VALUES"),
        ("=0.1", "Expected NAME=VALUES"),
        ("learning_rate=0.1,,1", "Received: '0.1,,1'"),
        ("learning_rate=", "Received: ''"),
        ("learning_rate=fast", "Received: 'fast'"),
        ("learning_rate=nan", "Received: 'nan'"),
        ("learning_rate=1e-5:1e-1:ln", "Received: '1e-5:1e-1:ln'"),
        ("learning_rate=1:2:log:x", "Received: '1:2:log:x'"),
        ("learning_rate=0.1:0.01", "low < high for learning_rate. Received: 0.1:0.01"),
        ("dropout=0:1", "a number in [0, 1) for dropout. Received: 1"),
        ("dropout=0:0.5:log", "a positive low end for the log range of dropout"),
        ("hidden_units=8,2.7", "a positive integer for hidden_units. Received: 2.7"),
        ("hidden_units=1.5:64", "a positive integer for hidden_units. Received: 1.5"),
        ("learning_rate=-0.1", "a positive number for learning_rate. Received: -0.1"),
    ],
)
def test_malformed_values_and_unknown_names_are_refused_by_name(
    text: str, message: str
) -> None:
    with pytest.raises(ValueError, match="Expected") as caught:
        parse(text)
    assert message in str(caught.value)


def test_a_range_in_a_grid_asks_for_random_sampling() -> None:
    with pytest.raises(ValueError, match=r"needs random sampling \(--random N\)"):
        sweep.grid({"learning_rate": Range(1e-5, 1e-1, True)})
    with pytest.raises(ValueError, match="at least one hyperparameter"):
        sweep.grid({})


def test_sample_draws_from_ranges_and_lists_repeatably() -> None:
    space = {
        "learning_rate": Range(1e-5, 1e-1, log=True),
        "hidden_units": Range(16, 256),
        "layers": [1, 2, 3],
    }
    points = sweep.sample(space, 400, seed=3)
    assert points == sweep.sample(space, 400, seed=3)
    assert points != sweep.sample(space, 400, seed=4)
    rates = np.array([p["learning_rate"] for p in points])
    assert rates.min() >= 1e-5 and rates.max() <= 1e-1
    # Log-uniform: each decade gets about a quarter of the draws.
    decades = np.histogram(np.log10(rates), bins=[-5, -4, -3, -2, -1])[0]
    assert decades.min() > 60
    units = [p["hidden_units"] for p in points]
    assert all(float(u).is_integer() and 16 <= u <= 256 for u in units)
    assert {p["layers"] for p in points} == {1, 2, 3}
    for point in points:  # every drawn point is a valid configuration
        sweep.Settings().with_values(point)
    with pytest.raises(ValueError, match="Received: n=0"):
        sweep.sample(space, 0)


def test_settings_take_several_values_and_refuse_what_would_be_rounded() -> None:
    settings = sweep.Settings().with_values({"layers": 3.0, "hidden_units": 32})
    assert settings.hidden() == [32, 16, 8] and isinstance(settings.layers, int)
    with pytest.raises(
        ValueError, match=r"positive integer for layers\. Received: 2\.5"
    ):
        sweep.Settings().with_values({"layers": 2.5})
    with pytest.raises(ValueError, match="Received: inf"):
        sweep.check_values("learning_rate", [math.inf])
    with pytest.raises(ValueError, match="Received: True"):
        sweep.check_values("layers", [True])
