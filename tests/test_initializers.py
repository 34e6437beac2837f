from __future__ import annotations

import numpy as np
import pytest

import axon
from axon.initializers import INITIALIZERS

RNG_SEED = 0


def draw(name: str, shape: tuple[int, ...] = (400, 300)) -> np.ndarray:
    return axon.initializers.get(name)(
        shape, "float64", np.random.default_rng(RNG_SEED)
    )


def test_he_normal_is_truncated_at_two_stddevs_with_keras_variance() -> None:
    w = draw("he_normal")
    target_std = np.sqrt(2 / 400)
    assert np.abs(w).max() <= 2 * target_std / 0.87962566103423978 + 1e-12
    assert w.std() == pytest.approx(target_std, rel=0.02)


@pytest.mark.parametrize(
    ("name", "variance"),
    [
        ("glorot_uniform", 2 / 700),
        ("glorot_normal", 2 / 700),
        ("he_uniform", 2 / 400),
        ("lecun_normal", 1 / 400),
        ("lecun_uniform", 1 / 400),
    ],
)
def test_variance_scaling_family_has_the_documented_variance(
    name: str, variance: float
) -> None:
    assert draw(name).var() == pytest.approx(variance, rel=0.03)


def test_glorot_uniform_stays_inside_its_limit() -> None:
    w = draw("glorot_uniform")
    assert np.abs(w).max() <= np.sqrt(6 / 700)


def test_constants() -> None:
    np.testing.assert_array_equal(draw("zeros", (2, 2)), 0)
    np.testing.assert_array_equal(draw("ones", (2, 2)), 1)


def test_a_seeded_initializer_repeats_itself() -> None:
    a = axon.initializers.HeNormal(seed=5)((3, 3))
    b = axon.initializers.HeNormal(seed=5)((3, 3))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32


@pytest.mark.parametrize("name", INITIALIZERS.names())
def test_every_initializer_round_trips_through_serialize(name: str) -> None:
    init = axon.initializers.get(name)
    again = axon.initializers.get(axon.initializers.serialize(init))
    assert type(again) is type(init) and again.get_config() == init.get_config()
