"""Exact single steps against the formulas, and a short golden trajectory."""

from __future__ import annotations

import math

import numpy as np
import pytest

import axon

W0 = np.array([1.0, -2.0, 0.5])
G = np.array([0.1, -0.3, 2.0])


def step(optimizer: axon.optimizers.Optimizer, grads: list[np.ndarray]) -> np.ndarray:
    w = W0.copy()
    for g in grads:
        optimizer.apply(w, g)
    return w


def test_sgd_single_step() -> None:
    np.testing.assert_allclose(
        step(axon.optimizers.SGD(0.1), [G]), W0 - 0.1 * G, rtol=1e-15
    )


def test_sgd_momentum_two_steps() -> None:
    g2 = np.array([0.2, 0.2, -1.0])
    v1 = -0.1 * G
    v2 = 0.9 * v1 - 0.1 * g2
    expected = W0 + v1 + v2
    result = step(axon.optimizers.SGD(0.1, momentum=0.9), [G, g2])
    np.testing.assert_allclose(result, expected, rtol=1e-15)


def test_sgd_nesterov_two_steps() -> None:
    g2 = np.array([0.2, 0.2, -1.0])
    v1 = -0.1 * G
    w1 = W0 + 0.9 * v1 - 0.1 * G
    v2 = 0.9 * v1 - 0.1 * g2
    expected = w1 + 0.9 * v2 - 0.1 * g2
    result = step(axon.optimizers.SGD(0.1, momentum=0.9, nesterov=True), [G, g2])
    np.testing.assert_allclose(result, expected, rtol=1e-14)


def adam_reference(grads: list[np.ndarray], lr: float = 0.01) -> np.ndarray:
    b1, b2, eps = 0.9, 0.999, 1e-7
    w, m, v = W0.copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - alpha * m / (np.sqrt(v) + eps)
    return w


def test_adam_single_step_moves_each_weight_by_about_the_learning_rate() -> None:
    result = step(axon.optimizers.Adam(0.01), [G])
    np.testing.assert_allclose(result, adam_reference([G]), rtol=1e-14)
    np.testing.assert_allclose(W0 - result, 0.01 * np.sign(G), rtol=1e-4)


def test_adam_golden_trajectory() -> None:
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=3) for _ in range(5)]
    optimizer = axon.optimizers.Adam(0.01)
    np.testing.assert_allclose(
        step(optimizer, grads), adam_reference(grads), rtol=1e-13
    )
    assert optimizer.iterations == 5


def test_rmsprop_single_step() -> None:
    s = 0.1 * G * G
    expected = W0 - 0.001 * G / np.sqrt(s + 1e-7)
    np.testing.assert_allclose(
        step(axon.optimizers.RMSprop(), [G]), expected, rtol=1e-14
    )


def test_float32_parameters_stay_float32() -> None:
    w = W0.astype(np.float32)
    axon.optimizers.Adam().apply(w, G.astype(np.float32))
    assert w.dtype == np.float32


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: axon.optimizers.Adam(learning_rate=-1), "learning_rate=-1"),
        (lambda: axon.optimizers.SGD(learning_rate=0), "learning_rate=0"),
        (lambda: axon.optimizers.SGD(momentum=1.5), "momentum=1.5"),
        (lambda: axon.optimizers.Adam(beta_1=1.0), "beta_1=1.0"),
        (lambda: axon.optimizers.Adam(learning_rate=float("nan")), "learning_rate=nan"),
        (lambda: axon.optimizers.get("adamw"), "Unknown optimizer: 'adamw'.*adam"),
    ],
)
def test_bad_arguments_are_named(factory: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        factory()  # type: ignore[operator]


def test_get_by_name_and_by_config() -> None:
    assert isinstance(axon.optimizers.get("Adam"), axon.optimizers.Adam)
    sgd = axon.optimizers.get({"name": "sgd", "learning_rate": 0.5, "momentum": 0.9})
    assert isinstance(sgd, axon.optimizers.SGD) and sgd.get_config()["momentum"] == 0.9
