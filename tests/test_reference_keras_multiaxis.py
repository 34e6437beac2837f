"""A functional model with one multi-axis Input, against Keras 3 itself.

``Input((4, 3))`` feeds layers that act along the last axis (LayerNormalization,
Softmax(axis=-1)) before ``Flatten``: axon carries the samples flat between batches
and must give them back their ``(4, 3)`` shape before the first layer, or those
layers would see 12 columns. With Keras's initial weights copied in, predict,
predict_on_batch, the loss of every epoch of a ``fit`` and evaluate agree to 1e-5.
Skipped when Keras (with PyTorch) is absent.
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


def grid_model(k: Any) -> Any:
    """(4, 3) samples normalised and soft-maxed along the last axis, then flattened."""
    inputs = k.Input(shape=(4, 3), name="grid")
    x = k.layers.LayerNormalization(name="norm")(inputs)
    x = k.layers.Softmax(axis=-1, name="rows")(x)
    x = k.layers.Flatten(name="flat")(x)
    x = k.layers.Dense(8, activation="relu", name="hidden")(x)
    outputs = k.layers.Dense(3, activation="softmax", name="out")(x)
    return k.Model(inputs, outputs)


def test_one_multi_axis_input_predicts_trains_and_evaluates_as_keras() -> None:
    keras.utils.set_random_seed(0)
    theirs, ours = grid_model(keras), grid_model(axon)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 4, 3)).astype("float32") * 2.0
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 48)]

    expected = np.asarray(theirs.predict(x, verbose=0))
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, atol=1e-6)
    np.testing.assert_allclose(
        ours.predict_on_batch(x[:5]),
        np.asarray(theirs.predict_on_batch(x[:5])),
        atol=1e-6,
    )
    losses = []
    for model, k in ((theirs, keras), (ours, axon)):
        model.compile(
            optimizer=k.optimizers.Adam(learning_rate=0.01),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        history = model.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)
        losses.append(history.history["loss"])
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)
    np.testing.assert_allclose(
        ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=1e-5
    )
    np.testing.assert_allclose(
        ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)), atol=1e-5
    )
