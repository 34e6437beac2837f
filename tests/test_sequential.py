from __future__ import annotations

import numpy as np
import pytest

import axon
from axon.testing import numerical_gradient, relative_error


def small_model(dropout: float = 0.0) -> axon.Sequential:
    return axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.Dense(8, activation="relu", kernel_initializer="he_normal"),
            axon.layers.BatchNormalization(),
            axon.layers.Dropout(dropout),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )


def test_parameters_live_in_one_flat_vector_with_layer_views() -> None:
    model = small_model()
    trainable = [w for layer in model.layers for w in layer.params.values()]
    assert (
        model.parameters.size
        == sum(w.size for w in trainable)
        == 4 * 8 + 8 + 8 + 8 + 8 * 3 + 3
    )
    for w in trainable:
        assert np.shares_memory(w, model.parameters)
    for layer in model.layers:
        for g in layer.grads.values():
            assert np.shares_memory(g, model.gradients)
    model.parameters[:] = 0.5
    assert np.all(model.layers[0].params["kernel"] == 0.5)


def test_input_placeholder_is_not_a_layer_and_input_shape_works_too() -> None:
    a = small_model()
    b = axon.Sequential([axon.layers.Dense(8, input_shape=(4,)), axon.layers.Dense(3)])
    assert len(a.layers) == 4 and a.input_shape == (4,) and b.input_shape == (4,)
    assert b.built and a.output_shape == (3,)


def test_add_and_pop_rebuild_and_keep_the_existing_weights() -> None:
    model = axon.Sequential()
    model.add(axon.layers.Dense(5, input_shape=(2,)))
    kernel = model.layers[0].get_weights()[0]
    model.add(axon.layers.Dense(1))
    np.testing.assert_array_equal(model.layers[0].params["kernel"], kernel)
    assert model.parameters.size == 2 * 5 + 5 + 5 + 1
    model.pop()
    assert model.parameters.size == 15


def test_a_model_without_input_shape_builds_on_its_first_data() -> None:
    model = axon.Sequential([axon.layers.Dense(2)])
    assert not model.built
    with pytest.raises(ValueError, match="has not been built"):
        model.summary()
    assert model.predict(np.ones((3, 5)), verbose=0).shape == (3, 2)
    assert model.built and model.input_shape == (5,)


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize(
    ("output", "loss"),
    [
        ("softmax", "categorical_crossentropy"),  # fused at the logits
        ("softmax", "sparse_categorical_crossentropy"),  # fused
        ("sigmoid", "binary_crossentropy"),  # fused
        ("linear", "mse"),
        ("tanh", "categorical_crossentropy"),  # through the activation
    ],
)
def test_whole_model_gradient_matches_finite_differences(
    output: str, loss: str
) -> None:
    """The chain rule through the whole stack (and the fused path) against numerics."""
    model = axon.Sequential(
        [
            axon.layers.Dense(5, activation="tanh", input_shape=(4,)),
            axon.layers.BatchNormalization(),
            axon.layers.Dense(3, activation=output),
        ]
    )
    model.compile(optimizer="sgd", loss=loss)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 4))
    if loss.startswith("sparse"):
        y = rng.integers(0, 3, size=7)
    elif loss == "mse":
        y = rng.normal(size=(7, 3))
    else:
        y = (
            np.eye(3)[rng.integers(0, 3, size=7)]
            if output != "sigmoid"
            else rng.integers(0, 2, (7, 3)).astype(float)
        )
    if output == "tanh":
        y = np.eye(3)[rng.integers(0, 3, size=7)] * 0.5 + 0.2
    _, y = model._prepare(x, y, "the check")  # also picks the fused or plain path

    def objective() -> float:
        out = model.forward(x, training=True)
        value, _, _ = model._loss_and_gradient(y, out)
        return value

    out = model.forward(x, training=True)
    _, grad, at_logits = model._loss_and_gradient(y, out)
    model.backward(grad, from_logits=at_logits)
    analytic = model.gradients.copy()
    assert at_logits == (output in ("softmax", "sigmoid") and loss != "mse")
    numeric = numerical_gradient(objective, model.parameters)
    assert relative_error(analytic, numeric) < 1e-6


def test_summary_prints_the_keras_table(capsys: pytest.CaptureFixture[str]) -> None:
    small_model().summary()
    text = capsys.readouterr().out
    assert 'Model: "sequential"' in text
    assert "Layer (type)" in text and "Output Shape" in text and "Param #" in text
    assert "dense (Dense)" in text and "(None, 8)" in text
    assert "Total params: 99 (396.00 B)" in text
    assert "Trainable params: 83 (332.00 B)" in text
    assert "Non-trainable params: 16 (64.00 B)" in text


def test_get_weights_are_copies_in_keras_order_and_set_weights_round_trips() -> None:
    model = small_model()
    weights = model.get_weights()
    assert [w.shape for w in weights] == [
        (4, 8),
        (8,),
        (8,),
        (8,),
        (8,),
        (8,),
        (8, 3),
        (3,),
    ]
    weights[0][...] = 7
    assert not np.any(model.layers[0].params["kernel"] == 7)
    other = small_model()
    other.set_weights(model.get_weights())
    for a, b in zip(other.get_weights(), model.get_weights(), strict=False):
        np.testing.assert_array_equal(a, b)
    assert np.shares_memory(other.layers[0].params["kernel"], other.parameters)


def test_set_weights_with_the_wrong_count_is_explained() -> None:
    with pytest.raises(ValueError, match="Expected a list of 8 weight arrays"):
        small_model().set_weights([np.zeros(3)])


def test_config_round_trip_rebuilds_the_same_architecture() -> None:
    model = small_model(0.25)
    twin = axon.Sequential.from_config(model.get_config())
    assert twin.get_config() == model.get_config()
    assert twin.count_params() == model.count_params()


def test_adding_a_non_layer_is_refused() -> None:
    with pytest.raises(TypeError, match="Expected an axon layer"):
        axon.Sequential(["dense"])  # type: ignore[list-item]
