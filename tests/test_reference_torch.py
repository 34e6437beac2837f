"""One training step of axon against PyTorch autograd, in float64, where kinks bite.

Zero biases and integer weights and inputs make pre-activations land exactly on the
kinks (0 for the ReLU family): the first step of a real network does the same, since
biases start at zero and a sample that silences every unit of a ReLU layer reaches the
next layer as an exact zero. There the derivative is a convention, and axon's must be
PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import axon

torch = pytest.importorskip("torch")
F = torch.nn.functional

LEARNING_RATE = 0.1

# An activation as Dense takes it, beside the same function in PyTorch.
FAMILY: list[tuple[Any, Callable[[Any], Any]]] = [
    ("relu", F.relu),
    ("leaky_relu", lambda z: F.leaky_relu(z, 0.01)),
    ({"name": "leaky_relu", "negative_slope": 0.3}, lambda z: F.leaky_relu(z, 0.3)),
    ({"name": "leaky_relu", "negative_slope": 1.5}, lambda z: F.leaky_relu(z, 1.5)),
    ("linear", lambda z: z),
    ("relu6", F.relu6),
    # F.hardsigmoid's float64 gradient multiplies by float32's 1/6 (3e-8 off); this is
    # the same function, with the same flat kinks, in exact arithmetic.
    ("hard_sigmoid", lambda z: F.relu6(z + 3) / 6),
    ("hard_silu", F.hardswish),
    ("elu", F.elu),
    ({"name": "elu", "alpha": 0.5}, lambda z: F.elu(z, 0.5)),
    ("selu", F.selu),
    ({"name": "relu", "max_value": 4.0}, lambda z: F.hardtanh(z, 0.0, 4.0)),
    (  # relu(z, a, m, t): PyTorch's leaky_relu kink at t and hardtanh's cap at m
        {"name": "relu", "negative_slope": 0.1, "max_value": 4.0, "threshold": 1.0},
        lambda z: torch.where(z > 1, F.hardtanh(z, 1.0, 4.0), 0.1 * (z - 1)),
    ),
    ("gelu", F.gelu),
    ({"name": "gelu", "approximate": True}, lambda z: F.gelu(z, approximate="tanh")),
    ("silu", F.silu),
    ("softplus", lambda z: torch.logaddexp(z, torch.zeros_like(z))),  # exact above 20
    ("softsign", F.softsign),
    ("mish", F.mish),
    ("sigmoid", torch.sigmoid),
    ("tanh", torch.tanh),
]
KINKS = (0.0, -3.0, 1.0, 3.0, 4.0, 6.0)


def random_network(
    seed: int,
) -> tuple[list[Any], list[Callable[[Any], Any]], list[np.ndarray]]:
    """Widths, activations and integer kernels of a random 2-4 layer network."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(2, 5))
    widths = [int(w) for w in rng.integers(2, 6, size=depth + 1)]
    picks = [FAMILY[int(i)] for i in rng.integers(0, len(FAMILY), size=depth)]
    kernels = [
        rng.integers(-2, 3, size=(widths[i], widths[i + 1])).astype(np.float64)
        for i in range(depth)
    ]
    return [p[0] for p in picks], [p[1] for p in picks], kernels


def axon_step(
    activations: list[Any], kernels: list[np.ndarray], x: np.ndarray, y: np.ndarray
) -> tuple[float, list[np.ndarray]]:
    axon.config.set_floatx("float64")
    model = axon.Sequential([axon.layers.Input((kernels[0].shape[0],))])
    for activation, kernel in zip(activations, kernels, strict=True):
        model.add(axon.layers.Dense(kernel.shape[1], activation=activation))
    model.compile(optimizer=axon.optimizers.SGD(LEARNING_RATE), loss="mse")
    weights = [w for k in kernels for w in (k, np.zeros(k.shape[1]))]
    model.set_weights(weights)
    loss = model.train_on_batch(x, y)
    assert isinstance(loss, float)
    return loss, model.get_weights()


def torch_step(
    functions: list[Callable[[Any], Any]],
    kernels: list[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
) -> tuple[float, list[np.ndarray], int]:
    """The same step by autograd; also counts pre-activations exactly on a kink."""
    params = []
    for kernel in kernels:
        params.append(torch.tensor(kernel, requires_grad=True))
        params.append(
            torch.zeros(kernel.shape[1], dtype=torch.float64).requires_grad_()
        )
    h = torch.tensor(x)
    on_kink = 0
    for i, function in enumerate(functions):
        z = h @ params[2 * i] + params[2 * i + 1]
        on_kink += sum(int((z == k).sum()) for k in KINKS)
        h = function(z)
    loss = ((h - torch.tensor(y)) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        stepped = [(p - LEARNING_RATE * p.grad).numpy() for p in params]
    return float(loss.detach()), stepped, on_kink


def batch(seed: int, kernels: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Integer inputs, one of them all zeros, and normal targets."""
    rng = np.random.default_rng(1000 + seed)
    x = rng.integers(-2, 3, size=(6, kernels[0].shape[0])).astype(np.float64)
    x[0] = 0.0  # a sample that is an exact zero at every unit of the first layer
    return x, rng.normal(size=(6, kernels[-1].shape[1]))


@pytest.mark.parametrize("seed", range(40))
def test_one_training_step_matches_pytorch_on_the_kinks(seed: int) -> None:
    activations, functions, kernels = random_network(seed)
    x, y = batch(seed, kernels)
    loss, weights = axon_step(activations, kernels, x, y)
    torch_loss, torch_weights, on_kink = torch_step(functions, kernels, x, y)
    assert on_kink > 0  # the step really went through kinks
    assert loss == pytest.approx(torch_loss, abs=1e-10)
    for ours, theirs in zip(weights, torch_weights, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def positive_side(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The same function, but with the derivative 1 at z = 0."""
    return lambda z: torch.where(z == 0, z, function(z))


def test_the_kinks_change_the_step() -> None:
    """Had a kink taken the other side's slope, some seeds above would have failed."""
    differs = 0
    for seed in range(40):
        _, functions, kernels = random_network(seed)
        x, y = batch(seed, kernels)
        _, moved, _ = torch_step([positive_side(f) for f in functions], kernels, x, y)
        _, weights, _ = torch_step(functions, kernels, x, y)
        differs += any(
            not np.allclose(a, b, rtol=0, atol=1e-10)
            for a, b in zip(moved, weights, strict=True)
        )
    assert differs >= 10


def test_one_leaky_relu_neuron_at_zero_moves_by_its_slope() -> None:
    """Issue 14's example: the bias moves by 2 * 1 * 0.01 = 0.02, as in PyTorch."""
    axon.config.set_floatx("float64")
    model = axon.Sequential(
        [
            axon.layers.Dense(
                1,
                activation="leaky_relu",
                input_shape=(1,),
                kernel_initializer="zeros",
            )
        ]
    )
    model.compile(optimizer=axon.optimizers.SGD(1.0), loss="mse")
    before = model.get_weights()
    model.train_on_batch(np.array([[1.0]]), np.array([[1.0]]))
    kernel, bias = (a - b for a, b in zip(model.get_weights(), before, strict=True))
    np.testing.assert_allclose(kernel, [[0.02]], rtol=0, atol=1e-15)
    np.testing.assert_allclose(bias, [0.02], rtol=0, atol=1e-15)


# Activation layers between two linear Dense layers, beside PyTorch; the alphas of
# PReLU are weights, so they take the step too.
LAYERS: list[tuple[Callable[[], Any], Callable[[Any, list[Any]], Any], list[Any]]] = [
    (lambda: axon.layers.ReLU(), lambda z, w: F.relu(z), []),
    (
        lambda: axon.layers.ReLU(max_value=4.0, negative_slope=0.1, threshold=1.0),
        lambda z, w: torch.where(z > 1, F.hardtanh(z, 1.0, 4.0), 0.1 * (z - 1)),
        [],
    ),
    (lambda: axon.layers.LeakyReLU(0.3), lambda z, w: F.leaky_relu(z, 0.3), []),
    (lambda: axon.layers.ELU(0.5), lambda z, w: F.elu(z, 0.5), []),
    (
        lambda: axon.layers.PReLU(
            alpha_initializer={"name": "constant", "value": 0.25}
        ),
        lambda z, w: F.prelu(z, w[0]),
        [np.full(5, 0.25)],
    ),
    (  # one alpha for every unit: PyTorch's PReLU(num_parameters=1)
        lambda: axon.layers.PReLU(
            alpha_initializer={"name": "constant", "value": -0.5}, shared_axes=[1]
        ),
        lambda z, w: F.prelu(z, w[0]),
        [np.full(1, -0.5)],
    ),
]


@pytest.mark.parametrize(("make", "function", "extra"), LAYERS)
@pytest.mark.parametrize("seed", range(5))
def test_activation_layers_take_the_same_step_as_pytorch(
    make: Callable[[], Any],
    function: Callable[[Any, list[Any]], Any],
    extra: list[np.ndarray],
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    first = rng.integers(-2, 3, size=(4, 5)).astype(np.float64)
    second = rng.integers(-2, 3, size=(5, 2)).astype(np.float64)
    x = rng.integers(-2, 3, size=(8, 4)).astype(np.float64)
    x[0] = 0.0
    y = rng.normal(size=(8, 2))
    axon.config.set_floatx("float64")
    model = axon.Sequential(
        [axon.layers.Input((4,)), axon.layers.Dense(5), make(), axon.layers.Dense(2)]
    )
    model.compile(optimizer=axon.optimizers.SGD(LEARNING_RATE), loss="mse")
    weights = [first, np.zeros(5), *extra, second, np.zeros(2)]
    model.set_weights(weights)
    loss = model.train_on_batch(x, y)
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    z = torch.tensor(x) @ params[0] + params[1]
    assert int((z == 0).sum()) > 0
    h = function(z, params[2 : 2 + len(extra)]) @ params[-2] + params[-1]
    torch_loss = ((h - torch.tensor(y)) ** 2).mean()
    torch_loss.backward()
    assert loss == pytest.approx(float(torch_loss.detach()), abs=1e-10)
    for ours, param in zip(model.get_weights(), params, strict=True):
        expected = (param - LEARNING_RATE * param.grad).detach().numpy()
        np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-10)
