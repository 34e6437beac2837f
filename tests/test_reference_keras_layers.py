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


def keras_gradients(
    layer: Any, x: np.ndarray, r: np.ndarray
) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
    """dL/dx and dL/dweight of ``L = sum(layer(x) * r)`` by PyTorch autograd."""
    floating = x.dtype.kind == "f"
    xt = torch.tensor(x, requires_grad=floating)
    (layer(xt) * torch.tensor(r)).sum().backward()
    grads = {
        w.path.split("/")[-1]: w.value.grad.numpy() for w in layer.trainable_weights
    }
    return (xt.grad.numpy() if floating else None), grads


def axon_gradients(
    layer: axon.layers.Layer, x: np.ndarray, r: np.ndarray
) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
    layer.ensure_built(x.shape[1:])
    layer.needs_input_gradient = True
    layer.forward(np.asarray(x, dtype="float32"), training=True)
    grad_input = layer.backward(r.copy())
    return grad_input, {name: g.copy() for name, g in layer.grads.items()}


# -- LayerNormalization ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "shape"),
    [
        ({}, (8, 6)),
        ({"axis": -1}, (4, 3, 5)),
        ({"axis": [1, 2]}, (4, 3, 5)),
        ({"center": False, "epsilon": 1e-5}, (8, 6)),
        ({"scale": False}, (8, 6)),
    ],
)
def test_layer_normalization_outputs_and_gradients_match_keras(
    kwargs: dict[str, Any], shape: tuple[int, ...]
) -> None:
    x = (RNG.normal(size=shape) * 3 + 1).astype("float32")
    r = RNG.normal(size=shape).astype("float32")
    ours = axon.layers.LayerNormalization(**kwargs)
    theirs = keras.layers.LayerNormalization(**kwargs)
    ours.ensure_built(shape[1:])
    theirs.build((None, *shape[1:]))
    weights = [RNG.normal(size=w.shape).astype("float32") for w in ours.weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    close(ours(x), keras_output(theirs, x))
    grad_x, grads = axon_gradients(ours, x, r)
    their_grad_x, their_grads = keras_gradients(theirs, x, r)
    assert grad_x is not None and their_grad_x is not None
    close(grad_x, their_grad_x, 1e-5)
    assert sorted(grads) == sorted(their_grads)
    for name, grad in grads.items():
        close(grad, their_grads[name], 1e-5)


def test_layer_normalization_over_a_middle_axis_matches_keras_on_the_transpose() -> (
    None
):
    # Keras 3.15's torch path hands axis=1 of a 3-D input to F.layer_norm, which
    # only normalises trailing axes, and fails; normalising the last axis of the
    # transposed input is the same computation.
    x = RNG.normal(size=(4, 3, 5)).astype("float32")
    r = RNG.normal(size=(4, 3, 5)).astype("float32")
    ours, theirs = (
        axon.layers.LayerNormalization(axis=1),
        keras.layers.LayerNormalization(),
    )
    ours.ensure_built((3, 5))
    theirs.build((None, 5, 3))
    weights = [RNG.normal(size=3).astype("float32") for _ in range(2)]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    close(ours(x), keras_output(theirs, x.transpose(0, 2, 1)).transpose(0, 2, 1))
    grad_x, grads = axon_gradients(ours, x, r)
    their_grad_x, their_grads = keras_gradients(
        theirs, x.transpose(0, 2, 1), r.transpose(0, 2, 1)
    )
    assert grad_x is not None and their_grad_x is not None
    close(grad_x, their_grad_x.transpose(0, 2, 1), 1e-5)
    for name, grad in grads.items():
        close(grad, their_grads[name], 1e-5)


# -- Flatten and Reshape ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("ours", "theirs", "shape"),
    [
        (lambda: axon.layers.Flatten(), lambda: keras.layers.Flatten(), (3, 2, 4, 5)),
        (
            lambda: axon.layers.Flatten("channels_first"),
            lambda: keras.layers.Flatten("channels_first"),
            (3, 2, 4, 5),
        ),
        (
            lambda: axon.layers.Reshape((-1, 4)),
            lambda: keras.layers.Reshape((-1, 4)),
            (3, 2, 4, 5),
        ),
        (
            lambda: axon.layers.Reshape((5, 2, 4)),
            lambda: keras.layers.Reshape((5, 2, 4)),
            (3, 40),
        ),
    ],
)
def test_flatten_and_reshape_match_keras(ours: Any, theirs: Any, shape: Any) -> None:
    x = RNG.normal(size=shape).astype("float32")
    np.testing.assert_array_equal(ours()(x), keras_output(theirs(), x))


# -- noise layers -----------------------------------------------------------------------
NOISE = [
    ("GaussianNoise", {"stddev": 0.5}),
    ("GaussianDropout", {"rate": 0.4}),
    ("AlphaDropout", {"rate": 0.4}),
]


@pytest.mark.parametrize(("name", "kwargs"), NOISE)
def test_noise_layers_are_the_identity_at_inference_as_in_keras(
    name: str, kwargs: dict[str, Any]
) -> None:
    x = RNG.normal(size=(5, 3, 2)).astype("float32")
    ours, theirs = (
        getattr(axon.layers, name)(**kwargs),
        getattr(keras.layers, name)(**kwargs),
    )
    np.testing.assert_array_equal(ours(x), keras_output(theirs, x))
    np.testing.assert_array_equal(ours(x), x)


@pytest.mark.parametrize(("name", "kwargs"), NOISE)
def test_noise_layers_draw_keras_distributions_in_training(
    name: str, kwargs: dict[str, Any]
) -> None:
    # Different generators, the same distribution: the first two moments of the
    # output and of its change agree to sampling error (200,000 draws).
    x = RNG.normal(0.5, 1.0, size=(20_000, 10)).astype("float32")
    ours = getattr(axon.layers, name)(**kwargs, seed=1)(x, training=True)
    theirs = keras_output(getattr(keras.layers, name)(**kwargs, seed=1), x, True)
    for a, b in ((ours, theirs), (ours - x, theirs - x)):
        assert abs(a.mean() - b.mean()) < 0.02 and abs(a.std() / b.std() - 1) < 0.01


# -- Embedding --------------------------------------------------------------------------
def test_embedding_outputs_and_gradients_match_keras() -> None:
    codes = RNG.integers(0, 7, size=(6, 4, 2))  # repeated codes: gradients add up
    r = RNG.normal(size=(6, 4, 2, 3)).astype("float32")
    ours, theirs = axon.layers.Embedding(7, 3), keras.layers.Embedding(7, 3)
    ours.ensure_built(codes.shape[1:])
    theirs.build()
    table = RNG.normal(size=(7, 3)).astype("float32")
    ours.set_weights([table])
    theirs.set_weights([table])
    np.testing.assert_array_equal(ours(codes), keras_output(theirs, codes))
    _, grads = axon_gradients(ours, codes, r)
    _, their_grads = keras_gradients(theirs, codes, r)
    close(grads["embeddings"], their_grads["embeddings"], 1e-5)


def test_embedding_initializer_matches_keras_default() -> None:
    ours, theirs = axon.layers.Embedding(500, 40), keras.layers.Embedding(500, 40)
    ours.ensure_built((1,))
    theirs.build()
    table, their_table = ours.get_weights()[0], theirs.get_weights()[0]
    for t in (table, their_table):
        assert -0.05 <= t.min() < -0.049 and 0.049 < t.max() <= 0.05
    assert abs(table.std() - their_table.std()) < 1e-3  # uniform: 0.1 / sqrt(12)


def test_embedding_flatten_dense_trains_one_epoch_to_keras_loss() -> None:
    codes = RNG.integers(0, 12, size=(64, 5))
    labels = (codes[:, 0] + codes[:, 1]) % 3

    def build(lib: Any) -> Any:
        return lib.Sequential(
            [
                lib.layers.Embedding(12, 4),
                lib.layers.Flatten(),
                lib.layers.Dense(8, activation="tanh"),
                lib.layers.Dense(3, activation="softmax"),
            ]
        )

    ours, theirs = build(axon), build(keras)
    ours.build((5,))
    theirs.build((None, 5))
    weights = ours.get_weights()
    theirs.set_weights(weights)
    for model, lib in ((ours, axon), (theirs, keras)):
        model.compile(
            optimizer=lib.optimizers.SGD(0.5),
            loss="sparse_categorical_crossentropy",
        )
    our_loss = ours.fit(codes, labels, batch_size=8, epochs=1, shuffle=False, verbose=0)
    their_loss = theirs.fit(
        codes, labels, batch_size=8, epochs=1, shuffle=False, verbose=0
    )
    a, b = our_loss.history["loss"][0], their_loss.history["loss"][0]
    assert abs(a - b) <= 1e-6 * abs(b), (a, b)
    for w, v, start in zip(
        ours.get_weights(), theirs.get_weights(), weights, strict=True
    ):
        close(w, np.asarray(v), 1e-5)
        assert np.abs(w - start).max() > 1e-3  # every weight trained
