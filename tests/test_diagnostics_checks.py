"""compile and fit warn, once, when the output activation and the loss do not fit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import axon
from axon.models.checks import output_and_loss_problem

CCE = "categorical_crossentropy"


def model(activation: str | None, units: int = 3) -> axon.Sequential:
    return axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.Dense(8, activation="relu"),
            axon.layers.Dense(units, activation=activation),
        ]
    )


@pytest.mark.parametrize(
    ("activation", "units", "loss", "from_logits", "expected"),
    [
        (None, 3, CCE, False, "expects probabilities, but the output layer is linear"),
        ("relu", 3, CCE, False, "the output layer is relu"),
        ("linear", 1, "binary_crossentropy", False, "activation='sigmoid'"),
        ("softmax", 3, CCE, True, "squashed a second time"),
        ("sigmoid", 1, "binary_crossentropy", True, "squashed a second time"),
        ("sigmoid", 3, CCE, False, "probabilities that sum to one"),
        ("softmax", 1, "binary_crossentropy", False, "outputs 1 whatever its input"),
    ],
)
def test_each_mismatch_is_named_with_its_fix(
    activation: str | None, units: int, loss: str, from_logits: bool, expected: str
) -> None:
    problem = output_and_loss_problem(activation, units, loss, from_logits)
    assert problem is not None and expected in problem


@pytest.mark.parametrize(
    ("activation", "units", "loss", "from_logits"),
    [
        ("softmax", 3, CCE, False),
        ("sigmoid", 1, "binary_crossentropy", False),
        ("sigmoid", 4, "binary_crossentropy", False),  # multi-label
        (None, 3, CCE, True),
        (None, 1, "mse", False),
        ("softmax", 3, "mse", False),  # unusual, not a mismatch
        (None, 3, "sparse_categorical_crossentropy", True),
    ],
)
def test_combinations_that_fit_are_left_alone(
    activation: str | None, units: int, loss: str, from_logits: bool
) -> None:
    assert output_and_loss_problem(activation, units, loss, from_logits) is None


def data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(32, 4))
    return x, axon.utils.to_categorical(np.arange(32) % 3, 3)


def test_compile_warns_once_at_the_users_line() -> None:
    network = model(None)
    with pytest.warns(UserWarning, match="expects probabilities") as caught:
        network.compile(optimizer="adam", loss=CCE)
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said at compile: not again at fit
        network.fit(*data(), epochs=1, verbose=0)
        network.evaluate(*data(), verbose=0)
        # the fix: the same linear output, with a loss that takes logits
        network.compile(
            optimizer="adam", loss=axon.losses.CategoricalCrossentropy(from_logits=True)
        )
        network.fit(*data(), epochs=1, verbose=0)
    with pytest.warns(UserWarning, match="squashed a second time"):
        model("softmax").compile(
            optimizer="adam", loss=axon.losses.CategoricalCrossentropy(from_logits=True)
        )


def test_a_model_built_at_fit_warns_at_fit() -> None:
    network = axon.Sequential(
        [axon.layers.Dense(8, activation="relu"), axon.layers.Dense(3)]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        network.compile(optimizer="adam", loss=CCE)  # not built: nothing to say yet
    with pytest.warns(UserWarning, match="output layer is linear") as caught:
        network.fit(*data(), epochs=1, verbose=0)
    assert caught[0].filename == __file__
