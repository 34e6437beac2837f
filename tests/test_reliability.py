"""The rows of docs/reliability.md that had no test able to fail, each with one now."""

from __future__ import annotations

import os
import signal
from typing import Any

import numpy as np
import pytest

import axon


def regression_model() -> axon.Sequential:
    model = axon.Sequential(
        [
            axon.layers.Dense(4, activation="relu", input_shape=(3,)),
            axon.layers.Dense(1),
        ]
    )
    model.compile(optimizer=axon.optimizers.SGD(0.01), loss="mse")
    return model


def test_a_non_finite_loss_is_not_applied_in_fit() -> None:
    model = regression_model()
    before = model.get_weights()
    x = np.random.default_rng(0).normal(size=(8, 3))
    y = np.full((8, 1), 1e30)  # (y - p)^2 overflows float32: the loss is inf
    with pytest.warns(RuntimeWarning, match="The loss became inf at epoch 1, batch 1"):
        history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert history.epoch == []
    assert model.optimizer is not None and model.optimizer.iterations == 0
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_a_non_finite_loss_is_not_applied_in_train_on_batch() -> None:
    model = regression_model()
    before = model.get_weights()
    x = np.ones((4, 3))
    with pytest.raises(FloatingPointError, match="the step was not applied"):
        model.train_on_batch(x, np.full((4, 1), 1e30))
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_a_second_ctrl_c_aborts_at_once() -> None:
    class PressTwice(axon.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if batch == 1:
                os.kill(os.getpid(), signal.SIGINT)  # ends after this batch...
                os.kill(os.getpid(), signal.SIGINT)  # ...unless pressed again

    model = regression_model()
    x = np.random.default_rng(0).normal(size=(64, 3))
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, x[:, :1], epochs=5, batch_size=8, callbacks=[PressTwice()])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_float64_data_beyond_float32_is_refused_not_turned_into_inf() -> None:
    model = regression_model()
    x = np.ones((4, 3))
    x[1, 2] = 1e39
    with pytest.raises(
        ValueError,
        match=r"Expected x within the range of float32\. Received: values up",
    ):
        model.fit(x, np.ones((4, 1)), verbose=0)


def test_weights_beyond_float32_are_refused_by_set_weights() -> None:
    model = regression_model()
    weights = model.get_weights()
    weights[0] = np.full(weights[0].shape, 1e39)
    with pytest.raises(
        ValueError, match=r"Expected finite values within float32's range for dense"
    ):
        model.set_weights(weights)
