"""Flatten and Reshape: shapes, values, views, errors, and inside saved models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon

RNG = np.random.default_rng(0)


def test_flatten_keeps_the_batch_axis_and_c_order() -> None:
    x = np.arange(2 * 3 * 4, dtype="float32").reshape(2, 3, 4)
    layer = axon.layers.Flatten()
    layer.ensure_built((3, 4))
    y = layer.forward(x)
    assert layer.output_shape == (12,)
    np.testing.assert_array_equal(y, x.reshape(2, 12))
    assert np.shares_memory(y, x)  # a view: nothing copied
    assert np.shares_memory(layer.backward(y), y)


def test_flatten_channels_first_moves_the_channel_axis_last() -> None:
    x = RNG.normal(size=(2, 3, 4, 5)).astype("float32")  # (batch, channels, h, w)
    layer = axon.layers.Flatten(data_format="Channels_First")
    y = layer(x)
    np.testing.assert_array_equal(y, x.transpose(0, 2, 3, 1).reshape(2, -1))
    assert layer.get_config()["data_format"] == "channels_first"
    grad = layer.backward(y.copy())
    np.testing.assert_array_equal(grad, x)  # the inverse permutation
    # A sample of one axis has no channel axis to move.
    np.testing.assert_array_equal(
        axon.layers.Flatten("channels_first")(x[:, 0, 0]), x[:, 0, 0]
    )


def test_reshape_infers_the_minus_one_and_returns_a_view() -> None:
    x = RNG.normal(size=(5, 12)).astype("float32")
    layer = axon.layers.Reshape((-1, 2, 3))
    layer.ensure_built((12,))
    y = layer.forward(x)
    assert layer.output_shape == (2, 2, 3) and y.shape == (5, 2, 2, 3)
    np.testing.assert_array_equal(y, x.reshape(5, 2, 2, 3))
    assert np.shares_memory(y, x)
    assert layer.backward(y).shape == (5, 12)


def test_first_layers_skip_the_input_gradient() -> None:
    for layer in (axon.layers.Flatten(), axon.layers.Reshape((4,))):
        layer.ensure_built((2, 2))
        layer.needs_input_gradient = False
        layer.forward(np.ones((1, 2, 2)))
        assert layer.backward(np.ones((1, 4))) is None


@pytest.mark.parametrize(
    "target_shape", [(), (0,), (-1, -1), (2, -2), ("a",), 3, (2.5,), (True,), None]
)
def test_bad_target_shapes_are_named(target_shape: Any) -> None:
    with pytest.raises(ValueError, match="target_shape="):
        axon.layers.Reshape(target_shape)


@pytest.mark.parametrize("target_shape", [(5, -1), (5, 3)])
def test_a_target_shape_that_does_not_fit_names_both_shapes(target_shape: Any) -> None:
    with pytest.raises(ValueError, match=r"shape \(12,\) \(12 values\) into target"):
        axon.layers.Reshape(target_shape)(np.ones((2, 12)))


def test_bad_data_format_is_named() -> None:
    with pytest.raises(ValueError, match="data_format='nchw'"):
        axon.layers.Flatten("nchw")


def test_reshape_then_flatten_in_a_model_trains_saves_and_loads(tmp_path: Path) -> None:
    x = RNG.normal(size=(32, 6))
    y = x @ RNG.normal(size=(6, 1))
    model = axon.Sequential(
        [
            axon.layers.Reshape((2, 3)),
            axon.layers.Flatten(data_format="channels_first"),
            axon.layers.Dense(1),
        ]
    )
    model.build((6,))
    assert model.layers[0].output_shape == (2, 3)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "m.axon")
    loaded = axon.models.load_model(tmp_path / "m.axon")
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )
