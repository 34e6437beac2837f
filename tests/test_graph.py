"""The functional API: graphs of layers, their gradients, data, config, errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon import layers
from axon.testing import numerical_gradient, relative_error

MERGES: dict[str, Callable[[list[Any]], Any]] = {
    "add": layers.add,
    "subtract": layers.subtract,
    "multiply": layers.multiply,
    "average": layers.average,
    "concatenate": layers.concatenate,
}


def branchy_model(merge: str, output: str = "softmax") -> tuple[axon.Model, Any]:
    """A branch, a merge, a layer shared by three paths, and a residual connection.

    The hidden tensor ``h`` feeds three layers, so its gradient is a sum. The shared
    layer is called once on the model's Input (no input gradient needed there) and
    twice on hidden tensors; Dropout and BatchNormalization sit on the branches, so
    the check runs through training-mode statistics and masks.
    """
    inputs = axon.Input((4,), name="x")
    h = layers.Dense(6, activation="tanh")(inputs)
    a = layers.BatchNormalization()(layers.Dense(5, activation="tanh")(h))
    dropout = layers.Dropout(0.3, seed=1)
    b = dropout(layers.Dense(4, activation="sigmoid")(h))
    b = layers.add([b, layers.Dense(4)(h)])
    shared = layers.Dense(5, activation="tanh", name="shared")
    merged = MERGES[merge]([shared(layers.Dense(4)(a)), shared(b)])
    if merge == "concatenate":
        merged = layers.Dense(5)(merged)
    residual = layers.add([merged, shared(inputs)])
    outputs = layers.Dense(3, activation=output)(residual)
    return axon.Model(inputs, outputs), dropout


def check_model_gradient(
    model: axon.Model, x: Any, y: Any, loss: str, training: bool, reset: Any = None
) -> float:
    """Relative error of ``model.gradients`` after one backward pass, whole model."""
    model.compile(optimizer="sgd", loss=loss)
    xs, ys = model._prepare(x, y, "the check")
    reset = reset or (lambda: None)

    def objective() -> float:
        reset()
        out = model.forward(xs, training=training)
        value, _, _ = model._loss_and_gradient(ys, out)
        return value

    reset()
    out = model.forward(xs, training=training)
    _, grad, at_logits = model._loss_and_gradient(ys, out)
    model.backward(grad, from_logits=at_logits)
    analytic = model.gradients.copy()
    return relative_error(analytic, numerical_gradient(objective, model.parameters))


RNG = np.random.default_rng(0)
X = RNG.normal(size=(7, 4))
Y = np.eye(3)[RNG.integers(0, 3, 7)]


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("merge", sorted(MERGES))
@pytest.mark.parametrize("training", [True, False])
def test_a_graph_with_a_branch_a_merge_and_a_shared_layer_passes_the_gradient_check(
    merge: str, training: bool
) -> None:
    model, dropout = branchy_model(merge)

    def reset() -> None:  # the same dropout mask on every pass
        dropout.rng = np.random.default_rng(5)

    error = check_model_gradient(
        model, X, Y, "categorical_crossentropy", training, reset
    )
    assert model._path == "fused"  # softmax + cross-entropy at the logits
    assert error < 1e-7, error


@pytest.mark.usefixtures("float64")
def test_the_plain_loss_path_through_a_graph_passes_the_gradient_check() -> None:
    model, _ = branchy_model("add", output="linear")
    error = check_model_gradient(model, X, RNG.normal(size=(7, 3)), "mse", False)
    assert model._path == "plain" and error < 1e-7, error


@pytest.mark.usefixtures("float64")
def test_two_inputs_fed_as_a_dict_pass_the_gradient_check() -> None:
    a, b = axon.Input((3,), name="a"), axon.Input((2,), name="b")
    hidden = layers.Dense(4, activation="tanh")(layers.concatenate([a, b]))
    merged = layers.concatenate([hidden, layers.Dense(2)(b)])
    model = axon.Model({"a": a, "b": b}, layers.Dense(3, activation="softmax")(merged))
    x = {"a": X[:, :3], "b": X[:, 2:]}
    assert check_model_gradient(model, x, Y, "categorical_crossentropy", True) < 1e-7


def test_a_shared_layer_computes_each_call_with_its_own_input() -> None:
    a, b = axon.Input((3,), name="a"), axon.Input((3,), name="b")
    shared = layers.Dense(2, activation="relu")
    model = axon.Model([a, b], layers.concatenate([shared(a), shared(b)]))
    xa, xb = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    out = model.predict([xa, xb], verbose=0)
    np.testing.assert_allclose(out, np.hstack([shared(xa), shared(xb)]), rtol=1e-6)
    assert len(model.layers) == 4 and model.count_params() == 8


def test_a_shared_layer_gets_the_sum_of_its_calls_gradients() -> None:
    inputs = axon.Input((3,))
    shared = layers.Dense(3, use_bias=False)
    model = axon.Model(inputs, shared(shared(inputs)))  # y = x W W
    model.compile(optimizer="sgd", loss="mse")
    x, y = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    xs, ys = model._prepare(x, y, "the check")
    out = model.forward(xs, training=True)
    _, grad, _ = model._loss_and_gradient(ys, out)
    model.backward(grad)
    w = shared.params["kernel"]
    h = xs @ w  # dL/dW = x^T g W^T + h^T g, one term per call
    expected = xs.T @ grad @ w.T + h.T @ grad
    np.testing.assert_allclose(shared.grads["kernel"], expected, rtol=1e-5)


def test_the_model_knows_its_layers_inputs_and_outputs() -> None:
    a, b = axon.Input((4,), name="a"), axon.Input((2,), name="b")
    hidden = layers.Dense(3, activation="relu", name="hidden")(a)
    out = layers.Dense(2, name="out")(layers.concatenate([hidden, b]))
    model = axon.Model(inputs=[a, b], outputs=out, name="two_inputs")
    # Keras's order: farthest from the outputs first, ties in the order of the calls.
    assert [layer.name for layer in model.layers] == [
        "a",
        "hidden",
        "b",
        "concatenate",
        "out",
    ]
    assert model.inputs == [a, b] and model.outputs == [out]
    assert model.get_layer("hidden").units == 3  # type: ignore[attr-defined]
    assert model.get_layer(index=-1).name == "out"
    assert model.input_shape == [(4,), (2,)] and model.output_shape == (2,)
    assert out.shape == (None, 2) and repr(out).startswith(
        "<KerasTensor shape=(None, 2)"
    )
    assert isinstance(axon.Sequential(), axon.Model)
    with pytest.raises(ValueError, match=r"No such layer: nope. Existing layers are"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="index=9"):
        model.get_layer(index=9)


def test_fit_evaluate_predict_with_a_list_or_a_dict_of_inputs(iris_split: Any) -> None:
    x_train, x_test, y_train, y_test = iris_split
    sepal, petal = axon.Input((2,), name="sepal"), axon.Input((2,), name="petal")
    merged = layers.concatenate(
        [layers.Dense(8, activation="relu")(sepal), layers.Dense(8, "relu")(petal)]
    )
    model = axon.Model([sepal, petal], layers.Dense(3, activation="softmax")(merged))
    model.compile(
        optimizer=axon.optimizers.Adam(0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        {"sepal": x_train[:, :2], "petal": x_train[:, 2:]},
        y_train,
        epochs=30,
        batch_size=16,
        validation_split=0.2,
        verbose=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0]
    _, accuracy = model.evaluate([x_test[:, :2], x_test[:, 2:]], y_test, verbose=0)
    assert accuracy > 0.8
    as_list = model.predict([x_test[:, :2], x_test[:, 2:]], verbose=0)
    as_dict = model.predict({"petal": x_test[:, 2:], "sepal": x_test[:, :2]}, verbose=0)
    np.testing.assert_array_equal(as_list, as_dict)
    np.testing.assert_array_equal(
        model.predict_on_batch([x_test[:, :2], x_test[:, 2:]]), as_list
    )


def test_one_column_inputs_take_one_dimensional_columns_as_a_dataframe_gives_them() -> (
    None
):
    age, fare = axon.Input((1,), name="age"), axon.Input((1,), name="fare")
    model = axon.Model({"age": age, "fare": fare}, layers.add([age, fare]))
    out = model.predict({"age": np.array([1.0, 2.0]), "fare": np.array([3.0, 4.0])})
    np.testing.assert_array_equal(out, [[4.0], [6.0]])


def test_several_outputs_predict_as_a_list_or_a_dict() -> None:
    inputs = axon.Input((4,))
    hidden = layers.Dense(3)(inputs)
    head = layers.Dense(2)(hidden)
    as_list = axon.Model(inputs, [hidden, head]).predict(X, verbose=0)
    assert [p.shape for p in as_list] == [(7, 3), (7, 2)]
    as_dict = axon.Model(inputs, {"h": hidden, "y": head}).predict(X, batch_size=3)
    assert sorted(as_dict) == ["h", "y"] and as_dict["y"].shape == (7, 2)
    np.testing.assert_allclose(as_dict["y"], as_list[1])


def test_training_fixed_at_a_call_overrides_the_models_mode() -> None:
    inputs = axon.Input((100,))
    always = layers.Dropout(0.5, seed=0)(inputs, training=True)  # Monte Carlo dropout
    model = axon.Model(inputs, always)
    assert (model.predict(np.ones((4, 100)), verbose=0) == 0).any()
    assert model.get_config()["layers"][1]["inbound_nodes"][0]["kwargs"] == {
        "training": True
    }


def test_a_chain_built_as_a_model_trains_like_the_sequential_twin() -> None:
    def build(functional: bool) -> axon.Model:
        axon.utils.set_random_seed(3)
        stack = [
            layers.Dense(8, activation="relu"),
            layers.BatchNormalization(),
            layers.Dense(3, activation="softmax"),
        ]
        if not functional:
            return axon.Sequential([axon.Input((4,)), *stack])
        x = inputs = axon.Input((4,))
        for layer in stack:
            x = layer(x)
        return axon.Model(inputs, x)

    x, y = RNG.normal(size=(64, 4)), np.eye(3)[RNG.integers(0, 3, 64)]
    losses = []
    for functional in (False, True):
        model = build(functional)
        model.set_weights(build(False).get_weights())
        model.rng = np.random.default_rng(0)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        losses.append(model.fit(x, y, epochs=3, verbose=0).history["loss"])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-6)


def test_the_graph_walk_costs_two_python_calls_per_step_over_the_chain_loop() -> None:
    """Counted, not timed: the per-step overhead of small networks is their calls."""

    def calls_per_pass(model: axon.Model) -> int:
        x = RNG.normal(size=(16, 4)).astype(np.float32)
        y = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, len(x))]
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        xs, ys = model._prepare(x, y, "the count")
        out = model.forward(xs, training=True)
        _, grad, at_logits = model._loss_and_gradient(ys, out)
        count = [0]

        def profile(frame: Any, event: str, arg: Any) -> None:
            count[0] += event == "call"

        sys.setprofile(profile)
        try:
            model.forward(xs, training=True)
            model.backward(grad, from_logits=at_logits)
        finally:
            sys.setprofile(None)
        return count[0]

    def stack() -> list[axon.layers.Layer]:
        return [
            layers.Dense(8, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.2),
            layers.Dense(3, activation="softmax"),
        ]

    sequential = calls_per_pass(axon.Sequential([axon.Input((4,)), *stack()]))
    x = inputs = axon.Input((4,))
    for layer in stack():
        x = layer(x)
    functional = calls_per_pass(axon.Model(inputs, x))
    assert functional <= sequential + 2, (functional, sequential)


# -- errors ---------------------------------------------------------------------------
def test_a_layer_called_on_the_wrong_shape_fails_when_the_graph_is_built() -> None:
    first = layers.Dense(3, name="first")(axon.Input((4,), name="features"))
    second = layers.Dense(2, name="second")
    second(first)
    with pytest.raises(
        ValueError, match=r"'second'.*'wide' of shape \(None, 5\)"
    ) as info:
        second(axon.Input((5,), name="wide"))
    assert "(batch, 3)" in str(info.value)  # what it expects, and the other layer
    with pytest.raises(
        ValueError, match=r"'add'.*'first' of shape \(None, 3\).*one shape"
    ):
        layers.Add(name="add")([first, axon.Input((2,))])
    with pytest.raises(ValueError, match="takes one tensor"):
        layers.Dense(2)([first, first])
    with pytest.raises(ValueError, match="takes a list of tensors"):
        layers.Add()(first)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.subtract([first, first, first])
    with pytest.raises(TypeError, match="not a mix"):
        layers.Add()([first, np.ones((1, 3))])


def test_inputs_and_outputs_that_do_not_connect_are_refused() -> None:
    a, b = axon.Input((4,), name="a"), axon.Input((4,), name="b")
    stray = axon.Input((4,), name="stray")
    out = layers.Dense(2, name="out")(layers.add([a, stray]))
    with pytest.raises(
        ValueError, match=r"'out' does not come from the model's inputs"
    ):
        axon.Model(a, out)
    with pytest.raises(ValueError, match=r"Input 'b' does not reach the outputs"):
        axon.Model([a, b], layers.Dense(2)(a))
    with pytest.raises(TypeError, match=r"symbolic tensors .* in outputs"):
        axon.Model(a, "out")
    with pytest.raises(TypeError, match=r"in inputs"):
        axon.Model([a, np.ones(3)], out)
    with pytest.raises(ValueError, match=r"the tensors of axon\.Input in inputs"):
        axon.Model(layers.Dense(2)(a), out)
    with pytest.raises(TypeError, match=r"Model\(inputs=..., outputs=...\)"):
        axon.Model()


def test_data_that_do_not_fit_the_inputs_are_explained() -> None:
    a, b = axon.Input((3,), name="a"), axon.Input((2,), name="b")
    model = axon.Model([a, b], layers.concatenate([a, b]))
    with pytest.raises(ValueError, match=r"Missing data for input 'b'.*keys \['a'\]"):
        model.predict({"a": np.ones((2, 3))}, verbose=0)
    with pytest.raises(TypeError, match=r"2 inputs \['a', 'b'\].*a list of 3"):
        model.predict([np.ones((2, 3))] * 3, verbose=0)
    with pytest.raises(TypeError, match="a list of 2 arrays or a dict"):
        model.predict(np.ones((2, 5)), verbose=0)
    with pytest.raises(ValueError, match=r"3 feature\(s\).*x\['a'\] with 4 column"):
        model.predict({"a": np.ones((2, 4)), "b": np.ones((2, 2))}, verbose=0)
    with pytest.raises(ValueError, match=r"x\[0\] and x\[1\] to have the same number"):
        model.predict([np.ones((2, 3)), np.ones((3, 2))], verbose=0)


# -- config, saving, summary -------------------------------------------------------------
def shared_two_input_model() -> axon.Model:
    a, b = axon.Input((3,), name="a"), axon.Input((2,), name="b")
    shared = layers.Dense(4, activation="relu", name="shared")
    left, right = shared(layers.Dense(3, name="lift")(b)), shared(a)
    merged = layers.concatenate([layers.add([left, right]), b], name="merged")
    hidden = layers.Dropout(0.25, seed=2)(merged)
    out = layers.Dense(3, activation="softmax", name="out")(hidden)
    return axon.Model({"a": a, "b": b}, out, name="shared_two")


def test_config_round_trips_to_a_graph_that_computes_the_same() -> None:
    model = shared_two_input_model()
    config = model.get_config()
    assert config["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    assert config["output_layers"] == ["out", 0, 0]
    shared = next(e for e in config["layers"] if e["name"] == "shared")
    assert [
        n["args"][0]["config"]["keras_history"] for n in shared["inbound_nodes"]
    ] == [
        ["lift", 0, 0],
        ["a", 0, 0],
    ]
    config["layers"].reverse()  # the rebuild does not depend on the listing order
    axon.utils.clear_session()
    twin = axon.Model.from_config(config)
    config["layers"].reverse()
    assert twin.get_config() == config
    twin.set_weights(model.get_weights())
    x = {"a": RNG.normal(size=(5, 3)), "b": RNG.normal(size=(5, 2))}
    np.testing.assert_array_equal(
        twin.predict(x, verbose=0), model.predict(x, verbose=0)
    )


def test_a_bad_config_is_a_value_error() -> None:
    config = shared_two_input_model().get_config()
    config["layers"] = [e for e in config["layers"] if e["name"] != "lift"]
    with pytest.raises(
        ValueError, match=r"calls of \['add', .*'shared'\] take tensors"
    ):
        axon.Model.from_config(config)


def test_save_and_load_a_functional_model(tmp_path: Path) -> None:
    model = shared_two_input_model()
    model.compile(
        optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]
    )
    x = {"a": RNG.normal(size=(32, 3)), "b": RNG.normal(size=(32, 2))}
    y = np.eye(3)[RNG.integers(0, 3, 32)]
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "model.axon")
    loaded = axon.models.load_model(tmp_path / "model.axon")
    assert isinstance(loaded, axon.Model) and not isinstance(loaded, axon.Sequential)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )
    # Training goes on exactly as it would have (optimizer and generators restored).
    after = [m.fit(x, y, epochs=1, verbose=0).history["loss"] for m in (model, loaded)]
    assert after[0] == after[1]


# Keras 3.15's own summary of the same model (on an 80-column terminal).
KERAS_SUMMARY = """\
Model: "shared_two"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ b (InputLayer)      │ (None, 2)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ lift (Dense)        │ (None, 3)         │          9 │ b[0][0]           │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ a (InputLayer)      │ (None, 3)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ shared (Dense)      │ (None, 4)         │         16 │ lift[0][0],       │
│                     │                   │            │ a[0][0]           │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ add (Add)           │ (None, 4)         │          0 │ shared[0][0],     │
│                     │                   │            │ shared[1][0]      │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ merged              │ (None, 6)         │          0 │ add[0][0],        │
│ (Concatenate)       │                   │            │ b[0][0]           │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dropout (Dropout)   │ (None, 6)         │          0 │ merged[0][0]      │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ out (Dense)         │ (None, 3)         │         21 │ dropout[0][0]     │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 46 (184.00 B)
 Trainable params: 46 (184.00 B)
 Non-trainable params: 0 (0.00 B)"""


def test_summary_shows_what_each_layer_is_connected_to_as_keras_does() -> None:
    lines: list[str] = []
    shared_two_input_model().summary(print_fn=lines.append)
    assert lines == [KERAS_SUMMARY]


def test_a_chain_built_as_a_model_prints_the_three_column_table() -> None:
    inputs = axon.Input((4,), name="x")
    model = axon.Model(inputs, layers.Dense(3, name="out")(inputs))
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    assert "Connected to" not in lines[0]
    assert "│ x (InputLayer)                  │ (None, 4)              │" in lines[0]


# -- freezing -------------------------------------------------------------------------
def test_a_frozen_layer_leaves_the_flat_vector_and_keeps_its_weights() -> None:
    inputs = axon.Input((4,))
    base = layers.Dense(6, activation="relu", name="base")
    head = layers.Dense(3, activation="softmax", name="head")
    model = axon.Model(inputs, head(layers.BatchNormalization(name="bn")(base(inputs))))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    x, y = RNG.normal(size=(32, 4)), np.eye(3)[RNG.integers(0, 3, 32)]
    model.fit(x, y, epochs=1, verbose=0)
    assert model.parameters.size == 30 + 12 + 21
    base.trainable = False
    frozen = base.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    assert model.parameters.size == 12 + 21  # gamma, beta and the head
    for before, after in zip(frozen, base.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    assert not np.shares_memory(base.params["kernel"], model.parameters)
    assert base.trainable_weights == [] and len(base.non_trainable_weights) == 2
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 4
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    assert "Trainable params: 33" in lines[0] and "Non-trainable params: 42" in lines[0]
    # The optimizer's moments follow the head's weights to their new place.
    base.trainable, head.trainable = True, False
    model.fit(x, y, epochs=1, verbose=0)
    assert model.optimizer is not None and model.parameters.size == 30 + 12
    moments = {k: v[30:].copy() for k, v in model.optimizer.slots.items()}  # bn's
    base.trainable, head.trainable = False, True
    model.fit(x, y, epochs=0, verbose=0)  # repacks, takes no step
    assert model.optimizer.slots
    for key, slot in model.optimizer.slots.items():
        assert slot.size == 12 + 21
        np.testing.assert_array_equal(slot[:12], moments[key])
        assert not slot[12:].any()  # the head starts afresh, as a new weight


def test_model_trainable_false_freezes_every_layer() -> None:
    model = shared_two_input_model()
    model.trainable = False
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    before = model.get_weights()
    x = {"a": RNG.normal(size=(8, 3)), "b": RNG.normal(size=(8, 2))}
    model.fit(x, np.eye(3)[RNG.integers(0, 3, 8)], verbose=0)
    assert model.parameters.size == 0 and model.trainable_weights == []
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert axon.Model.from_config(model.get_config()).trainable is False
    inputs = axon.Input((2,))
    frozen = axon.Model(inputs, layers.Dense(1)(inputs), trainable=False)
    assert frozen.parameters.size == 0 and not frozen.layers[1].trainable


@pytest.mark.usefixtures("float64")
def test_a_shared_output_layer_is_not_fused_and_its_gradient_is_still_right() -> None:
    inputs = axon.Input((4,))
    shared = layers.Dense(4, activation="softmax", name="shared")
    middle = layers.Dense(4, activation="softmax", name="middle")
    model = axon.Model(inputs, shared(middle(shared(inputs))))
    assert model.layers[-1] is middle  # Keras's order: the shared layer sits deeper
    y = np.eye(4)[RNG.integers(0, 4, 7)]
    error = check_model_gradient(model, X, y, "categorical_crossentropy", True)
    assert model._path == "plain" and error < 1e-7, error


def test_one_multi_axis_input_reaches_its_first_layer_in_its_shape() -> None:
    inputs = axon.Input((4, 3))
    rows = layers.Softmax(axis=-1)(inputs)  # along the 3, not the 12 flat columns
    model = axon.Model(inputs, layers.Flatten()(rows))
    x = RNG.normal(size=(6, 4, 3)).astype("float32")
    expected = np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
    for predicted in (model.predict(x, verbose=0), model.predict_on_batch(x)):
        np.testing.assert_allclose(predicted, expected.reshape(6, 12), rtol=1e-5)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, expected.reshape(6, 12), verbose=0)
    assert model.evaluate(x, expected.reshape(6, 12), verbose=0) < 1e-12


def test_predict_reads_a_pydataset_for_several_inputs_and_outputs() -> None:
    a, b = axon.Input((3,), name="a"), axon.Input((2,), name="b")
    merged = layers.concatenate([a, b])
    outputs = {"p": layers.Dense(2, name="p")(merged), "q": layers.Dense(1)(merged)}
    model = axon.Model({"a": a, "b": b}, outputs)
    x = {"a": RNG.normal(size=(10, 3)), "b": RNG.normal(size=(10, 2))}

    class Batches(axon.utils.PyDataset):
        def __len__(self) -> int:
            return 3

        def __getitem__(self, i: int) -> tuple[dict[str, np.ndarray]]:
            return ({key: value[4 * i : 4 * i + 4] for key, value in x.items()},)

    streamed, whole = model.predict(Batches(), verbose=0), model.predict(x, verbose=0)
    assert list(streamed) == ["p", "q"]
    for key in whole:
        np.testing.assert_allclose(streamed[key], whole[key], rtol=1e-6)
    model.compile(optimizer="sgd", loss={"p": "mse", "q": "mae"})
    y = {"p": RNG.normal(size=(10, 2)), "q": RNG.normal(size=(10, 1))}

    class Labelled(Batches):
        def __getitem__(self, i: int) -> Any:
            rows = slice(4 * i, 4 * i + 4)
            return super().__getitem__(i)[0], {k: v[rows] for k, v in y.items()}

    np.testing.assert_allclose(
        model.evaluate(Labelled(), verbose=0), model.evaluate(x, y, verbose=0)
    )
