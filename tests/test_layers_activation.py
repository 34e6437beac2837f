"""The activation layers' Keras options: ReLU, ELU, PReLU, Softmax."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import axon
from axon.testing import check_layer_gradients


def test_relu_layer_follows_keras_documented_example() -> None:
    layer = axon.layers.ReLU(max_value=10, negative_slope=0.5, threshold=0)
    y = layer(np.array([[-10, -5, 0.0, 5, 10]]))
    np.testing.assert_array_equal(y, [[-5.0, -2.5, 0.0, 5.0, 10.0]])
    config = layer.get_config()
    assert config["max_value"] == 10 and config["negative_slope"] == 0.5
    assert config["threshold"] == 0
    twin = axon.layers.ReLU.from_config(config)
    assert twin.get_config() == config


def test_plain_relu_layer_keeps_the_plain_function() -> None:
    layer = axon.layers.ReLU()
    assert layer.get_config()["max_value"] is None
    assert axon.activations.serialize(layer.activation) == "relu"


def test_elu_layer() -> None:
    layer = axon.layers.ELU(alpha=0.5)
    y = layer(np.array([[-1.0, 2.0]]))
    np.testing.assert_allclose(y, [[0.5 * np.expm1(-1.0), 2.0]], rtol=1e-6)
    assert layer.get_config()["alpha"] == 0.5
    assert axon.layers.ELU().get_config()["alpha"] == 1.0


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize(
    ("shared_axes", "alpha_shape"), [(None, (3, 4)), ([1], (1, 4)), ([1, 2], (1, 1))]
)
def test_prelu_alpha_shape_and_gradients_on_samples_with_two_axes(
    shared_axes: Any, alpha_shape: tuple[int, ...]
) -> None:
    layer = axon.layers.PReLU(
        alpha_initializer={"name": "random_normal", "seed": 1}, shared_axes=shared_axes
    )
    x = np.random.default_rng(0).normal(size=(5, 3, 4))
    errors = check_layer_gradients(layer, x)
    assert layer.params["alpha"].shape == alpha_shape
    assert set(errors) == {"input", "alpha"} and max(errors.values()) < 1e-6, errors


def test_prelu_starts_as_relu_and_learns_its_slope() -> None:
    layer = axon.layers.PReLU()
    x = np.array([[-2.0, 3.0]])
    np.testing.assert_array_equal(layer(x), [[0.0, 3.0]])  # alpha starts at zero
    layer.set_weights([np.array([0.5, 0.5])])
    np.testing.assert_array_equal(layer(x), [[-1.0, 3.0]])
    twin = axon.layers.PReLU.from_config(layer.get_config())
    assert twin.get_config() == layer.get_config()


def test_prelu_skips_the_input_gradient_when_nobody_needs_it() -> None:
    layer = axon.layers.PReLU(alpha_initializer={"name": "constant", "value": 0.1})
    x = np.array([[-1.0, 2.0], [-3.0, 0.0]], dtype=np.float32)
    layer(x)
    layer.needs_input_gradient = False
    layer.forward(x)
    assert layer.backward(np.ones_like(x)) is None
    np.testing.assert_array_equal(layer.grads["alpha"], [-4.0, 0.0])


def test_softmax_layer_along_another_axis() -> None:
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float32)
    layer = axon.layers.Softmax(axis=1)
    y = layer(x)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-6)
    assert layer.get_config()["axis"] == 1


def test_softmax_over_another_axis_is_refused_before_cross_entropy() -> None:
    layer = axon.layers.Softmax(axis=0)
    with pytest.raises(ValueError, match="axis=0"):
        layer.backward_from_logits(np.zeros((2, 3)))
    grad = np.zeros((2, 3))
    assert axon.layers.Softmax(axis=1).backward_from_logits(grad) is grad


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: axon.layers.ReLU(max_value=-1), "max_value=-1"),
        (lambda: axon.layers.ReLU(negative_slope=-0.1), "negative_slope=-0.1"),
        (lambda: axon.layers.ReLU(threshold=None), "threshold=None"),
        (lambda: axon.layers.ELU(alpha="big"), "alpha='big'"),
        (lambda: axon.layers.Softmax(axis="last"), "axis='last'"),
        (lambda: axon.layers.PReLU(shared_axes=[0]), r"shared_axes=\[0\]"),
        (lambda: axon.layers.PReLU(shared_axes="1"), "shared_axes='1'"),
        (lambda: axon.layers.PReLU(shared_axes=[3])(np.ones((2, 4))), "shared_axes"),
    ],
)
def test_bad_arguments_are_named(factory: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        factory()
