"""Learning-rate schedules: values worked out by hand, arguments checked, configs kept.

Keras's own values are compared in tests/test_reference_keras_optimizers.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import axon
from axon.optimizers import schedules


def test_exponential_decay() -> None:
    smooth = schedules.ExponentialDecay(1.0, decay_steps=4, decay_rate=0.5)
    assert [smooth(s) for s in (0, 2, 4, 8)] == pytest.approx([1, 0.5**0.5, 0.5, 0.25])
    stairs = schedules.ExponentialDecay(1.0, 4, 0.5, staircase=True)
    assert [stairs(s) for s in (0, 3, 4, 7, 8)] == [1, 1, 0.5, 0.5, 0.25]


def test_piecewise_constant_decay_includes_each_boundary_in_the_earlier_piece() -> None:
    schedule = schedules.PiecewiseConstantDecay([3, 6], [1.0, 0.5, 0.1])
    assert [schedule(s) for s in range(9)] == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.1, 0.1]


def test_polynomial_decay_stops_at_its_end_rate_or_cycles() -> None:
    schedule = schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.1, power=2.0)
    expected = [0.9 * (1 - s / 10) ** 2 + 0.1 for s in (0, 5, 10)]
    assert [schedule(s) for s in (0, 5, 10, 50)] == pytest.approx([*expected, 0.1])
    cycling = schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0, cycle=True)
    # After 10 steps the horizon doubles: step 15 is 15/20 of the way.
    assert [cycling(s) for s in (0, 10, 15, 25)] == pytest.approx([1, 0, 0.25, 1 / 6])


def test_inverse_time_decay() -> None:
    schedule = schedules.InverseTimeDecay(1.0, decay_steps=2, decay_rate=0.5)
    assert [schedule(s) for s in (0, 2, 3)] == pytest.approx([1, 1 / 1.5, 1 / 1.75])
    stairs = schedules.InverseTimeDecay(1.0, 2, 0.5, staircase=True)
    assert stairs(3) == pytest.approx(1 / 1.5)


def test_cosine_decay_and_its_warm_up() -> None:
    schedule = schedules.CosineDecay(1.0, decay_steps=10, alpha=0.2)
    assert [schedule(s) for s in (0, 5, 10, 30)] == pytest.approx([1, 0.6, 0.2, 0.2])
    warm = schedules.CosineDecay(0.1, 10, warmup_target=1.0, warmup_steps=4)
    values = [warm(s) for s in (0, 2, 4, 9, 14, 100)]
    assert values == pytest.approx([0.1, 0.55, 1.0, 0.5, 0.0, 0.0], abs=1e-12)


def test_cosine_decay_restarts() -> None:
    schedule = schedules.CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5)
    # Periods: [0, 10), [10, 30) at half height, [30, 70) at a quarter.
    assert [schedule(s) for s in (0, 5, 10, 20, 30, 50)] == pytest.approx(
        [1, 0.5, 0.5, 0.25, 0.25, 0.125]
    )
    constant_periods = schedules.CosineDecayRestarts(1.0, 4, t_mul=1.0, alpha=0.5)
    values = [constant_periods(s) for s in range(12)]
    assert values[:4] == values[4:8] == values[8:]
    assert values[2] == pytest.approx(0.5 * 0.5 * (1 + math.cos(math.pi / 2)) + 0.5)


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (
            lambda: schedules.ExponentialDecay(-0.1, 10, 0.5),
            "initial_learning_rate=-0.1",
        ),
        (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "decay_steps=0"),
        (lambda: schedules.ExponentialDecay(0.1, 10, -0.5), "decay_rate=-0.5"),
        (
            lambda: schedules.ExponentialDecay("0.1", 10, 0.5),
            "initial_learning_rate='0.1'",
        ),
        (lambda: schedules.PiecewiseConstantDecay([1], [0.1]), "one boundary fewer"),
        (
            lambda: schedules.PiecewiseConstantDecay([5, 1], [1, 2, 3]),
            "boundaries=.5, 1",
        ),
        (lambda: schedules.PiecewiseConstantDecay([1], [0.1, -1]), "values=-1"),
        (
            lambda: schedules.PolynomialDecay(0.1, 10, end_learning_rate=-1),
            "end_learning",
        ),
        (lambda: schedules.PolynomialDecay(0.1, 10, power=0), "power=0"),
        (lambda: schedules.InverseTimeDecay(0.1, 10, -1.0), "decay_rate=-1.0"),
        (lambda: schedules.CosineDecay(0.1, 10, alpha=2.0), "alpha=2.0"),
        (
            lambda: schedules.CosineDecay(0.1, 10, warmup_target=-1.0),
            "warmup_target=-1.0",
        ),
        (lambda: schedules.CosineDecay(0.1, 10, warmup_steps=-2), "warmup_steps=-2"),
        (lambda: schedules.CosineDecayRestarts(0.1, -5), "first_decay_steps=-5"),
        (lambda: schedules.CosineDecayRestarts(0.1, 5, t_mul=0.5), "t_mul=0.5"),
        (lambda: schedules.CosineDecayRestarts(0.1, 5, m_mul=-1.0), "m_mul=-1.0"),
    ],
)
def test_bad_arguments_are_named(factory: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        factory()


ALL = [
    schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
    schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
    schedules.PolynomialDecay(0.1, 10, 0.001, power=0.5, cycle=True),
    schedules.InverseTimeDecay(0.1, 10, 0.5),
    schedules.CosineDecay(0.0, 10, alpha=0.1, warmup_target=0.1, warmup_steps=5),
    schedules.CosineDecayRestarts(0.1, 10, t_mul=1.5, m_mul=0.9, alpha=0.01),
]


@pytest.mark.parametrize("schedule", ALL, ids=lambda s: type(s).__name__)
def test_configs_round_trip_and_keep_the_values(schedule: Any) -> None:
    config = schedules.serialize(schedule)
    assert set(config) == {"class_name", "config"}
    again = schedules.deserialize({**config, "module": "keras.optimizers.schedules"})
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()
    steps = range(0, 60, 7)
    assert [again(s) for s in steps] == [schedule(s) for s in steps]
    assert repr(again) == repr(schedule)
    assert all(np.isfinite(schedule(s)) and schedule(s) >= 0 for s in range(200))


def test_deserialize_names_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="Unknown learning rate schedule: 'Warp'"):
        schedules.deserialize({"class_name": "Warp", "config": {}})
    with pytest.raises(ValueError, match="Bad arguments for the schedule"):
        schedules.deserialize({"class_name": "CosineDecay", "config": {"rate": 1}})
    with pytest.raises(TypeError, match="Expected a schedule config"):
        schedules.deserialize("ExponentialDecay")  # type: ignore[arg-type]


def test_a_schedule_of_ones_own_drives_an_optimizer() -> None:
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step: int) -> float:
            return 0.5**step

        def get_config(self) -> dict[str, Any]:
            return {}

    w = np.array([1.0])
    optimizer = axon.optimizers.SGD(Halving())
    for _ in range(3):
        optimizer.apply(w, np.array([1.0]))
    assert w[0] == 1 - (1 + 0.5 + 0.25)
    with pytest.raises(NotImplementedError):
        schedules.LearningRateSchedule()(0)
