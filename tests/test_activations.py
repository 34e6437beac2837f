from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import axon
from axon.activations import ACTIVATIONS
from axon.testing import check_activation_gradient

Z = np.linspace(-3, 3, 13).reshape(1, -1)


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_every_registered_activation_passes_the_gradient_check(name: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the ReLU kink
    assert check_activation_gradient(axon.activations.get(name), x) < 1e-6


def test_leaky_relu_with_a_custom_slope_passes_the_gradient_check() -> None:
    x = np.random.default_rng(3).normal(size=(4, 3))
    assert check_activation_gradient(axon.activations.LeakyReLU(0.2), x) < 1e-6


def test_values_match_the_tutorial_formulas() -> None:
    z = Z
    np.testing.assert_allclose(
        axon.activations.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12
    )
    np.testing.assert_allclose(axon.activations.tanh(z), np.tanh(z))
    np.testing.assert_array_equal(axon.activations.relu(z), np.maximum(0, z))
    np.testing.assert_allclose(
        axon.activations.leaky_relu(z), np.where(z >= 0, z, 0.01 * z), rtol=1e-12
    )
    e = np.exp(z - z.max())
    np.testing.assert_allclose(axon.activations.softmax(z), e / e.sum(), rtol=1e-12)
    np.testing.assert_array_equal(axon.activations.linear(z), z)


def test_ranges_match_the_tutorial_table() -> None:
    z = np.linspace(-20, 20, 401).reshape(1, -1)
    s = axon.activations.sigmoid(z)
    assert s.min() >= 0 and s.max() <= 1
    t = axon.activations.tanh(z)
    assert t.min() >= -1 and t.max() <= 1
    assert axon.activations.relu(z).min() == 0
    assert axon.activations.leaky_relu(z).min() < 0


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 6)),
        elements=st.floats(-1e4, 1e4),
    )
)
def test_softmax_rows_are_probabilities_even_for_huge_logits(z: np.ndarray) -> None:
    p = axon.activations.softmax(z)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)


def test_sigmoid_does_not_overflow() -> None:
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        s = axon.activations.sigmoid(np.array([[-1e4, 0.0, 1e4]]))
    np.testing.assert_allclose(s, [[0.0, 0.5, 1.0]])


def test_get_accepts_names_configs_instances_and_none() -> None:
    assert isinstance(axon.activations.get("relu"), axon.activations.ReLU)
    assert isinstance(axon.activations.get(None), axon.activations.Linear)
    leaky = axon.activations.get({"name": "leaky_relu", "negative_slope": 0.3})
    assert leaky.negative_slope == 0.3  # type: ignore[attr-defined]
    assert axon.activations.get(leaky) is leaky
    assert axon.activations.get(axon.activations.serialize(leaky)) == leaky


def test_unknown_activation_lists_the_known_ones() -> None:
    with pytest.raises(
        ValueError, match=r"Unknown activation: 'relux'.*leaky_relu.*softmax"
    ):
        axon.activations.get("relux")


def test_a_plain_function_is_refused_with_an_explanation() -> None:
    with pytest.raises(TypeError, match="knows its derivative"):
        axon.activations.get(np.tanh)  # type: ignore[arg-type]


def test_leaky_relu_rejects_a_negative_slope() -> None:
    with pytest.raises(ValueError, match="negative_slope=-1"):
        axon.activations.LeakyReLU(-1)


@pytest.mark.parametrize(
    "activation",
    [
        axon.activations.linear,
        axon.activations.sigmoid,
        axon.activations.tanh,
        axon.activations.relu,
        axon.activations.LeakyReLU(0.01),
        axon.activations.LeakyReLU(2.0),
    ],
    ids=repr,
)
def test_backward_allocates_nothing_given_a_scratch_array(
    activation: axon.activations.Activation,
) -> None:
    """The hot path: the layer hands over its scratch buffer, and nothing else is made."""
    x = np.random.default_rng(0).normal(size=(512, 512)).astype(np.float32)  # 1 MiB
    x[:, :8] = 0.0  # the kink
    y = activation.forward(x, out=np.empty_like(x))
    grad, work = np.ones_like(x), np.empty_like(x)
    expected = activation.backward(x, y, grad.copy())  # without scratch: may allocate
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        result = activation.backward(x, y, grad, work)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak - start < x.nbytes // 100, f"{peak - start} bytes allocated"
    assert result is grad  # the gradient is written over the one it was given
    np.testing.assert_array_equal(result, expected)


def test_leaky_relu_takes_the_negative_slope_at_zero() -> None:
    """PyTorch and Keras: ``f'(0) = a``, exactly, and exactly 1 above the kink."""
    for slope in (0.01, 0.3, 1.0, 2.5):
        leaky = axon.activations.LeakyReLU(slope)
        x = np.array([[-1.0, 0.0, 1e-30, 3.0]], dtype=np.float32)
        grad = leaky.backward(x, leaky.forward(x), np.ones_like(x))
        assert grad.dtype == np.float32
        np.testing.assert_array_equal(grad, np.float32([[slope, slope, 1.0, 1.0]]))
