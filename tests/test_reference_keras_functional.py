"""Functional models against Keras 3 itself: the same graph, the same numbers.

Each graph is written once, as a function of the library (``keras`` or ``axon``), so
both frameworks build it call for call. Keras's initial weights are copied into axon
with ``model.set_weights(keras_model.get_weights())`` (which also checks that both
list their weights in the same order); then predictions, and the loss of every epoch
of a ``fit`` with ``shuffle=False``, agree to 1e-5 in float32. The configs name the
same calls. Skipped when Keras (with PyTorch) is absent.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import axon

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")
pytest.importorskip("torch")

# Keras 3.15 converts torch tensors with np.array(tensor), which NumPy 2 warns about.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy:DeprecationWarning"
)


def two_inputs(k: Any) -> tuple[Any, Any]:
    """Numeric features through a hidden layer, concatenated with a second input."""
    a = k.Input(shape=(3,), name="a")
    b = k.Input(shape=(2,), name="b")
    hidden = k.layers.Dense(8, activation="relu", name="hidden")(a)
    merged = k.layers.concatenate([hidden, b], name="merged")
    out = k.layers.Dense(3, activation="softmax", name="out")(merged)
    return [a, b], out


def shared_and_merges(k: Any) -> tuple[Any, Any]:
    """A dict of inputs, a layer shared by two paths, every merge, a residual block."""
    a = k.Input(shape=(3,), name="a")
    b = k.Input(shape=(3,), name="b")
    shared = k.layers.Dense(4, activation="tanh", name="shared")
    left, right = shared(a), shared(k.layers.Dense(3, name="lift")(b))
    mixed = k.layers.concatenate(
        [
            k.layers.add([left, right], name="sum"),
            k.layers.subtract([left, right], name="difference"),
            k.layers.multiply([left, right], name="product"),
            k.layers.average([left, right], name="mean"),
        ],
        name="mixed",
    )
    hidden = k.layers.BatchNormalization(name="bn")(
        k.layers.Dense(6, activation="relu", name="hidden")(mixed)
    )
    residual = k.layers.add(
        [hidden, k.layers.Dense(6, name="skip")(hidden)], name="residual"
    )
    out = k.layers.Dense(3, activation="softmax", name="out")(residual)
    return {"a": a, "b": b}, out


def data(inputs: Any) -> tuple[Any, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 64
    shapes = {"a": 3, "b": 2 if not isinstance(inputs, dict) else 3}
    x = {
        name: rng.normal(size=(n, width)).astype("float32")
        for name, width in shapes.items()
    }
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    return (x if isinstance(inputs, dict) else [x["a"], x["b"]]), y


@pytest.mark.parametrize("graph", [two_inputs, shared_and_merges])
def test_same_predictions_and_epoch_losses_as_keras(graph: Callable[..., Any]) -> None:
    keras.utils.set_random_seed(0)
    theirs = keras.Model(*graph(keras))
    ours = axon.Model(*graph(axon))
    assert [layer.name for layer in ours.layers] == [
        layer.name for layer in theirs.layers
    ]
    weights = [np.asarray(w) for w in theirs.get_weights()]
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in weights]
    ours.set_weights(weights)
    x, y = data(ours._inputs_struct)
    np.testing.assert_allclose(
        ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6
    )
    histories = []
    for model, k in ((theirs, keras), (ours, axon)):
        model.compile(
            optimizer=k.optimizers.Adam(learning_rate=0.01),
            loss="categorical_crossentropy",
        )
        history = model.fit(x, y, batch_size=16, epochs=5, shuffle=False, verbose=0)
        histories.append(history.history["loss"])
    np.testing.assert_allclose(histories[1], histories[0], rtol=1e-5)
    np.testing.assert_allclose(
        ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-5
    )


@pytest.mark.parametrize("graph", [two_inputs, shared_and_merges])
def test_the_config_names_the_same_calls_as_keras(graph: Callable[..., Any]) -> None:
    theirs = keras.Model(*graph(keras)).get_config()
    ours = axon.Model(*graph(axon)).get_config()
    assert ours["input_layers"] == theirs["input_layers"]
    assert ours["output_layers"] == theirs["output_layers"]

    def calls(config: dict[str, Any]) -> dict[str, Any]:
        found = {}
        for layer in config["layers"]:
            found[layer["name"]] = [
                [
                    t["config"]["keras_history"]
                    for t in (args if isinstance(args, list) else [args])
                ]
                for node in layer["inbound_nodes"]
                for args in node["args"][:1]
            ]
        return found

    assert calls(ours) == calls(theirs)


def test_keras_shape_errors_and_axons_are_raised_at_the_same_call() -> None:
    for k in (keras, axon):
        dense = k.layers.Dense(2)
        dense(k.Input(shape=(4,)))
        with pytest.raises(ValueError, match=r"4.*5"):  # expected, then received
            dense(k.Input(shape=(5,)))
        with pytest.raises(ValueError, match=r"shapes.*4.*5"):
            k.layers.add([k.Input(shape=(4,)), k.Input(shape=(5,))])


def two_heads(k: Any) -> tuple[Any, Any]:
    """A regression output that also feeds a classifier: two outputs, two losses."""
    x = k.Input(shape=(4,), name="x")
    hidden = k.layers.Dense(6, activation="tanh", name="hidden")(x)
    value = k.layers.Dense(2, name="value")(hidden)
    merged = k.layers.concatenate([hidden, value], name="merged")
    kind = k.layers.Dense(3, activation="softmax", name="kind")(merged)
    return x, [value, kind]


def test_several_outputs_train_with_keras_losses_weights_and_logs() -> None:
    keras.utils.set_random_seed(0)
    theirs = keras.Model(*two_heads(keras))
    ours = axon.Model(*two_heads(axon))
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    rng = np.random.default_rng(1)
    x = rng.normal(size=(48, 4)).astype("float32")
    y = [rng.normal(size=(48, 2)).astype("float32"), rng.integers(0, 3, 48)]
    histories = []
    for model, k in ((theirs, keras), (ours, axon)):
        model.compile(
            optimizer=k.optimizers.Adam(learning_rate=0.01),
            loss=["mse", "sparse_categorical_crossentropy"],
            loss_weights=[0.5, 2.0],
            metrics=[["mae"], ["accuracy"]],
        )
        history = model.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)
        histories.append(history.history)
    assert sorted(histories[1]) == sorted(histories[0])
    for key, values in histories[0].items():
        np.testing.assert_allclose(histories[1][key], values, rtol=1e-5, err_msg=key)
