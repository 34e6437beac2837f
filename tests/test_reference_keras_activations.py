"""axon's activations against Keras 3's: values, and derivatives by PyTorch autograd.

Keras runs on its PyTorch backend, so ``torch.autograd`` differentiates through Keras's
own ops (its composites included, such as ``relu`` with a threshold). The grid steps
by 0.1 from -8 to 8 and so holds every kink (0, +-3, 6 and the options' 0.5, 1, 2, 4)
exactly. Where Keras's derivative at a kink differs from PyTorch's native one, axon
follows PyTorch: ``KERAS_DIFFERS`` lists those points, and checks both sides.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import axon

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
if keras.backend.backend() != "torch":  # pragma: no cover - another test chose one
    pytest.skip("Keras runs on another backend here", allow_module_level=True)

K = keras.activations
GRID = np.arange(-80, 81) / 10  # exact kinks: 0, 0.5, 1, 2, 3, 4, 6 and negatives
TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}


def keras_case(name: str, **arguments: Any) -> Callable[[Any], Any]:
    function = K.get(name)
    return lambda x: function(x, **arguments)


# Each axon activation beside the Keras call that computes the same function.
CASES: list[tuple[axon.activations.Activation, Callable[[Any], Any]]] = [
    *[
        (axon.activations.get(name), keras_case(name))
        for name in axon.activations.ACTIVATIONS.names()
        if name != "leaky_relu"  # Keras's default slope is 0.2, axon's 0.01
    ],
    (axon.activations.leaky_relu, keras_case("leaky_relu", negative_slope=0.01)),
    (axon.activations.LeakyReLU(0.2), keras_case("leaky_relu")),
    (axon.activations.ELU(0.5), keras_case("elu", alpha=0.5)),
    (axon.activations.GELU(approximate=True), keras_case("gelu", approximate=True)),
    (axon.activations.Softmax(axis=0), keras_case("softmax", axis=0)),
    (axon.activations.LogSoftmax(axis=0), keras_case("log_softmax", axis=0)),
    (axon.activations.ReLU(max_value=6.0), keras_case("relu", max_value=6.0)),
    (axon.activations.ReLU(max_value=4.0), keras_case("relu", max_value=4.0)),
    (axon.activations.ReLU(negative_slope=0.1), keras_case("relu", negative_slope=0.1)),
    (axon.activations.ReLU(threshold=1.0), keras_case("relu", threshold=1.0)),
    (
        axon.activations.ReLU(negative_slope=0.1, max_value=4.0, threshold=0.5),
        keras_case("relu", negative_slope=0.1, max_value=4.0, threshold=0.5),
    ),
    (
        axon.activations.ReLU(negative_slope=0.3, max_value=2.0),
        keras_case("relu", negative_slope=0.3, max_value=2.0),
    ),
]

# (activation, kink, Keras's derivative there, axon's = PyTorch's convention)
KERAS_DIFFERS: list[tuple[str, float, float, float]] = [
    # Keras clips with clip(), whose derivative at the bound is 1, unless m = 6
    # (then it calls relu6, 0 at 6, as PyTorch's hardtanh and relu6 are).
    ("relu(max_value=4.0)", 4.0, 1.0, 0.0),
    ("relu(negative_slope=0.1, max_value=4.0, threshold=0.5)", 4.0, 1.0, 0.0),
    ("relu(negative_slope=0.3, max_value=2.0)", 2.0, 1.0, 0.0),
    # Keras's composite x - a relu(t - x) gives 0 at the threshold; PyTorch's
    # leaky_relu gives the negative slope there.
    ("relu(negative_slope=0.1, max_value=4.0, threshold=0.5)", 0.5, 0.0, 0.1),
    ("relu(negative_slope=0.3, max_value=2.0)", 0.0, 0.0, 0.3),
]


def label(activation: axon.activations.Activation) -> str:
    config = ", ".join(f"{k}={v!r}" for k, v in activation.get_config().items())
    return f"{activation.name}({config})"


def differs(
    activation: axon.activations.Activation,
) -> dict[float, tuple[float, float]]:
    return {x: (k, a) for name, x, k, a in KERAS_DIFFERS if name == label(activation)}


def keras_values_and_grad(
    function: Callable[[Any], Any], x: np.ndarray, r: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    xt = torch.tensor(x, requires_grad=True)
    y = function(xt)
    y.backward(torch.tensor(r))
    return y.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("activation", "function"), CASES, ids=lambda c: repr(c))
def test_values_and_derivatives_match_keras(
    activation: axon.activations.Activation,
    function: Callable[[Any], Any],
    dtype: type,
) -> None:
    x = GRID.reshape(7, 23).astype(dtype)  # 2-D, for softmax's rows and columns
    r = np.random.default_rng(0).normal(size=x.shape).astype(dtype)
    values, slopes = keras_values_and_grad(function, x, r)
    y = activation.forward(x.copy())
    grad = activation.backward(x, y, r.copy(), np.empty_like(x))
    tolerance = TOLERANCE[dtype]
    assert y.dtype == grad.dtype == dtype
    np.testing.assert_allclose(y, values, rtol=tolerance, atol=tolerance)
    if activation.name == "hard_sigmoid" and dtype == np.float64:
        # PyTorch's hardsigmoid multiplies by float32's 1/6 even in float64, 3e-8 off
        # (Keras on TensorFlow gives 1/6 to the last bit, as axon does).
        tolerance = 3e-8
    skip = np.isin(x, list(differs(activation)))  # checked in the test below
    np.testing.assert_allclose(
        grad[~skip], slopes[~skip], rtol=tolerance, atol=tolerance
    )


@pytest.mark.parametrize(("name", "kink", "keras_slope", "axon_slope"), KERAS_DIFFERS)
def test_where_keras_differs_axon_takes_pytorchs_side(
    name: str, kink: float, keras_slope: float, axon_slope: float
) -> None:
    [(activation, function)] = [(a, f) for a, f in CASES if label(a) == name]
    x = np.array([kink])
    _, slope = keras_values_and_grad(function, x, np.ones(1))
    assert slope[0] == keras_slope  # if Keras changes, this table must too
    grad = activation.backward(x, activation.forward(x.copy()), np.ones(1))
    assert grad[0] == pytest.approx(axon_slope, abs=1e-15)


def test_every_axon_activation_is_compared() -> None:
    compared = {activation.name for activation, _ in CASES}
    assert compared == set(axon.activations.ACTIVATIONS.names()) - {
        "swish",
        "hard_swish",
    }


# Activation layers beside Keras's, with the arguments both take.
F64 = "float64"
LAYER_CASES: list[tuple[Callable[[], Any], Callable[[], Any]]] = [
    (
        lambda: axon.layers.ReLU(max_value=6.0, negative_slope=0.2, threshold=0.5),
        lambda: keras.layers.ReLU(
            max_value=6.0, negative_slope=0.2, threshold=0.5, dtype=F64
        ),
    ),
    (lambda: axon.layers.LeakyReLU(0.3), lambda: keras.layers.LeakyReLU(dtype=F64)),
    (lambda: axon.layers.ELU(0.7), lambda: keras.layers.ELU(alpha=0.7, dtype=F64)),
    (
        lambda: axon.layers.Softmax(axis=1),
        lambda: keras.layers.Softmax(axis=1, dtype=F64),
    ),
    (
        lambda: axon.layers.PReLU(
            alpha_initializer={"name": "random_normal", "seed": 3}, shared_axes=[1]
        ),
        lambda: keras.layers.PReLU(shared_axes=[1], dtype=F64),
    ),
]


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize(("make", "make_keras"), LAYER_CASES)
def test_activation_layers_match_keras(
    make: Callable[[], Any], make_keras: Callable[[], Any]
) -> None:
    x = np.random.default_rng(0).normal(size=(4, 3, 5)) * 3
    x[np.isin(np.round(x, 6), [0.0, 0.5, 6.0])] += 0.01  # off the kinks
    layer = make()
    layer.ensure_built(x.shape[1:])
    keras_layer = make_keras()
    keras_layer.build((None, *x.shape[1:]))
    if layer.weights:  # Keras's PReLU gets axon's alpha
        keras_layer.set_weights(layer.get_weights())
    r = np.random.default_rng(1).normal(size=x.shape)
    xt = torch.tensor(x, requires_grad=True)
    yt = keras_layer(xt)
    yt.backward(torch.tensor(r))
    y = layer.forward(x)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    grad = layer.backward(r.copy())
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    if layer.weights:
        keras_alpha = keras_layer.trainable_weights[0].value.grad.numpy()
        np.testing.assert_allclose(layer.grads["alpha"], keras_alpha, rtol=1e-12)


def test_prelu_at_zero_takes_alpha_where_keras_gives_zero() -> None:
    layer = axon.layers.PReLU(alpha_initializer={"name": "constant", "value": 0.25})
    keras_layer = keras.layers.PReLU(
        alpha_initializer=keras.initializers.Constant(0.25)
    )
    x = np.zeros((1, 2))
    xt = torch.tensor(x, requires_grad=True)
    keras_layer(xt).sum().backward()
    assert xt.grad.numpy().tolist() == [[0.0, 0.0]]  # Keras: relu(x) - a relu(-x)
    layer(x)
    np.testing.assert_array_equal(layer.backward(np.ones((1, 2))), [[0.25, 0.25]])
