"""One-sample inference: the one-row softmax, predict's lean front and its answers.

``predict`` on one row takes paths of its own (a softmax with Python's max and sum,
the checks in one expression); each must give what the general path gives, refuse
what it refuses, and hand back an array no later call writes into.
"""

from __future__ import annotations

import numpy as np
import pytest

import axon
from axon.activations.classic import Softmax

RNG = np.random.default_rng(12)


def batch_softmax(z: np.ndarray) -> np.ndarray:
    """The batch path's answer for ``z`` (one row or more): ``z`` sent with a twin row."""
    pair = np.concatenate([z, z])
    return Softmax().forward(pair, out=np.empty_like(pair))[: len(z)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [1, 2, 3, 10, 64, 65])
def test_one_row_softmax_is_the_batch_path_up_to_the_order_of_the_sum(
    dtype: type, width: int
) -> None:
    softmax = Softmax()
    for scale in (0.1, 5.0, 40.0):
        z = RNG.normal(0.0, scale, size=(1, width)).astype(dtype)
        out = np.full_like(z, np.nan)
        y = softmax.forward(z, out=out)
        assert y is out and y.dtype == dtype
        # The row sums in another order than BLAS sums a batch (as one row through
        # np.dot did before): 0-10 units in the last place apart, 3,000 rows tried.
        eps = np.finfo(dtype).eps
        np.testing.assert_allclose(y, batch_softmax(z), rtol=16 * eps, atol=0)
        np.testing.assert_array_equal(softmax.forward(z), y)  # without ``out``
        np.testing.assert_allclose(y.sum(), 1.0, rtol=1e-6)


def test_one_row_softmax_keeps_huge_logits_finite_and_spreads_nan() -> None:
    softmax = Softmax()
    huge = np.array([[1e38, 1e38, -1e38]], np.float32)  # exp would overflow
    np.testing.assert_array_equal(softmax.forward(huge), [[0.5, 0.5, 0.0]])
    for row in ([np.nan, 1.0, 2.0], [1.0, np.nan, 2.0], [1.0, 2.0, np.nan]):
        z = np.array([row], np.float32)
        assert np.isnan(softmax.forward(z)).all(), row
        assert np.isnan(batch_softmax(z)).all(), row
    with np.errstate(invalid="ignore"):
        for row in ([np.inf, 1.0, 2.0], [-np.inf, -np.inf, -np.inf]):
            z = np.array([row], np.float32)
            np.testing.assert_array_equal(softmax.forward(z), batch_softmax(z))


def test_softmax_over_the_first_axis_of_one_row_is_not_the_row_path() -> None:
    z = RNG.normal(size=(1, 3)).astype(np.float32)
    np.testing.assert_array_equal(Softmax(axis=0).forward(z), np.ones((1, 3)))


def tutorial_model() -> axon.Sequential:
    from axon.cli import build_model

    model = build_model([64, 32], [0.3, 0.2], True, 4, 3)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    x = RNG.normal(size=(40, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 40)]
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    return model


def layer_by_layer(model: axon.Sequential, x: np.ndarray) -> np.ndarray:
    for layer in model.layers:
        x = layer.forward(x, training=False).copy()
    return x


def test_predict_on_one_row_is_the_layer_by_layer_forward() -> None:
    model = tutorial_model()
    for row in RNG.normal(size=(5, 1, 4)).astype(np.float32):
        expected = layer_by_layer(model, row)
        np.testing.assert_array_equal(model.predict(row, verbose=0), expected)
        np.testing.assert_array_equal(model.predict_on_batch(row), expected)
        np.testing.assert_array_equal(model.forward(row).copy(), expected)
    rows = RNG.normal(size=(6, 4)).astype(np.float32)
    np.testing.assert_allclose(
        np.concatenate([model.predict(row[None], verbose=0) for row in rows]),
        model.predict(rows, verbose=0),
        rtol=2e-6,
        atol=1e-7,
    )


@pytest.mark.parametrize("rows", [1, 3, 300])
def test_two_predictions_are_two_arrays_no_later_call_writes_into(rows: int) -> None:
    model = tutorial_model()
    a, b = RNG.normal(size=(2, rows, 4)).astype(np.float32)
    for predict in (
        lambda x: model.predict(x, verbose=0),
        model.predict_on_batch,
        lambda x: model.predict(x, batch_size=2, verbose=0),
    ):
        first = predict(a)
        kept = first.copy()
        second = predict(b)
        third = predict(a)
        np.testing.assert_array_equal(first, kept)  # untouched by the later calls
        assert not np.array_equal(first, second)
        assert not np.shares_memory(first, second)
        assert not np.shares_memory(first, third)
        for layer in model.layers:  # nor any layer's buffer
            assert not any(np.shares_memory(first, w) for w in buffers(layer))


def buffers(layer: axon.layers.Layer) -> list[np.ndarray]:
    """Every array a layer keeps for reuse: its named buffers and work lists."""
    found: list[np.ndarray] = []
    for value in layer._buffers.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, np.ndarray):
                found.append(item)
    return found


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.zeros((1, 5), np.float32), ValueError, "4 feature.*Received: x with 5"),
        (np.zeros((1, 4, 1), np.float32), ValueError, r"Received: shape \(1, 4, 1\)"),
        (np.zeros((0, 4), np.float32), ValueError, "non-empty x"),
        (np.float32(1.0), ValueError, r"Received: shape \(\)"),
        (np.array(1.0, np.float32), ValueError, r"Received: shape \(\)"),
        (np.array([[1.0, np.nan, 0.0, 0.0]], np.float32), ValueError, r"\(0, 1\)"),
        (np.array([[1.0, 0.0, np.inf, 0.0]], np.float32), ValueError, r"\(0, 2\)"),
        (np.array([[1.0, 0.0, 0.0, -np.inf]], np.float64), ValueError, r"\(0, 3\)"),
        (np.array([["a", "b", "c", "d"]]), TypeError, "real numbers"),
    ],
)
def test_the_lean_front_still_refuses_what_predict_refuses(
    x: object, error: type, match: str
) -> None:
    model = tutorial_model()
    with pytest.raises(error, match=match):
        model.predict(x, verbose=0)


def test_the_lean_front_checks_its_arguments_and_passes_the_rest_on() -> None:
    model = tutorial_model()
    x = RNG.normal(size=(1, 4)).astype(np.float32)
    expected = model.predict(x, verbose=0)
    with pytest.raises(ValueError, match="verbose"):
        model.predict(x, verbose=3)
    with pytest.raises(TypeError, match="batch_size"):
        model.predict(x, batch_size="1", verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(x, batch_size=0, verbose=0)
    for same in (
        x.tolist(),
        x.astype(np.float64),
        np.asfortranarray(np.repeat(x, 3, 0))[:1],
        np.ma.masked_array(x),
    ):
        np.testing.assert_allclose(model.predict(same, verbose=0), expected, 1e-6)
    np.testing.assert_array_equal(model.predict(x, batch_size=1, verbose=0), expected)
    np.testing.assert_array_equal(model.predict(x, verbose="auto"), expected)
