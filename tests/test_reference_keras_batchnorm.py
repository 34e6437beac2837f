"""A frozen BatchNormalization trains as in Keras 3: inference mode inside ``fit``.

Keras runs a BatchNormalization with ``trainable=False`` on its moving statistics even
when called with ``training=True``, and never updates them; the layers after it still
learn. Same weights in, same losses and weights out. Skipped without Keras (torch).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import axon

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")
pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy:DeprecationWarning"
)


def test_a_frozen_batch_normalization_fits_as_in_keras() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    statistics = [
        np.array([1.5, 0.5, 2.0, 1.0], "float32"),  # gamma
        np.array([0.1, 0.2, 0.3, 0.4], "float32"),  # beta
        np.array([1.0, 2.0, 3.0, 4.0], "float32"),  # moving mean
        np.array([2.0, 3.0, 4.0, 5.0], "float32"),  # moving variance
    ]
    theirs = keras.Sequential(
        [
            keras.layers.Input((4,)),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(1),
        ]
    )
    ours = axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.BatchNormalization(),
            axon.layers.Dense(1),
        ]
    )
    theirs.layers[0].set_weights(statistics)
    ours.set_weights([*statistics, *(np.asarray(w) for w in theirs.layers[1].weights)])
    theirs.layers[0].trainable = False
    ours.layers[0].trainable = False
    theirs.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    ours.compile(optimizer=axon.optimizers.SGD(0.05), loss="mse")

    np.testing.assert_allclose(
        ours.layers[0](x[:4], training=True),
        np.asarray(theirs.layers[0](x[:4], training=True)),
        rtol=1e-6,
        atol=1e-6,  # float32 rounding of values up to about 6
    )
    kwargs = {"epochs": 3, "batch_size": 8, "shuffle": False, "verbose": 0}
    their_loss = theirs.fit(x, y, **kwargs).history["loss"]
    our_loss = ours.fit(x, y, **kwargs).history["loss"]
    np.testing.assert_allclose(our_loss, their_loss, rtol=1e-5)
    for name, mine, keras_weight in zip(
        ["gamma", "beta", "moving_mean", "moving_variance", "kernel", "bias"],
        ours.get_weights(),
        theirs.get_weights(),
        strict=True,
    ):
        np.testing.assert_allclose(
            mine, keras_weight, rtol=1e-5, atol=1e-6, err_msg=name
        )
    for mine, before in zip(ours.get_weights()[:4], statistics, strict=True):
        np.testing.assert_array_equal(mine, before)  # frozen: nothing moved
