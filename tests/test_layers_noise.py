"""GaussianNoise, GaussianDropout and AlphaDropout: training noise, inference identity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.layers.noise import SELU_ALPHA, SELU_SCALE

X = np.random.default_rng(99).standard_normal((100_000, 6)).astype("float32")
LAYERS = [
    ("GaussianNoise", {"stddev": 0.5}),
    ("GaussianDropout", {"rate": 0.4}),
    ("AlphaDropout", {"rate": 0.4}),
]


def make(name: str, **kwargs: Any) -> Any:
    return getattr(axon.layers, name)(**kwargs)


@pytest.mark.parametrize(("name", "kwargs"), LAYERS)
def test_identity_at_inference_and_for_zero_noise(name: str, kwargs: Any) -> None:
    layer = make(name, **kwargs, seed=0)
    x = X[:5].reshape(5, 3, 2)  # any shape
    np.testing.assert_array_equal(layer(x, training=False), x)
    assert not np.array_equal(layer(x, training=True), x)
    layer.forward(x, training=False)
    grad = np.ones_like(x)
    assert layer.backward(grad) is grad  # dL/dx = dL/dy, untouched
    quiet = make(name, **{key: 0.0 for key in kwargs})
    np.testing.assert_array_equal(quiet(x, training=True), x)


@pytest.mark.parametrize(("name", "kwargs"), LAYERS)
def test_a_seed_repeats_the_draws(name: str, kwargs: Any) -> None:
    first = make(name, **kwargs, seed=5)(X[:50], training=True)
    second = make(name, **kwargs, seed=5)(X[:50], training=True)
    other = make(name, **kwargs, seed=6)(X[:50], training=True)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_gaussian_noise_adds_zero_mean_noise_of_stddev() -> None:
    noise = axon.layers.GaussianNoise(0.3, seed=1)(X, training=True) - X
    assert abs(noise.mean()) < 0.003 and abs(noise.std() - 0.3) < 0.003
    assert abs(np.corrcoef(noise.ravel(), X.ravel())[0, 1]) < 0.01


def test_gaussian_dropout_multiplies_by_n_1_rate_over_1_minus_rate() -> None:
    layer = axon.layers.GaussianDropout(0.2, seed=1)
    y = layer(X, training=True)
    mask = y / X
    assert abs(mask.mean() - 1) < 0.005
    assert abs(mask.std() - np.sqrt(0.2 / 0.8)) < 0.005
    grad = np.ones_like(X)
    np.testing.assert_allclose(layer.backward(grad), mask, rtol=1e-4)


def test_alpha_dropout_keeps_zero_mean_and_unit_variance() -> None:
    rate = 0.3
    layer = axon.layers.AlphaDropout(rate, seed=1)
    y = layer(X, training=True)
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1) < 0.01
    saturation = -SELU_ALPHA * SELU_SCALE
    a = ((1 - rate) * (1 + rate * saturation**2)) ** -0.5
    b = -a * saturation * rate
    dropped = np.isclose(y, a * saturation + b, rtol=0, atol=1e-6)
    assert abs(dropped.mean() - rate) < 0.005
    np.testing.assert_allclose(y[~dropped], a * X[~dropped] + b, rtol=1e-5, atol=1e-6)
    grad = layer.backward(np.ones_like(X))
    np.testing.assert_allclose(grad, np.where(dropped, 0.0, a), rtol=1e-6)


def test_alpha_dropout_noise_shape_shares_the_mask_along_size_one_axes() -> None:
    x = np.ones((4, 50, 3), dtype="float32")
    layer = axon.layers.AlphaDropout(0.5, noise_shape=(None, 1, 3), seed=2)
    y = layer(x, training=True)
    assert (y == y[:, :1, :]).all()  # one mask per sample and feature, every step
    assert not (y == y[:1]).all()
    shared = axon.layers.AlphaDropout(0.5, noise_shape=[1, 50, 1], seed=2)
    y = shared(x, training=True)
    assert (y == y[:1, :, :1]).all()
    assert shared.get_config()["noise_shape"] == [1, 50, 1]


@pytest.mark.parametrize(
    ("noise_shape", "message"),
    [
        ((None, 2, 3), r"noise_shape=\[None, 2, 3\].*\(4, 50, 3\)"),
        ((1, 3), "noise_shape"),
    ],
)
def test_a_noise_shape_that_does_not_broadcast_is_named(
    noise_shape: Any, message: str
) -> None:
    layer = axon.layers.AlphaDropout(0.5, noise_shape=noise_shape)
    with pytest.raises(ValueError, match=message):
        layer(np.ones((4, 50, 3)), training=True)


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (
            lambda: axon.layers.GaussianNoise(1.5),
            "between 0 and 1. Received: stddev=1.5",
        ),
        (lambda: axon.layers.GaussianNoise(-0.1), "stddev=-0.1"),
        (lambda: axon.layers.GaussianNoise("a"), "stddev='a'"),
        (lambda: axon.layers.GaussianDropout(1.0), r"in \[0, 1\). Received: rate=1.0"),
        (lambda: axon.layers.GaussianDropout(True), "rate=True"),
        (lambda: axon.layers.AlphaDropout(1), "rate=1"),
        (lambda: axon.layers.AlphaDropout(0.1, noise_shape=(0, 2)), "noise_shape"),
        (lambda: axon.layers.AlphaDropout(0.1, noise_shape=3), "noise_shape=3"),
        (lambda: axon.layers.AlphaDropout(0.1, noise_shape=()), "noise_shape=()"),
        (lambda: axon.layers.GaussianNoise(0.1, seed=-1), "seed=-1"),
    ],
)
def test_bad_arguments_are_named(factory: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        factory()


def test_the_generators_are_saved_so_a_resumed_run_repeats_itself(
    tmp_path: Path,
) -> None:
    x = X[:64]
    y = x.sum(axis=1, keepdims=True)

    def model() -> axon.Sequential:
        built = axon.Sequential(
            [
                axon.layers.GaussianNoise(0.2),
                axon.layers.Dense(8, activation="tanh"),
                axon.layers.AlphaDropout(0.1),
                axon.layers.GaussianDropout(0.1),
                axon.layers.Dense(1),
            ]
        )
        built.build((6,))
        built.compile(optimizer="adam", loss="mse")
        return built

    straight = model()
    straight.fit(x, y, epochs=2, verbose=0)
    axon.utils.set_random_seed(1234)
    axon.utils.clear_session()
    resumed = model()
    resumed.fit(x, y, epochs=1, verbose=0)
    resumed.save(tmp_path / "half.axon")
    reloaded = axon.models.load_model(tmp_path / "half.axon")
    reloaded.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(straight.get_weights(), reloaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        reloaded.predict(x, verbose=0), straight.predict(x, verbose=0)
    )
