"""The tutorial's two-layer network: same interface, same log, same result."""

from __future__ import annotations

import re
import statistics
from typing import Any

import numpy as np
import pytest

import axon


def test_interface_matches_the_tutorial() -> None:
    nn = axon.NeuralNetwork(
        input_size=4, hidden_size=16, output_size=3, lr=0.05, seed=0
    )
    assert nn.W1.shape == (4, 16) and nn.b1.shape == (1, 16)
    assert nn.W2.shape == (16, 3) and nn.b2.shape == (1, 3)
    assert np.all(nn.b1 == 0) and nn.lr == 0.05 and nn.losses == []
    x = np.random.default_rng(0).normal(size=(5, 4))
    probs = nn.forward(x)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-6)
    assert nn.predict(x).shape == (5,)


def test_initial_weights_follow_he_initialisation() -> None:
    nn = axon.NeuralNetwork(input_size=400, hidden_size=300, output_size=3, seed=0)
    assert nn.W1.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)


@pytest.mark.usefixtures("float64")
def test_backward_is_the_tutorials_gradient_descent_step() -> None:
    """One step equals the tutorial's hand-written backward, formula for formula."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 4)), np.eye(3)[rng.integers(0, 3, 8)]
    nn = axon.NeuralNetwork(4, 5, 3, lr=0.1, seed=1)
    w1, b1, w2, b2 = nn.W1.copy(), nn.b1.copy(), nn.W2.copy(), nn.b2.copy()
    z1 = x @ w1 + b1
    a1 = np.maximum(0, z1)
    z2 = a1 @ w2 + b2
    a2 = np.exp(z2 - z2.max(1, keepdims=True))
    a2 /= a2.sum(1, keepdims=True)
    dz2 = (a2 - y) / 8
    dw2, db2 = a1.T @ dz2, dz2.sum(0, keepdims=True)
    dz1 = dz2 @ w2.T * (z1 > 0)
    dw1, db1 = x.T @ dz1, dz1.sum(0, keepdims=True)
    np.testing.assert_allclose(nn.forward(x), a2, rtol=1e-12)
    assert nn.loss(a2, y) == pytest.approx(-np.sum(y * np.log(a2 + 1e-9)) / 8)
    nn.backward(x, y)
    np.testing.assert_allclose(nn.W1, w1 - 0.1 * dw1, rtol=1e-12)
    np.testing.assert_allclose(nn.b1, b1 - 0.1 * db1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(nn.W2, w2 - 0.1 * dw2, rtol=1e-12)
    np.testing.assert_allclose(nn.b2, b2 - 0.1 * db2, rtol=1e-12, atol=1e-15)


def test_train_prints_the_tutorials_log(
    capsys: pytest.CaptureFixture[str], iris_split: Any
) -> None:
    x_train, _, y_train, _ = iris_split
    nn = axon.NeuralNetwork(
        input_size=4, hidden_size=16, output_size=3, lr=0.05, seed=0
    )
    nn.train(x_train, y_train, epochs=500)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and len(nn.losses) == 500
    pattern = re.compile(r"^Epoch +(\d+) \| Loss: \d\.\d{4} \| Acc: \d\.\d{4}$")
    assert [int(pattern.match(line).group(1)) for line in lines] == [
        0,
        100,
        200,
        300,
        400,
    ]  # type: ignore[union-attr]
    assert lines[0].startswith("Epoch    0 | Loss: ")
    assert nn.losses[-1] < nn.losses[0] / 3


def test_reaches_the_tutorials_test_accuracy_median_over_five_seeds(
    iris_split: Any,
) -> None:
    x_train, x_test, y_train, y_test = iris_split
    accuracies = []
    for seed in range(5):
        nn = axon.NeuralNetwork(
            input_size=4, hidden_size=16, output_size=3, lr=0.05, seed=seed
        )
        nn.train(x_train, y_train, epochs=500, verbose=False)
        accuracies.append(float((nn.predict(x_test) == y_test.argmax(1)).mean()))
    assert statistics.median(accuracies) >= 0.9667 - 1e-9, accuracies
