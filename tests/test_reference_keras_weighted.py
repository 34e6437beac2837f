"""Weighted metrics and several outputs' sample weights, against Keras 3 itself.

The same models start from Keras's weights and train two epochs with ``shuffle=False``
on both sides; every key of the history (training and validation) and of
``evaluate(return_dict=True)`` must be the same, with values within 1e-5: the names
Keras gives weighted metrics (``weighted_accuracy``, ``a_weighted_accuracy``), the
weights reaching ``weighted_metrics`` and not ``metrics``, class weights reaching them
too, and each output's loss weighted by its own array. Skipped without Keras.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import axon

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")
pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy:DeprecationWarning"
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4)).astype("float32")
Y = np.eye(3, dtype="float32")[RNG.integers(0, 3, 40)]
W = RNG.uniform(0, 2, 40).astype("float32")
V = RNG.normal(size=(40, 1)).astype("float32")


def one_output(k: Any) -> Any:
    inputs = k.Input((4,))
    return k.Model(inputs, k.layers.Dense(3, activation="softmax", name="out")(inputs))


def two_outputs(k: Any, as_dict: bool = False) -> Any:
    inputs = k.Input((4,))
    a = k.layers.Dense(3, activation="softmax", name="a")(inputs)
    b = k.layers.Dense(1, name="b")(inputs)
    return k.Model(inputs, {"a": a, "b": b} if as_dict else [a, b])


CASES = {
    "one output, sample weights": (
        one_output,
        {
            "loss": "categorical_crossentropy",
            "metrics": ["accuracy", "mse"],
            "weighted_metrics": ["accuracy", "mae"],
        },
        {"x": X, "y": Y, "sample_weight": W, "validation_data": (X, Y, W)},
        {"x": X, "y": Y, "sample_weight": W},
    ),
    "one output, class weights": (
        one_output,
        {
            "loss": "categorical_crossentropy",
            "metrics": ["accuracy"],
            "weighted_metrics": ["accuracy"],
        },
        {"x": X, "y": Y, "class_weight": {0: 1.0, 1: 2.0, 2: 0.5}},
        {"x": X, "y": Y},
    ),
    "two outputs, a list of weights": (
        two_outputs,
        {
            "loss": ["categorical_crossentropy", "mse"],
            "loss_weights": [1.0, 0.5],
            "metrics": [["accuracy"], ["mae"]],
            "weighted_metrics": [["accuracy"], ["mae"]],
        },
        {
            "x": X,
            "y": [Y, V],
            "sample_weight": [W, 1 - W / 2],
            "validation_data": (X, [Y, V], [W, W]),
        },
        {"x": X, "y": [Y, V], "sample_weight": [W, 1 - W / 2]},
    ),
    "two outputs, one array for both": (
        two_outputs,
        {
            "loss": ["categorical_crossentropy", "mse"],
            "weighted_metrics": [["accuracy"], ["mae"]],
        },
        {"x": X, "y": [Y, V], "sample_weight": W},
        {"x": X, "y": [Y, V], "sample_weight": W},
    ),
    "two outputs, None for one": (
        two_outputs,
        {
            "loss": ["categorical_crossentropy", "mse"],
            "weighted_metrics": [["accuracy"], ["mae"]],
        },
        {"x": X, "y": [Y, V], "sample_weight": [W, None]},
        {"x": X, "y": [Y, V], "sample_weight": [None, W]},
    ),
    "two outputs as a dict, dicts of weights": (
        lambda k: two_outputs(k, as_dict=True),
        {
            "loss": {"a": "categorical_crossentropy", "b": "mse"},
            "metrics": {"a": ["accuracy"]},
            "weighted_metrics": {"a": ["accuracy"], "b": "mae"},
        },
        {"x": X, "y": {"a": Y, "b": V}, "sample_weight": {"a": W, "b": 1 - W / 2}},
        {"x": X, "y": {"a": Y, "b": V}, "sample_weight": {"a": W, "b": W}},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_epoch_logs_and_evaluation_match_keras(case: str) -> None:
    build, compile_args, fit_args, evaluate_args = CASES[case]
    keras.utils.set_random_seed(0)
    theirs, ours = build(keras), build(axon)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    results = []
    for model, k in ((theirs, keras), (ours, axon)):
        model.compile(optimizer=k.optimizers.Adam(0.01), **compile_args)
        history = model.fit(
            **fit_args, epochs=2, batch_size=16, shuffle=False, verbose=0
        )
        logs = model.evaluate(**evaluate_args, verbose=0, return_dict=True)
        results.append((history.history, logs))
    (keras_history, keras_logs), (history, logs) = results
    assert sorted(history) == sorted(keras_history)
    assert sorted(logs) == sorted(keras_logs)
    for key, values in keras_history.items():
        np.testing.assert_allclose(history[key], values, rtol=1e-5, atol=1e-6)
    for key, value in keras_logs.items():
        np.testing.assert_allclose(logs[key], value, rtol=1e-5, atol=1e-6)


def test_train_on_batch_with_weights_for_two_outputs_matches_keras() -> None:
    keras.utils.set_random_seed(0)
    theirs, ours = two_outputs(keras), two_outputs(axon)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    logs = []
    for model, k in ((theirs, keras), (ours, axon)):
        model.compile(
            optimizer=k.optimizers.Adam(0.01),
            loss=["categorical_crossentropy", "mse"],
            weighted_metrics=[["accuracy"], ["mae"]],
        )
        logs.append(
            model.train_on_batch(
                X, [Y, V], sample_weight=[W, 1 - W / 2], return_dict=True
            )
        )
    assert sorted(logs[1]) == sorted(logs[0])
    for key, value in logs[0].items():
        np.testing.assert_allclose(logs[1][key], value, rtol=1e-5, atol=1e-6)


def test_weighted_metrics_travel_in_keras_files_both_ways(tmp_path: Any) -> None:
    keras.utils.set_random_seed(0)
    model = two_outputs(axon)
    model.compile(
        optimizer="adam",
        loss=["categorical_crossentropy", "mse"],
        weighted_metrics=[["accuracy"], ["mae"]],
    )
    model.fit(X, [Y, V], sample_weight=[W, W], epochs=1, verbose=0)
    model.save(tmp_path / "axon.keras")
    theirs = keras.models.load_model(tmp_path / "axon.keras")
    arguments = {"x": X, "y": [Y, V], "sample_weight": [W, 1 - W / 2]}
    expected = theirs.evaluate(**arguments, return_dict=True, verbose=0)
    assert "a_accuracy" in expected and "b_mae" in expected
    ours = model.evaluate(**arguments, return_dict=True, verbose=0)
    for key, value in expected.items():
        np.testing.assert_allclose(ours[key], value, rtol=1e-5, atol=1e-6)
    keras_model = one_output(keras)
    keras_model.compile(loss="categorical_crossentropy", metrics=["accuracy"],
                        weighted_metrics=["accuracy"])  # fmt: skip
    keras_model.save(tmp_path / "keras.keras")
    loaded = axon.models.load_model(tmp_path / "keras.keras")
    logs = loaded.evaluate(X, Y, sample_weight=W, return_dict=True, verbose=0)
    expected = keras_model.evaluate(X, Y, sample_weight=W, return_dict=True, verbose=0)
    assert sorted(logs) == sorted(expected) == ["accuracy", "loss", "weighted_accuracy"]
    for key, value in expected.items():
        np.testing.assert_allclose(logs[key], value, rtol=1e-5, atol=1e-6)
