"""Embedding: integer-coded categories as learned vectors feeding dense layers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.testing import check_layer_gradients

RNG = np.random.default_rng(0)


def built(input_dim: int, output_dim: int, shape: tuple[int, ...]) -> Any:
    layer = axon.layers.Embedding(input_dim, output_dim)
    layer.ensure_built(shape)
    return layer


def test_each_code_looks_up_its_row_for_any_input_shape() -> None:
    codes = RNG.integers(0, 10, size=(3, 4, 5))
    layer = built(10, 6, (4, 5))
    assert layer.output_shape == (4, 5, 6)
    y = layer(codes)
    table = layer.params["embeddings"]
    assert y.shape == (3, 4, 5, 6) and y.dtype == np.float32
    np.testing.assert_array_equal(y, table[codes])
    # Floats holding whole numbers (what fit and predict pass on) work the same.
    np.testing.assert_array_equal(layer(codes.astype("float32")), y)


def test_the_gradient_adds_up_over_repeated_codes() -> None:
    codes = np.array([[1, 1, 3], [3, 1, 0]])
    layer = built(5, 2, (3,))
    layer.forward(codes, training=True)
    g = RNG.normal(size=(2, 3, 2)).astype("float32")
    layer.needs_input_gradient = False
    assert layer.backward(g.copy()) is None
    expected = np.zeros((5, 2), dtype="float32")
    for row, code in zip(g.reshape(-1, 2), codes.ravel(), strict=True):
        expected[code] += row
    np.testing.assert_allclose(layer.grads["embeddings"], expected, rtol=1e-6)
    assert not layer.grads["embeddings"][[2, 4]].any()  # never looked up
    # A second batch replaces the gradient rather than adding to it.
    layer.forward(np.array([[2, 2, 2], [2, 2, 2]]), training=True)
    layer.backward(np.ones((2, 3, 2), dtype="float32"))
    np.testing.assert_array_equal(layer.grads["embeddings"][2], [6.0, 6.0])
    assert not layer.grads["embeddings"][[0, 1, 3, 4]].any()


def test_the_input_gradient_of_codes_is_zero() -> None:
    layer = built(5, 2, (3,))
    layer.forward(np.array([[1, 2, 3]]), training=True)
    grad = layer.backward(np.ones((1, 3, 2), dtype="float32"))
    assert grad is not None and grad.shape == (1, 3) and not grad.any()


@pytest.mark.usefixtures("float64")
def test_gradient_check_with_many_repeats_and_a_3d_input() -> None:
    layer = axon.layers.Embedding(4, 3, embeddings_initializer="random_normal")
    errors = check_layer_gradients(layer, RNG.integers(0, 4, size=(5, 3, 2)))
    assert list(errors) == ["embeddings"] and errors["embeddings"] < 1e-8


def test_default_initializer_is_keras_uniform() -> None:
    layer = built(200, 50, (1,))
    table = layer.params["embeddings"]
    assert -0.05 <= table.min() < -0.049 and 0.049 < table.max() <= 0.05
    assert layer.get_config()["embeddings_initializer"] == {
        "name": "random_uniform",
        "minval": -0.05,
        "maxval": 0.05,
    }
    twin = axon.layers.Embedding.from_config(layer.get_config())
    assert twin.get_config() == layer.get_config()


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (
            np.array([[0, 7]]),
            r"0 to 6 \(input_dim=7\). Received: index 7 at position \(0, 1\)",
        ),
        (np.array([[-1, 2]]), r"Received: index -1 at position \(0, 0\)"),
        (np.array([[1.0, 2.5]]), r"index 2.5 at position \(0, 1\)"),
        (np.array([[np.nan, 1.0]]), "index nan"),
        (np.array([[1.0, np.inf]]), "index inf"),
    ],
)
def test_bad_codes_name_the_layer_the_index_and_input_dim(
    codes: Any, message: str
) -> None:
    layer = axon.layers.Embedding(7, 2, name="words")
    with pytest.raises(
        ValueError, match=f"Embedding 'words' expects integer.*{message}"
    ):
        layer(codes)


def test_non_numeric_codes_are_a_type_error() -> None:
    layer = built(3, 2, (2,))
    with pytest.raises(TypeError, match="dtype <U1"):
        layer.forward(np.array([["a", "b"]]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_dim": 0, "output_dim": 2}, "input_dim=0"),
        ({"input_dim": 3.0, "output_dim": 2}, "input_dim=3.0"),
        ({"input_dim": 3, "output_dim": True}, "output_dim=True"),
        ({"input_dim": 3, "output_dim": 2, "mask_zero": True}, "mask_zero=True"),
        (
            {"input_dim": 3, "output_dim": 2, "embeddings_initializer": "unifrom"},
            "random_uniform",
        ),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        axon.layers.Embedding(**kwargs)


def test_embedding_flatten_dense_learns_categories_and_saves(tmp_path: Path) -> None:
    # Five categorical columns of 8 categories; the class is the first column's
    # category modulo 3, which a dense layer on one-hot or embedded codes can learn.
    codes = RNG.integers(0, 8, size=(256, 5))
    labels = codes[:, 0] % 3
    model = axon.Sequential(
        [
            axon.layers.Embedding(8, 4),
            axon.layers.Flatten(),
            axon.layers.Dense(16, activation="relu"),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=axon.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(codes, labels, epochs=40, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    assert model.layers[0].output_shape == (5, 4)
    model.save(tmp_path / "categories.axon")
    loaded = axon.models.load_model(tmp_path / "categories.axon")
    np.testing.assert_array_equal(
        loaded.predict(codes, verbose=0), model.predict(codes, verbose=0)
    )
    with pytest.raises(ValueError, match="index 8 at position"):
        loaded.predict(np.full((2, 5), 8), verbose=0)


def test_scatter_matches_the_row_wise_np_add_at() -> None:
    # The flattened one-dimensional scatter equals the plain row-wise np.add.at.
    codes = RNG.integers(0, 50, size=(64, 30))
    layer = built(50, 16, (30,))
    layer.forward(codes, training=True)
    g = RNG.normal(size=(64, 30, 16)).astype("float32")
    layer.backward(g.copy())
    expected = np.zeros((50, 16), dtype="float32")
    np.add.at(expected, codes.ravel(), g.reshape(-1, 16))
    np.testing.assert_allclose(
        layer.grads["embeddings"], expected, rtol=1e-5, atol=1e-5
    )
