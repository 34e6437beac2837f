"""axon's reshaping, normalization, noise and embedding layers against Keras 3 itself.

Same weights in, same outputs out (inference, float32, to 1e-6); Normalization.adapt
finds Keras's statistics; LayerNormalization and Embedding gradients match PyTorch
autograd through Keras's own layer. Skipped when Keras (with PyTorch) is absent.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import axon

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

# Keras 3.15 converts torch tensors with np.array(tensor), which NumPy 2 warns about.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy:DeprecationWarning"
)
RNG = np.random.default_rng(0)


def keras_output(layer: Any, x: np.ndarray, training: bool = False) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(layer(x, training=training)))


def close(a: np.ndarray, b: np.ndarray, tol: float = 1e-6) -> None:
    """Equal to ``tol``, relative to the size of the values (float32 rounding)."""
    assert a.shape == b.shape
    scale = max(1.0, float(np.abs(b).max()))
    assert float(np.abs(a - b).max()) <= tol * scale, float(np.abs(a - b).max())


# -- Normalization ----------------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, None, 1, [1, 2]])
def test_normalization_adapt_finds_keras_statistics(axis: Any) -> None:
    x = (RNG.normal(3.0, 2.0, size=(64, 3, 4)) * [1, 10, 100, 1000]).astype("float32")
    ours, theirs = (
        axon.layers.Normalization(axis=axis),
        keras.layers.Normalization(axis=axis),
    )
    ours.adapt(x)
    theirs.adapt(x)
    mean, variance = (np.asarray(w) for w in theirs.get_weights()[:2])
    np.testing.assert_allclose(ours.state["mean"], mean, rtol=1e-6)
    np.testing.assert_allclose(ours.state["variance"], variance, rtol=1e-6)
    close(ours(x), keras_output(theirs, x))


def test_normalization_adapt_on_batches_finds_keras_statistics_of_the_whole() -> None:
    # Keras 3.15 adapts on an iterable of batches only with TensorFlow installed; its
    # statistics of the concatenated array are the reference.
    batches = [RNG.normal(50.0, 4.0, size=(n, 5)).astype("float32") for n in (9, 40, 3)]
    ours, theirs = axon.layers.Normalization(), keras.layers.Normalization()
    ours.adapt(batches)
    theirs.adapt(np.concatenate(batches))
    np.testing.assert_allclose(ours.state["mean"], theirs.get_weights()[0], rtol=1e-6)
    np.testing.assert_allclose(
        ours.state["variance"], theirs.get_weights()[1], rtol=1e-6
    )


@pytest.mark.parametrize("invert", [False, True])
def test_normalization_with_given_mean_and_variance_matches_keras(invert: bool) -> None:
    mean = RNG.normal(size=4).astype("float32")
    variance = np.array([0.0, 1e-16, 2.5, 40.0], dtype="float32")  # floored, and not
    x = RNG.normal(size=(8, 4)).astype("float32")
    ours = axon.layers.Normalization(mean=mean, variance=variance, invert=invert)
    theirs = keras.layers.Normalization(mean=mean, variance=variance, invert=invert)
    close(ours(x), keras_output(theirs, x))
