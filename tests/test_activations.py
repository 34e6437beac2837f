from __future__ import annotations

import math
import tracemalloc
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import axon
from axon.activations import ACTIVATIONS
from axon.testing import check_activation_gradient

Z = np.linspace(-3, 3, 13).reshape(1, -1)


KINKS = (0.0, -3.0, 3.0, 6.0, 0.5, 2.0)  # the ReLU family's, and the options' below
# Activations with arguments, beside every registered name with its defaults.
CONFIGURED = [
    axon.activations.LeakyReLU(0.2),
    axon.activations.LeakyReLU(2.0),
    axon.activations.ReLU(negative_slope=0.1),
    axon.activations.ReLU(max_value=2.0),
    axon.activations.ReLU(negative_slope=0.1, max_value=2.0, threshold=0.5),
    axon.activations.ELU(0.5),
    axon.activations.ELU(2.0),
    axon.activations.GELU(approximate=True),
    axon.activations.Softmax(axis=0),
    axon.activations.LogSoftmax(axis=0),
]


def away_from_kinks(x: np.ndarray) -> np.ndarray:
    for kink in KINKS:
        x[np.abs(x - kink) < 1e-3] += 0.01
    return x


@pytest.mark.parametrize(
    "activation",
    [axon.activations.get(name) for name in ACTIVATIONS.names()] + CONFIGURED,
    ids=repr,
)
def test_every_activation_passes_the_gradient_check(
    activation: axon.activations.Activation,
) -> None:
    x = away_from_kinks(np.random.default_rng(0).normal(size=(6, 5)) * 3)
    x[0] = [-8.2, -4.1, 1.3, 4.4, 7.7]  # every piece: beyond -3, 3 and relu6's cap
    assert check_activation_gradient(activation, x) < 1e-6


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
        axon.activations.relu6,
        axon.activations.hard_sigmoid,
        axon.activations.elu,
        axon.activations.silu,
        axon.activations.softplus,
        axon.activations.softsign,
        axon.activations.exponential,
        axon.activations.softmax,
        axon.activations.log_softmax,
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
    # Less than any array of x's size, even a boolean mask (a quarter of it).
    assert peak - start < x.nbytes // 16, f"{peak - start} bytes allocated"
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


def test_values_match_their_formulas() -> None:
    z = np.linspace(-9, 9, 181).reshape(1, -1)  # steps of 0.1: every kink is on it
    relu6 = np.minimum(np.maximum(z, 0), 6)
    sigmoid = 1 / (1 + np.exp(-z))
    softplus = np.log1p(np.exp(z))
    phi = np.array([[(1 + math.erf(v / math.sqrt(2))) / 2 for v in z[0]]])
    u = math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    expected = {
        "relu6": relu6,
        "hard_sigmoid": np.minimum(np.maximum(z + 3, 0), 6) / 6,
        "hard_silu": z * np.minimum(np.maximum(z + 3, 0), 6) / 6,
        "elu": np.where(z > 0, z, np.expm1(z)),
        "selu": scale * np.where(z > 0, z, alpha * np.expm1(z)),
        "gelu": z * phi,
        "silu": z * sigmoid,
        "softplus": softplus,
        "softsign": z / (1 + np.abs(z)),
        "mish": z * np.tanh(softplus),
        "exponential": np.exp(z),
        "log_softmax": z - np.log(np.exp(z).sum()),
    }
    for name, values in expected.items():
        np.testing.assert_allclose(
            axon.activations.get(name)(z), values, rtol=1e-13, atol=1e-15, err_msg=name
        )
    np.testing.assert_allclose(  # z (1 + tanh u) / 2, without its cancellation
        axon.activations.gelu(z, approximate=True), z / (1 + np.exp(-2 * u)), rtol=1e-13
    )
    np.testing.assert_allclose(
        axon.activations.elu(z, alpha=0.5), np.where(z > 0, z, 0.5 * np.expm1(z))
    )
    np.testing.assert_allclose(axon.activations.swish(z), expected["silu"])


def test_relu_takes_keras_arguments() -> None:
    """Keras's documented examples for ``keras.activations.relu``."""
    x = [-10, -5, 0.0, 5, 10]
    relu = axon.activations.relu
    np.testing.assert_array_equal(relu(x), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(relu(x, negative_slope=0.5), [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(relu(x, max_value=5.0), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(relu(x, threshold=5.0), [0, 0, 0, 0, 10])
    np.testing.assert_array_equal(
        relu(x, negative_slope=0.5, max_value=7.0, threshold=5.0),
        [-7.5, -5, -2.5, 0, 7],
    )
    assert relu(x).dtype == np.float32  # computed in floatx, as Keras converts
    assert axon.activations.serialize(relu) == "relu"
    capped = axon.activations.get({"name": "relu", "max_value": 6.0})
    assert axon.activations.serialize(capped) == {"name": "relu", "max_value": 6.0}


# f'(kink) for every kink: PyTorch's convention, which Keras shares except where
# the classes' docstrings say (tests/test_reference_*.py compare with both).
KINK_DERIVATIVES = [
    (axon.activations.relu, 0.0, 0.0),
    (axon.activations.leaky_relu, 0.0, 0.01),
    (axon.activations.relu6, 0.0, 0.0),
    (axon.activations.relu6, 6.0, 0.0),
    (axon.activations.hard_sigmoid, -3.0, 0.0),
    (axon.activations.hard_sigmoid, 3.0, 0.0),
    (axon.activations.hard_silu, -3.0, 0.0),
    (axon.activations.hard_silu, 3.0, 1.0),
    (axon.activations.elu, 0.0, 1.0),
    (axon.activations.ELU(0.5), 0.0, 0.5),
    (axon.activations.ELU(2.0), 0.0, 2.0),
    (axon.activations.selu, 0.0, 1.6732632423543772 * 1.0507009873554805),
    (axon.activations.ReLU(negative_slope=0.1), 0.0, 0.1),
    (axon.activations.ReLU(max_value=4.0), 4.0, 0.0),
    (axon.activations.ReLU(max_value=4.0), 0.0, 0.0),
    (axon.activations.ReLU(negative_slope=0.1, threshold=1.0), 1.0, 0.1),
    (axon.activations.ReLU(negative_slope=0.1, max_value=4.0), 4.0, 0.0),
    (axon.activations.ReLU(max_value=0.5, threshold=1.0), 1.0, 0.0),
    (axon.activations.ReLU(max_value=0.5, threshold=1.0), 1.5, 0.0),
    (axon.activations.softsign, 0.0, 1.0),
]


@pytest.mark.parametrize(("activation", "kink", "slope"), KINK_DERIVATIVES, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_derivative_at_each_kink_follows_pytorch(
    activation: axon.activations.Activation, kink: float, slope: float, dtype: type
) -> None:
    x = np.array([[kink]], dtype=dtype)
    grad = activation.backward(x, activation.forward(x), np.ones_like(x))
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, [[slope]], rtol=1e-7)


def test_erf_is_within_a_few_ulp_of_math_erf() -> None:
    from axon.activations.smooth import erf

    x = np.linspace(-7, 7, 20001)
    expected = np.array([math.erf(v) for v in x])
    assert np.abs(erf(x) - expected).max() < 1e-15
    assert np.abs(erf(x.astype(np.float32)) - expected).max() < 2e-7
    np.testing.assert_array_equal(
        erf(np.array([0.0, np.inf, -np.inf, 30.0])), [0.0, 1.0, -1.0, 1.0]
    )
    assert np.isnan(erf(np.array([np.nan]))).all()


def test_calling_with_arguments_makes_a_new_activation_for_the_call() -> None:
    z = np.array([[-1.0, 0.5, 2.0]])
    np.testing.assert_array_equal(
        axon.activations.gelu(z, approximate=True), axon.activations.GELU(True)(z)
    )
    assert axon.activations.gelu.approximate is False  # the shared instance is kept
    np.testing.assert_array_equal(
        axon.activations.softmax(z.T, axis=0), axon.activations.softmax(z).T
    )


def test_aliases_and_configs_round_trip() -> None:
    assert isinstance(axon.activations.get("swish"), axon.activations.SiLU)
    assert isinstance(axon.activations.get("hard_swish"), axon.activations.HardSiLU)
    for activation in [axon.activations.get(n) for n in ACTIVATIONS.names()] + [
        *CONFIGURED
    ]:
        twin = axon.activations.get(axon.activations.serialize(activation))
        assert twin == activation and hash(twin) == hash(activation)
    assert axon.activations.serialize(axon.activations.gelu) == "gelu"
    assert axon.activations.serialize(axon.activations.ELU(0.5)) == {
        "name": "elu",
        "alpha": 0.5,
    }


@pytest.mark.parametrize(
    ("factory", "error", "message"),
    [
        (
            lambda: axon.activations.ReLU(negative_slope=-1),
            ValueError,
            "negative_slope=-1",
        ),
        (lambda: axon.activations.ReLU(max_value=-2), ValueError, "max_value=-2"),
        (lambda: axon.activations.ReLU(threshold="1"), ValueError, "threshold='1'"),
        (lambda: axon.activations.ELU(alpha=float("nan")), ValueError, "alpha=nan"),
        (lambda: axon.activations.GELU(approximate="tanh"), TypeError, "approximate="),
        (lambda: axon.activations.Softmax(axis=1.0), TypeError, "axis=1.0"),
        (lambda: axon.activations.LogSoftmax(axis=None), TypeError, "axis=None"),
        (lambda: axon.activations.gelu([1.0], approx=True), TypeError, "approx"),
    ],
)
def test_bad_arguments_are_named(factory: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        factory()


def test_selu_with_lecun_normal_keeps_a_deep_stack_normalized() -> None:
    """Self-normalization (Klambauer et al.): mean near 0, variance near 1, 20 deep."""
    x = np.random.default_rng(0).normal(size=(2000, 100)).astype(np.float32)
    model = axon.Sequential([axon.layers.Input((100,))])
    for _ in range(20):
        model.add(
            axon.layers.Dense(100, activation="selu", kernel_initializer="lecun_normal")
        )
    y = model.predict(x, verbose=0)
    assert abs(float(y.mean())) < 0.1 and abs(float(y.var()) - 1) < 0.15
    # With ReLU in its place, the same stack drifts far from it.
    model = axon.Sequential([axon.layers.Input((100,))])
    for _ in range(20):
        model.add(
            axon.layers.Dense(100, activation="relu", kernel_initializer="lecun_normal")
        )
    assert float(model.predict(x, verbose=0).var()) < 0.01


def test_log_softmax_stays_finite_for_huge_logits() -> None:
    z = np.array([[1e4, 0.0, -1e4], [3.0, 3.0, 3.0]])
    y = axon.activations.log_softmax(z)
    np.testing.assert_allclose(y, [[0.0, -1e4, -2e4], [-np.log(3)] * 3])
