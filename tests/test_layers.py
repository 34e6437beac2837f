"""The shared layer harness and the gradient check, over every registered layer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import axon
from axon.layers import LAYERS
from axon.testing import check_layer_gradients

# One constructor call per registered layer; a new layer must be added here, and the
# test below fails until it is.
CASES: dict[str, dict[str, Any]] = {
    "Dense": {"units": 3, "activation": "tanh"},
    "Activation": {"activation": "sigmoid"},
    "LeakyReLU": {"negative_slope": 0.1},
    "ReLU": {},
    "Softmax": {},
    "ELU": {"alpha": 0.5},
    "PReLU": {"alpha_initializer": {"name": "random_normal", "seed": 5}},
    "Dropout": {"rate": 0.4, "seed": 3},
    "BatchNormalization": {"momentum": 0.9},
    "InputLayer": {"shape": (4,)},
    "Add": {},
    "Average": {},
    "Concatenate": {"axis": -1},
    "Multiply": {},
    "Subtract": {},
    "Normalization": {"mean": [0.5, -1.0, 2.0, 0.0], "variance": [4.0, 0.25, 1.0, 9.0]},
    "LayerNormalization": {
        "gamma_initializer": {
            "name": "random_uniform",
            "minval": 0.5,
            "maxval": 1.5,
            "seed": 1,
        },
        "beta_initializer": {"name": "random_normal", "seed": 2},
    },
    "Flatten": {"data_format": "channels_first"},
    "Reshape": {"target_shape": (2, -1)},
    "GaussianNoise": {"stddev": 0.3, "seed": 3},
    "GaussianDropout": {"rate": 0.3, "seed": 3},
    "AlphaDropout": {"rate": 0.3, "noise_shape": (None, 1, 2), "seed": 3},
    "Embedding": {"input_dim": 5, "output_dim": 3},
}
GRADIENT_CASES = [name for name in CASES if name != "InputLayer"]
X = np.random.default_rng(0).normal(size=(6, 4)) + 0.1
# A merge layer takes a list: three inputs (two for Subtract), of several widths for
# Concatenate, so that each input's own gradient is checked.
OTHERS = [np.random.default_rng(i).normal(size=(6, 4)) for i in (1, 2)]
# Layers that take other inputs than X: samples of several axes, and integer indices
# for Embedding (its gradient check then covers the embeddings alone).
OWN_INPUTS: dict[str, Any] = {
    "Embedding": np.random.default_rng(3).integers(0, 5, size=(6, 4)),
    "Flatten": np.random.default_rng(4).normal(size=(6, 2, 3, 2)),
    **dict.fromkeys(
        ["LayerNormalization", "GaussianDropout", "AlphaDropout"], X.reshape(6, 2, 2)
    ),
}


def make(name: str) -> axon.layers.Layer:
    return LAYERS.lookup(name)(**CASES[name])


def inputs_for(layer: axon.layers.Layer) -> Any:
    if type(layer).__name__ in OWN_INPUTS:
        return OWN_INPUTS[type(layer).__name__]
    if not layer.takes_list:
        return X
    if isinstance(layer, axon.layers.Concatenate):
        return [X, OTHERS[0][:, :2], OTHERS[1][:, :3]]
    return [X, *OTHERS][: 2 if isinstance(layer, axon.layers.Subtract) else 3]


def shapes_of(inputs: Any) -> Any:
    return (
        [x.shape[1:] for x in inputs] if isinstance(inputs, list) else inputs.shape[1:]
    )


def test_every_registered_layer_has_a_case() -> None:
    assert sorted(CASES) == LAYERS.names()


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("name", GRADIENT_CASES)
@pytest.mark.parametrize("training", [True, False])
def test_every_layer_passes_the_gradient_check(name: str, training: bool) -> None:
    layer = make(name)
    reset = None
    if hasattr(layer, "rng"):  # Dropout, the noise layers: the same draw every pass

        def reset() -> None:
            layer.rng = np.random.default_rng(7)

    errors = check_layer_gradients(
        layer, inputs_for(layer), training=training, before_forward=reset
    )
    assert errors and max(errors.values()) < 1e-6, errors


@pytest.mark.usefixtures("float64")
def test_dense_gradients_for_every_activation_and_no_bias() -> None:
    for activation in axon.activations.ACTIVATIONS.names():
        layer = axon.layers.Dense(
            5, activation=activation, use_bias=activation != "relu"
        )
        errors = check_layer_gradients(layer, X)
        assert max(errors.values()) < 1e-6, (activation, errors)


@pytest.mark.usefixtures("float64")
def test_batch_normalization_without_scale_or_center_passes_the_gradient_check() -> (
    None
):
    layer = axon.layers.BatchNormalization(center=False, scale=False)
    assert check_layer_gradients(layer, X)["input"] < 1e-6


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_harness(name: str) -> None:
    """Shapes, dtypes, weight counts, config round trip, training versus inference."""
    layer = make(name)
    x = inputs_for(layer)
    y = layer(x, training=False)
    assert y.shape[0] == len(X) and y.shape[1:] == layer.output_shape
    assert y.dtype == np.float32
    assert all(w.dtype == np.float32 for w in layer.weights)
    assert set(layer.params) == set(layer.grads)
    assert len(layer.get_weights()) == len(layer.weight_order)
    assert layer.count_params() == sum(w.size for w in layer.weights)
    # from_config(get_config()) builds a twin that computes the same thing.
    twin = type(layer).from_config(layer.get_config())
    assert twin.get_config() == layer.get_config()
    twin.ensure_built(shapes_of(x))
    twin.set_weights(layer.get_weights())
    np.testing.assert_array_equal(twin(x, training=False), y)
    # A training pass runs and gives an output of the same shape.
    assert layer(x, training=True).shape == y.shape


def test_dropout_is_inverted_in_training_and_identity_at_inference() -> None:
    layer = axon.layers.Dropout(0.5, seed=0)
    x = np.ones((2000, 10))
    y = layer(x, training=True)
    assert set(np.unique(y)) == {0.0, 2.0}
    assert abs((y == 0).mean() - 0.5) < 0.02
    np.testing.assert_array_equal(layer(x, training=False), x)


def test_batch_normalization_uses_batch_statistics_then_moving_ones() -> None:
    layer = axon.layers.BatchNormalization(momentum=0.5)
    x = np.array([[1.0, 10.0], [3.0, 30.0]])
    y = layer(x, training=True)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(
        layer.state["moving_mean"], [1.0, 10.0]
    )  # 0.5*0 + 0.5*mean
    np.testing.assert_allclose(
        layer.state["moving_variance"], [1.0, 50.5]
    )  # biased var
    inference = layer(x, training=False)
    expected = (x - [1.0, 10.0]) / np.sqrt(np.array([1.0, 50.5]) + 1e-3)
    np.testing.assert_allclose(inference, expected, rtol=1e-5)


def test_batch_normalization_weights_in_keras_order() -> None:
    layer = axon.layers.BatchNormalization()
    layer.ensure_built((3,))
    assert layer.weight_order == ["gamma", "beta", "moving_mean", "moving_variance"]


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: axon.layers.Dense(0), "units=0"),
        (lambda: axon.layers.Dense(2.5), "units=2.5"),  # type: ignore[arg-type]
        (lambda: axon.layers.Dropout(1.5), "rate=1.5"),
        (lambda: axon.layers.BatchNormalization(momentum=2), "momentum=2"),
        (lambda: axon.layers.Dense(3, input_shape=(0,)), "input_shape"),
        (lambda: axon.layers.Dense(3, kernel_initializer="he_norm"), "he_normal"),
    ],
)
def test_bad_constructor_arguments_are_named(factory: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        factory()


def test_a_built_layer_refuses_inputs_of_another_width() -> None:
    layer = axon.layers.Dense(2)
    layer(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, 3\)"):
        layer(np.ones((1, 4)))


def test_set_weights_checks_shapes() -> None:
    layer = axon.layers.Dense(2)
    layer(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"kernel of shape \(3, 2\)"):
        layer.set_weights([np.ones((2, 2)), np.zeros(2)])


def test_layers_are_named_as_keras_names_them() -> None:
    names = [axon.layers.Dense(1).name, axon.layers.Dense(1).name]
    names.append(axon.layers.BatchNormalization().name)
    names.append(axon.layers.LeakyReLU().name)
    assert names == ["dense", "dense_1", "batch_normalization", "leaky_re_lu"]


@given(
    units=st.integers(1, 64),
    activation=st.sampled_from(axon.activations.ACTIVATIONS.names()),
    use_bias=st.booleans(),
    initializer=st.sampled_from(
        ["glorot_uniform", "he_normal", "lecun_normal", "zeros"]
    ),
    width=st.integers(1, 8),
)
def test_dense_config_round_trips_and_shapes_follow(
    units: int, activation: str, use_bias: bool, initializer: str, width: int
) -> None:
    layer = axon.layers.Dense(
        units, activation, use_bias, kernel_initializer=initializer
    )
    twin = axon.layers.Dense.from_config(layer.get_config())
    assert twin.get_config() == layer.get_config()
    y = layer(np.ones((3, width)))
    assert (
        y.shape == (3, units)
        and layer.count_params() == width * units + units * use_bias
    )


@given(
    momentum=st.floats(0, 1),
    epsilon=st.floats(1e-6, 1e-1),
    center=st.booleans(),
    scale=st.booleans(),
)
def test_batch_normalization_config_round_trips(
    momentum: float, epsilon: float, center: bool, scale: bool
) -> None:
    layer = axon.layers.BatchNormalization(momentum, epsilon, center, scale)
    assert (
        axon.layers.BatchNormalization.from_config(layer.get_config()).get_config()
        == layer.get_config()
    )
