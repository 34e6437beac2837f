"""The training monitor records the inside of the network and changes nothing."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import axon
from axon.diagnostics import TrainingMonitor


def data(rows: int = 240) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(loc=[0.0, 5.0, -3.0], scale=[1.0, 2.0, 0.5], size=(rows, 3))
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 5)
    return x, axon.utils.to_categorical(labels, 3)


def network(hidden: str = "relu") -> axon.Sequential:
    model = axon.Sequential(
        [
            axon.layers.Input((3,)),
            axon.layers.Dense(8, activation=hidden),
            axon.layers.Dense(6, activation="tanh"),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["acc"])
    return model


def test_per_layer_per_epoch_series_of_each_kind() -> None:
    axon.utils.set_random_seed(0)
    model, monitor = network(), TrainingMonitor()
    history = model.fit(
        *data(),
        epochs=4,
        batch_size=32,
        validation_split=0.2,
        callbacks=[monitor],
        verbose=0,
    )
    relu, tanh, softmax = monitor.record["layers"]
    assert (relu["activation"], tanh["activation"]) == ("relu", "tanh")
    for layer in (relu, tanh, softmax):
        assert len(layer["gradient_rms"]) == len(layer["update_ratio"]) == 4
        assert all(g > 0 for g in layer["gradient_rms"])
        # Adam's steps are about its learning rate: 1e-3 of weights of size ~0.5
        assert all(1e-4 < r < 1e-1 for r in layer["update_ratio"])
    assert len(relu["dead_share"]) == 4 and "saturated_share" not in relu
    assert len(tanh["saturated_share"]) == 4 and "dead_share" not in tanh
    assert "dead_share" not in softmax and "saturated_share" not in softmax
    assert history.monitor is monitor.record
    assert monitor.gradient_rms[relu["name"]] == relu["gradient_rms"]
    json.dumps(history.to_dict())  # the record travels in history.json


def test_gradient_rms_is_that_of_the_kernels_gradient() -> None:
    axon.utils.set_random_seed(0)
    model, monitor = network(), TrainingMonitor()
    x, y = data(64)
    model.fit(x, y, epochs=1, batch_size=64, callbacks=[monitor], verbose=0)
    first = model.layers[0]
    expected = np.sqrt(np.mean(np.square(first.grads["kernel"], dtype=np.float64)))
    assert monitor.record["layers"][0]["gradient_rms"][0] == pytest.approx(expected)


def test_input_statistics_and_class_counts_of_the_split() -> None:
    x, y = data()
    monitor = TrainingMonitor()
    network().fit(
        x,
        y,
        epochs=1,
        batch_size=32,
        validation_split=0.25,
        callbacks=[monitor],
        verbose=0,
    )
    inputs, facts = monitor.record["inputs"], monitor.record["data"]
    train = x[:180]
    np.testing.assert_allclose(inputs["mean"], train.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(inputs["std"], train.std(axis=0), rtol=1e-4)
    assert inputs["largest_std"] == pytest.approx(train.std(axis=0).max(), rel=1e-4)
    assert facts["train_rows"] == 180 and facts["validation_rows"] == 60
    assert facts["train_counts"] == np.bincount(y[:180].argmax(1), minlength=3).tolist()
    assert facts["validation_counts"] == np.bincount(y[180:].argmax(1)).tolist()


def watched(*layers: axon.layers.Layer, index: int = 0) -> dict[str, list[float]]:
    """The record of a layer after one epoch of ``layers`` + softmax."""
    axon.utils.set_random_seed(0)
    model = axon.Sequential(
        [axon.layers.Input((3,)), *layers, axon.layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    monitor = TrainingMonitor()
    model.fit(*data(), epochs=1, callbacks=[monitor], verbose=0)
    record: dict[str, list[float]] = monitor.record["layers"][index]
    return record


def test_dead_and_saturated_units_are_counted() -> None:
    dead = axon.initializers.Constant(-100.0)
    assert watched(axon.layers.Dense(10, "relu", bias_initializer=dead))[
        "dead_share"
    ] == [1.0]
    assert watched(axon.layers.Dense(10, "relu"))["dead_share"][0] < 0.5
    large = axon.initializers.Constant(30.0)
    assert watched(axon.layers.Dense(4, "tanh", kernel_initializer=large))[
        "saturated_share"
    ] == [1.0]
    assert watched(axon.layers.Dense(4, "sigmoid"))["saturated_share"] == [0.0]
    # a ReLU in a layer of its own is watched too
    linear, relu = axon.layers.Dense(6, bias_initializer=dead), axon.layers.ReLU()
    assert watched(linear, relu, index=1)["dead_share"] == [1.0]


def test_the_monitor_changes_no_bit_of_training() -> None:
    def run(with_monitor: bool) -> tuple[dict[str, list[float]], list[np.ndarray]]:
        axon.utils.set_random_seed(5)
        model = network()
        callbacks = [TrainingMonitor()] if with_monitor else []
        history = model.fit(
            *data(),
            epochs=3,
            batch_size=16,
            validation_split=0.2,
            callbacks=callbacks,
            verbose=0,
        )
        return history.history, model.get_weights()

    (watched, weights), (plain, plain_weights) = run(True), run(False)
    assert watched == plain
    for a, b in zip(weights, plain_weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_how_the_run_ended_is_recorded() -> None:
    x, y = data()
    monitor = TrainingMonitor()
    model = network()
    model.compile(optimizer=axon.optimizers.SGD(1e20), loss="categorical_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(x * 1e3, y, epochs=5, callbacks=[monitor], verbose=0)
    assert monitor.record["non_finite"] and not monitor.record["stopped_early"]
    stop = axon.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    monitor = TrainingMonitor()
    network().fit(x, y, epochs=5, callbacks=[stop, monitor], verbose=0)
    assert monitor.record["stopped_early"] and not monitor.record["non_finite"]
    assert monitor.record["epochs_run"] == 2


def test_batches_must_be_a_positive_integer() -> None:
    with pytest.raises(ValueError, match="Received: batches=0"):
        TrainingMonitor(batches=0)


def test_a_functional_model_with_two_outputs_is_watched_without_class_facts() -> None:
    x, y = data()
    inputs = axon.Input((3,))
    hidden = axon.layers.Dense(8, activation="relu")(inputs)
    classes = axon.layers.Dense(3, activation="softmax", name="classes")(hidden)
    value = axon.layers.Dense(1, name="value")(hidden)
    model = axon.Model(inputs, [classes, value])
    model.compile(optimizer="adam", loss=["categorical_crossentropy", "mse"])
    monitor = TrainingMonitor()
    history = model.fit(
        x,
        [y, x[:, :1]],
        epochs=2,
        validation_split=0.2,
        callbacks=[monitor],
        verbose=0,
    )
    assert [layer["name"] for layer in monitor.record["layers"]][1:] == [
        "classes",
        "value",
    ]
    assert monitor.record["model"]["outputs"] == 0  # several: not described
    assert "train_counts" not in monitor.record["data"]
    assert axon.diagnostics.diagnose(history) == []
