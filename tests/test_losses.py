from __future__ import annotations

import numpy as np
import pytest

import axon
from axon.losses import LOSSES
from axon.testing import check_loss_gradient

RNG = np.random.default_rng(0)


def _targets_and_predictions(loss: axon.losses.Loss) -> tuple[np.ndarray, np.ndarray]:
    if loss.target == "index":
        probs = axon.activations.softmax(RNG.normal(size=(6, 4)))
        return RNG.integers(0, 4, size=6), probs
    if loss.target == "one_hot":
        probs = axon.activations.softmax(RNG.normal(size=(6, 4)))
        return np.eye(4)[RNG.integers(0, 4, size=6)], probs
    if loss.name == "binary_crossentropy":
        return RNG.integers(0, 2, size=(6, 2)).astype(float), RNG.uniform(
            0.1, 0.9, (6, 2)
        )
    return RNG.normal(size=(6, 2)), RNG.normal(size=(6, 2))


@pytest.mark.parametrize(
    "name", sorted({LOSSES.lookup(n).name for n in LOSSES.names()})
)
def test_every_registered_loss_passes_the_gradient_check(name: str) -> None:
    loss = axon.losses.get(name)
    y_true, y_pred = _targets_and_predictions(loss)
    assert check_loss_gradient(loss, y_true, y_pred) < 1e-6
    if loss.pairs_with is not None:
        logits = RNG.normal(size=y_pred.shape)
        assert check_loss_gradient(loss, y_true, logits, from_logits=True) < 1e-6


@pytest.mark.parametrize(
    "name",
    [
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "binary_crossentropy",
    ],
)
def test_loss_from_logits_equals_loss_of_probabilities(name: str) -> None:
    loss = axon.losses.get(name)
    y_true, _ = _targets_and_predictions(loss)
    logits = RNG.normal(size=(6, 4 if loss.target != "value" else 2))
    assert loss.pairs_with is not None
    probs = axon.activations.get(loss.pairs_with).forward(logits.copy())
    assert loss.forward_from_logits(y_true, logits) == pytest.approx(
        loss.forward(y_true, probs), rel=1e-9
    )


def test_categorical_crossentropy_matches_the_tutorial_formula() -> None:
    y = np.eye(3)[[0, 2, 1, 1]]
    p = axon.activations.softmax(RNG.normal(size=(4, 3)))
    expected = -np.sum(y * np.log(p)) / 4
    assert axon.losses.categorical_crossentropy(y, p) == pytest.approx(
        expected, rel=1e-12
    )


def test_regression_losses_match_hand_computation() -> None:
    y, p = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 2.0], [2.0, 6.0]])
    assert axon.losses.mse(y, p) == pytest.approx((0.25 + 0 + 1 + 4) / 4)
    assert axon.losses.mae(y, p) == pytest.approx((0.5 + 0 + 1 + 2) / 4)
    assert axon.losses.Huber(1.0)(y, p) == pytest.approx((0.125 + 0 + 0.5 + 1.5) / 4)


def test_cross_entropies_are_finite_for_logits_of_1e4() -> None:
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]])
    y = np.eye(3)[[0, 2]]
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value = axon.losses.categorical_crossentropy.forward_from_logits(y, logits)
        binary = axon.losses.binary_crossentropy.forward_from_logits(
            np.array([[1.0], [0.0]]), np.array([[-1e4], [-1e4]])
        )
    assert value == pytest.approx((0 + (1e4 - 5)) / 2)
    assert binary == pytest.approx(1e4 / 2)


def test_from_logits_is_refused_by_regression_losses() -> None:
    with pytest.raises(ValueError, match="from_logits"):
        axon.losses.MeanSquaredError(from_logits=True)


def test_unknown_loss_lists_the_known_ones() -> None:
    with pytest.raises(
        ValueError, match=r"Unknown loss: 'crossentropy'.*binary_crossentropy"
    ):
        axon.losses.get("crossentropy")


@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_the_probability_shortcut_gives_the_log_sum_exp_value(scale: float) -> None:
    """With the softmax output at hand the loss takes a shortcut, never a wrong one."""
    loss = axon.losses.categorical_crossentropy
    logits = RNG.normal(size=(8, 3)) * scale
    y = np.eye(3)[RNG.integers(0, 3, 8)]
    probs = axon.activations.softmax(logits)
    with np.errstate(divide="ignore", invalid="ignore"):
        shortcut = loss.forward_from_logits(y, logits, probs)
    assert shortcut == pytest.approx(loss.forward_from_logits(y, logits), rel=1e-9)
    assert np.isfinite(shortcut)
