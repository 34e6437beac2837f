"""The fused step of a Sequential of Dense layers gives the layer path's numbers, bit for bit.

Each test trains twice from the same seed, once through ``dense_chain`` and once with
it switched off (the layer path), and compares the weights with ``array_equal`` and
the history and batch logs by ``repr`` (which tells -0.0 from 0.0), never with a
tolerance; a spy on ``DenseChain.step`` says which path really ran.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import axon
from axon.models import dense_chain
from axon.testing import numerical_gradient, relative_error


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the chain's steps; the switch and the float type are restored after."""
    count = [0]
    original = dense_chain.DenseChain.step

    def counted(self: Any, x: Any, y: Any) -> Any:
        count[0] += 1
        return original(self, x, y)

    monkeypatch.setattr(dense_chain.DenseChain, "step", counted)
    floatx = axon.config.floatx()
    yield count
    dense_chain.ENABLED = True  # even when a test failed with the chain off
    axon.config.set_floatx(floatx)


def data(
    n: int, loss: str, dtype: str = "float32", classes: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 4)).astype(dtype)
    labels = rng.integers(0, classes, n)
    if loss == "sparse_categorical_crossentropy":
        return x, labels
    if loss == "binary_crossentropy":
        return x, labels[:, None].clip(0, 1).astype(dtype)
    if loss == "mse":
        return x, rng.normal(size=(n, classes)).astype(dtype)
    return x, np.eye(classes, dtype=dtype)[labels]


def assemble(layers: list[Any], functional: bool) -> axon.Model:
    """A Sequential of ``layers`` after a 4-column Input, or the same chain as a
    functional Model (each layer called on the one before)."""
    if not functional:
        return axon.Sequential([axon.layers.Input((4,)), *layers])
    tensor = given = axon.Input((4,))
    for layer in layers:
        tensor = layer(tensor)
    return axon.Model(given, tensor)


def network(
    hidden: tuple[Any, ...] = ("relu", "relu"),
    output: str | None = "softmax",
    units: int = 3,
    functional: bool = False,
    **dense: Any,
) -> axon.Model:
    axon.config.set_random_seed(0)
    layers = [axon.layers.Dense(8, activation=a, **dense) for a in hidden]
    return assemble([*layers, axon.layers.Dense(units, activation=output)], functional)


def train(
    enabled: bool,
    build: Any = network,
    loss: Any = "categorical_crossentropy",
    n: int = 100,
    dtype: str = "float32",
    compile_args: dict[str, Any] | None = None,
    classes: int = 3,
    **fit: Any,
) -> tuple[axon.Sequential, dict[str, list[float]], list[Any]]:
    """Fit a fresh network (``build()``) with or without the chain."""
    dense_chain.ENABLED = enabled
    try:
        axon.config.set_floatx(dtype)
        name = loss if isinstance(loss, str) else loss.name
        x, y = data(n, name, dtype, 1 if name == "binary_crossentropy" else classes)
        model = build()
        model.compile(optimizer="adam", loss=loss, **(compile_args or {}))
        batches: list[Any] = []

        class Logs(axon.callbacks.Callback):
            def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
                batches.append(dict(logs or {}))

        fit = {"batch_size": 16, "epochs": 3, "verbose": 0, **fit}
        callbacks = [Logs()] if fit.pop("batch_logs", False) else []
        history = model.fit(x, y, callbacks=callbacks, **fit)
        return model, history.history, batches
    finally:
        dense_chain.ENABLED = True


def assert_same(a: Any, b: Any) -> None:
    assert a[0].parameters.dtype == b[0].parameters.dtype
    assert np.array_equal(a[0].parameters, b[0].parameters)
    # every history value and batch log, bit for bit (repr tells -0.0 from 0.0)
    assert repr(a[1]) == repr(b[1]) and a[1]
    assert repr(a[2]) == repr(b[2])


CASES = {
    "relu, softmax, categorical": {},
    "tanh and sigmoid hidden": {"build": lambda: network(("tanh", "sigmoid"))},
    "linear and gelu hidden": {"build": lambda: network(("linear", "gelu"))},
    "leaky relu and relu6": {
        "build": lambda: network((axon.activations.ReLU(negative_slope=0.1), "relu6"))
    },
    "sparse categorical": {"loss": "sparse_categorical_crossentropy"},
    "label smoothing": {
        "loss": axon.losses.CategoricalCrossentropy(label_smoothing=0.1)
    },
    "sigmoid, binary": {
        "build": lambda: network(output="sigmoid", units=1),
        "loss": "binary_crossentropy",
    },
    "linear, mse (the plain path)": {
        "build": lambda: network(output="linear"),
        "loss": "mse",
    },
    "softmax, mse (f' at the output)": {"loss": "mse"},
    "relu output, mae": {"build": lambda: network(output="relu"), "loss": "mae"},
    "from logits": {
        "build": lambda: network(output=None),
        "loss": axon.losses.CategoricalCrossentropy(from_logits=True),
    },
    "float64": {"dtype": "float64"},
    "no bias": {"build": lambda: network(use_bias=False)},
    "one Dense layer": {"build": lambda: network(())},
    "one-row last batch": {"n": 97},
    "a batch of one": {"n": 5, "batch_size": 1},
    "10 classes, batches of 80 and 40 (row max by columns, then reduction)": {
        "build": lambda: network(units=10),
        "classes": 10,
        "n": 200,
        "batch_size": 80,
    },
    "20 classes (row max by reduction)": {
        "build": lambda: network(units=20),
        "classes": 20,
    },
    "accuracy, validation_split, batch logs": {
        "compile_args": {"metrics": ["accuracy"]},
        "validation_split": 0.2,
        "batch_logs": True,
    },
    "unshuffled, 5 epochs": {"shuffle": False, "epochs": 5},
    "functional Model": {"build": lambda: network(functional=True)},
    "functional, tanh hidden, sigmoid, binary": {
        "build": lambda: network(("tanh",), "sigmoid", 1, functional=True),
        "loss": "binary_crossentropy",
    },
    "functional, from logits, float64, validation_split": {
        "build": lambda: network(output=None, functional=True),
        "loss": axon.losses.CategoricalCrossentropy(from_logits=True),
        "dtype": "float64",
        "validation_split": 0.2,
        "compile_args": {"metrics": ["accuracy"]},
    },
    "functional, linear, mse": {
        "build": lambda: network(output="linear", functional=True),
        "loss": "mse",
    },
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_fit_through_the_chain_equals_the_layer_path(
    case: dict[str, Any], steps: list[int]
) -> None:
    chained = train(True, **case)
    assert steps[0] > 0 and chained[0]._chain is not None
    used = steps[0]
    layered = train(False, **case)
    assert steps[0] == used  # the switch really sends the steps to the layers
    assert_same(chained, layered)
    assert np.isfinite(chained[1]["loss"]).all()
    assert chained[1]["loss"][-1] < chained[1]["loss"][0]  # and it trains


def test_train_on_batch_keeps_its_chain_and_equals_the_layer_path(
    steps: list[int],
) -> None:
    results = []
    for enabled in (True, False):
        dense_chain.ENABLED = enabled
        x, y = data(40, "categorical_crossentropy")
        model = network()
        model.compile(
            optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]
        )
        logs, chains = [], []
        for i in range(0, 40, 8):  # 12 rows a call, the last 8
            logs.append(model.train_on_batch(x[i : i + 12], y[i : i + 12]))
            chains.append(model._chain)
        results.append((model.parameters.copy(), logs))
        if enabled:  # one chain, its plans kept from call to call
            assert chains[0] is not None and chains.count(chains[0]) == 5
            assert sorted(chains[0].plans) == [8, 12]
    dense_chain.ENABLED = True
    assert steps[0] == 5
    assert np.array_equal(results[0][0], results[1][0])
    assert repr(results[0][1]) == repr(results[1][1])


def test_each_layer_keeps_what_its_forward_keeps(steps: list[int]) -> None:
    """x, logits and y of each layer, as the monitor reads them after a step."""
    kept = []
    for enabled in (True, False):
        model = train(enabled, n=100, epochs=1)[0]
        kept.append(
            [
                (layer.x.copy(), layer.logits.copy(), layer.y.copy())
                for layer in model.layers
            ]
        )
    assert steps[0] > 0
    for mine, theirs in zip(kept[0], kept[1], strict=True):
        for a, b in zip(mine, theirs, strict=True):
            assert np.array_equal(a, b)


def test_the_training_monitor_sees_the_same_run(steps: list[int]) -> None:
    records = []
    for enabled in (True, False):
        monitor = axon.diagnostics.TrainingMonitor()
        dense_chain.ENABLED = enabled
        try:
            x, y = data(200, "categorical_crossentropy")
            model = network()
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[monitor])
        finally:
            dense_chain.ENABLED = True
        records.append(re.sub(r"dense_\d+", "dense", repr(monitor.record)))
    assert steps[0] > 0
    assert records[0] == records[1]


def test_a_non_finite_loss_stops_both_paths_alike(steps: list[int]) -> None:
    runs = []
    for enabled in (True, False):
        dense_chain.ENABLED = enabled
        x, y = data(64, "mse")
        x[40] = 1e30  # overflows in the products: the loss is not finite
        model = network(output="linear")
        model.compile(optimizer="adam", loss="mse")
        with pytest.warns(RuntimeWarning, match="The loss became"):
            history = model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
        runs.append((model.parameters.copy(), model.gradients.copy(), history.history))
    dense_chain.ENABLED = True
    assert steps[0] == 3  # two good batches, then the bad one, which updates nothing
    assert np.array_equal(runs[0][0], runs[1][0])
    assert np.array_equal(runs[0][1], runs[1][1])
    assert runs[0][2] == runs[1][2] == {}


def stack(middle: Any, *arguments: Any, functional: bool = False) -> axon.Model:
    """A relu layer, ``middle(*arguments)``, a softmax layer, from one seed."""
    axon.config.set_random_seed(0)
    first = axon.layers.Dense(8, activation="relu")
    last = axon.layers.Dense(3, activation="softmax")
    return assemble([first, middle(*arguments), last], functional)


def frozen() -> axon.Sequential:
    model = network()
    model.layers[0].trainable = False
    return model


def called_twice() -> axon.Model:
    """A functional Model of Dense layers only that is not one chain: a layer reused."""
    axon.config.set_random_seed(0)
    given, twice = axon.Input((4,)), axon.layers.Dense(4, activation="relu")
    last = axon.layers.Dense(3, activation="softmax")
    return axon.Model(given, last(twice(twice(given))))


FALLBACKS = {
    "Dropout": lambda: stack(axon.layers.Dropout, 0.2),
    "BatchNormalization": lambda: stack(axon.layers.BatchNormalization),
    "Activation layer": lambda: stack(axon.layers.Activation, "tanh"),
    "kernel regularizer": lambda: network(kernel_regularizer="l2"),
    "bias regularizer": lambda: network(bias_regularizer="l1"),
    "activity regularizer": lambda: network(activity_regularizer="l2"),
    "a frozen layer": frozen,
    "functional, a layer called twice": called_twice,
    "functional, Dropout": lambda: stack(axon.layers.Dropout, 0.2, functional=True),
}


def test_a_functional_model_with_two_outputs_takes_the_layer_path(
    steps: list[int],
) -> None:
    axon.config.set_random_seed(0)
    given = axon.Input((4,))
    hidden = axon.layers.Dense(8, activation="relu")(given)
    heads = [axon.layers.Dense(3, activation="softmax")(hidden) for _ in range(2)]
    model = axon.Model(given, heads)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    x, y = data(40, "categorical_crossentropy")
    model.fit(x, [y, y], epochs=1, batch_size=8, verbose=0)
    assert steps[0] == 0 and model._chain is None


@pytest.mark.parametrize("build", FALLBACKS.values(), ids=FALLBACKS.keys())
def test_other_models_take_the_layer_path(build: Any, steps: list[int]) -> None:
    model, history, _ = train(True, build)
    assert steps[0] == 0 and model._chain is None
    assert np.isfinite(history["loss"]).all()
    layered = train(False, build)
    assert_same((model, history, []), layered)


@pytest.mark.parametrize("weights", ["sample_weight", "class_weight"])
def test_weighted_batches_take_the_layer_path(weights: str, steps: list[int]) -> None:
    n = 100
    argument = (
        np.linspace(0.5, 2.0, n)
        if weights == "sample_weight"
        else {0: 1.0, 1: 2.0, 2: 0.5}
    )
    chained = train(True, **{weights: argument})
    assert steps[0] == 0
    assert chained[1]["loss"][-1] < chained[1]["loss"][0]
    assert_same(chained, train(False, **{weights: argument}))


def one_step_gradients(enabled: bool, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    dense_chain.ENABLED = enabled
    try:
        model = network(("tanh", "relu"))
        model.compile(
            optimizer=axon.optimizers.SGD(learning_rate=0.0),
            loss="categorical_crossentropy",
        )
        model.train_on_batch(x, y)
        return model.gradients.copy()
    finally:
        dense_chain.ENABLED = True


def test_one_steps_gradients_equal_the_layer_paths_in_float64(steps: list[int]) -> None:
    axon.config.set_floatx("float64")
    x, y = data(12, "categorical_crossentropy", "float64")
    chained = one_step_gradients(True, x, y)
    assert steps[0] == 1
    layered = one_step_gradients(False, x, y)
    assert chained.dtype == np.float64 and np.abs(chained).sum() > 0
    assert np.array_equal(chained, layered)


def test_the_chains_gradient_matches_finite_differences(steps: list[int]) -> None:
    axon.config.set_floatx("float64")
    x, y = data(12, "categorical_crossentropy", "float64")
    model = network(("tanh", "relu"))
    model.compile(
        optimizer=axon.optimizers.SGD(learning_rate=0.0),
        loss="categorical_crossentropy",
    )
    model.train_on_batch(x, y)  # the gradient at these weights (a rate of 0 keeps them)
    assert steps[0] == 1
    analytic = model.gradients.copy()

    def loss() -> float:
        return float(
            axon.losses.CategoricalCrossentropy()(y, model.predict(x, verbose=0))
        )

    numeric = numerical_gradient(loss, model.parameters)
    assert relative_error(analytic, numeric) < 1e-7


def test_a_loss_of_minus_zero_is_reported_as_zero_as_the_layer_path_does(
    steps: list[int],
) -> None:
    """A certain, right answer: ``-sum(y log p)`` is -0.0, the penalty hook's + 0.0."""
    losses = []
    for enabled in (True, False):
        dense_chain.ENABLED = enabled
        model = axon.Sequential(
            [axon.layers.Input((4,)), axon.layers.Dense(3, "softmax")]
        )
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        model.layers[0].params["kernel"][0] = [1000.0, 0.0, 0.0]
        x, y = np.eye(4, dtype="float32")[:1], np.eye(3, dtype="float32")[:1]
        losses.append(repr(model.train_on_batch(x, y)))
    dense_chain.ENABLED = True
    assert steps[0] == 1
    assert losses == ["0.0", "0.0"]


def test_the_chain_follows_the_model_from_call_to_call(steps: list[int]) -> None:
    x, y = data(32, "categorical_crossentropy")
    model = network()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.train_on_batch(x, y)
    chain = model._chain
    assert chain is not None and chain.fused
    model.compile(optimizer="adam", loss="mse")  # another path to the output
    model.train_on_batch(x, y)
    assert model._chain is not chain and not model._chain.fused
    model.layers[1].trainable = False  # repacked: the layer path
    model.train_on_batch(x, y)
    assert model._chain is None
    model.layers[1].trainable = True  # repacked again: new views, a new chain
    model.train_on_batch(x, y)
    assert model._chain is not None and steps[0] == 3


def test_each_activation_is_applied_as_its_own_forward_would() -> None:
    kind, relu, softmax = (
        dense_chain._kind,
        axon.activations.ReLU,
        axon.activations.Softmax,
    )
    assert kind(axon.activations.get("linear"), (16, 8)) == dense_chain.LINEAR
    assert kind(relu(), (16, 8)) == dense_chain.RELU
    assert kind(relu(max_value=6.0), (16, 8)) == dense_chain.OTHER
    assert kind(axon.activations.get("tanh"), (16, 8)) == dense_chain.OTHER
    # softmax's row max by columns: 3 units or fewer, or 8 rows a unit up to 16
    assert kind(softmax(), (16, 3)) == kind(softmax(), (80, 10)) == dense_chain.SOFTMAX
    assert kind(softmax(), (16, 10)) == kind(softmax(), (512, 20)) == dense_chain.OTHER
    assert kind(softmax(), (1, 3)) == dense_chain.OTHER  # one row: another summation
    assert kind(softmax(), (16, 1)) == kind(softmax(0), (16, 3)) == dense_chain.OTHER


def test_a_stream_of_many_batch_sizes_keeps_few_plans(steps: list[int]) -> None:
    x, y = data(60, "categorical_crossentropy")
    model = network()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    for n in range(1, 31):
        model.train_on_batch(x[:n], y[:n])
        assert len(model._chain.plans) <= 17
    assert steps[0] == 30
    assert sorted(model._chain.plans) == list(range(18, 31))  # cleared at 18
