"""The fast paths of issue 12 do what the slow ones did (counted, never timed)."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

import axon
from axon.models import data


def tutorial_model() -> axon.Sequential:
    model = axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.Dense(16, activation="relu"),
            axon.layers.BatchNormalization(),
            axon.layers.Dropout(0.3),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    model.fit(x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, 64)], verbose=0)
    return model


def python_calls(fn: Any) -> int:
    calls = [0]

    def count(frame: Any, event: str, arg: Any) -> None:
        calls[0] += event == "call"

    sys.setprofile(count)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls[0]


def test_predict_on_batch_skips_the_checks_for_a_ready_array(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = tutorial_model()
    sample = np.array([[0.5, -1.0, 2.0, 0.1]], dtype=np.float32)
    expected = model.predict(sample, verbose=0)
    assert python_calls(lambda: model.predict_on_batch(sample)) < python_calls(
        lambda: model.predict(sample, verbose=0)
    )

    def refuse(*args: Any) -> None:
        raise AssertionError("checked")

    monkeypatch.setattr(data, "as_inputs", refuse)
    result = model.predict_on_batch(sample)
    np.testing.assert_array_equal(result, expected)
    result[...] = 0  # a copy, not the layer's buffer
    np.testing.assert_array_equal(model.predict_on_batch(sample), expected)
    with pytest.raises(AssertionError, match="checked"):  # a list is checked
        model.predict_on_batch(sample.tolist())


def test_predict_on_batch_checks_anything_else_as_predict_does() -> None:
    model = tutorial_model()
    sample = np.array([[0.5, -1.0, 2.0, 0.1]])
    expected = model.predict(sample, verbose=0)
    np.testing.assert_array_equal(model.predict_on_batch(sample), expected)  # float64
    np.testing.assert_array_equal(model.predict_on_batch(sample.tolist()), expected)
    with pytest.raises(ValueError, match="finite"):
        model.predict_on_batch([[np.nan, 0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="4 feature"):
        model.predict_on_batch(np.zeros((1, 5), np.float32))


def test_batch_normalization_at_inference_is_the_formula_and_its_gradient() -> None:
    axon.config.set_floatx("float64")
    try:
        rng = np.random.default_rng(1)
        layer = axon.layers.BatchNormalization(epsilon=0.01)
        layer.ensure_built((5,), rng)
        for name in ("gamma", "beta"):
            layer.params[name][...] = rng.normal(size=5)
        layer.state["moving_mean"][...] = rng.normal(size=5)
        layer.state["moving_variance"][...] = rng.uniform(0.5, 2.0, size=5)
        x = rng.normal(size=(7, 5))
        mean, var = layer.state["moving_mean"], layer.state["moving_variance"]
        gamma, beta = layer.params["gamma"], layer.params["beta"]
        x_hat = (x - mean) / np.sqrt(var + 0.01)
        np.testing.assert_allclose(
            layer.forward(x, training=False), gamma * x_hat + beta, rtol=1e-13
        )
        g = rng.normal(size=(7, 5))
        grad_input = layer.backward(g.copy())
        np.testing.assert_allclose(layer.grads["gamma"], (g * x_hat).sum(0))
        np.testing.assert_allclose(layer.grads["beta"], g.sum(0))
        np.testing.assert_allclose(grad_input, g * gamma / np.sqrt(var + 0.01))
    finally:
        axon.config.set_floatx("float32")


def test_the_finite_check_by_a_sum_falls_back_when_the_sum_overflows() -> None:
    big = np.full((100, 100), 3e38, dtype=np.float32)  # finite; its sum is not
    assert data._all_finite(big)
    for bad in (np.nan, np.inf, -np.inf):
        spoiled = big.copy()
        spoiled[50, 50] = bad
        assert not data._all_finite(spoiled)
        assert not data._all_finite(spoiled[45:55, 45:55])  # the small path
    with pytest.raises(ValueError, match="finite"):
        data.as_inputs(np.where(big > 0, np.nan, 0).astype(np.float32), 100)


def test_dense_keeps_arrays_per_batch_size_and_outputs_stay_right() -> None:
    rng = np.random.default_rng(2)
    layer = axon.layers.Dense(3, activation="relu")
    layer.ensure_built((4,), rng)
    kernel, bias = layer.params["kernel"], layer.params["bias"]
    for n in (5, 2, 5, 1, 2):
        x = rng.normal(size=(n, 4)).astype(np.float32)
        y = layer.forward(x)
        np.testing.assert_allclose(y, np.maximum(x @ kernel + bias, 0), rtol=1e-6)
        grad = layer.backward(np.ones((n, 3), np.float32))
        assert grad is not None
        mask = (x @ kernel + bias > 0).astype(np.float32)
        np.testing.assert_allclose(grad, mask @ kernel.T, rtol=1e-6)
        np.testing.assert_allclose(layer.grads["bias"], mask.sum(0), rtol=1e-6)


def test_adam_follows_a_beta_changed_between_steps() -> None:
    w, g = np.array([1.0, -1.0]), np.array([0.5, -2.0])
    adam = axon.optimizers.Adam(learning_rate=0.1, beta_1=0.9)
    adam.apply(w, g)
    adam.beta_1, adam.beta_2 = 0.5, 0.9
    adam.apply(w, g)
    expected, m, v = np.array([1.0, -1.0]), 0 * g, 0 * g
    for t, (b1, b2) in enumerate([(0.9, 0.999), (0.5, 0.9)], start=1):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        alpha = 0.1 * np.sqrt(1 - b2**t) / (1 - b1**t)
        expected = expected - alpha * m / (np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(w, expected, rtol=1e-12)


def test_a_regularized_model_still_adds_its_penalty_each_step() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 4)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 32)]
    sizes, first_losses = [], []
    for regularizer in (None, axon.regularizers.L2(10.0)):
        axon.config.set_random_seed(0)
        model = axon.Sequential(
            [
                axon.layers.Input((4,)),
                axon.layers.Dense(
                    2, activation="softmax", kernel_regularizer=regularizer
                ),
            ]
        )
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        history = model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
        first_losses.append(history.history["loss"][0])
        sizes.append(np.abs(model.layers[0].params["kernel"]).sum())
    assert sizes[1] < sizes[0]  # the penalty's gradient shrank the kernel
    assert first_losses[1] > first_losses[0]  # and the penalty joined the loss
