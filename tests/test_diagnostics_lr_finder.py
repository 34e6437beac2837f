"""The learning-rate range test: a sensible suggestion, and the model left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import axon
from axon.cli import main
from axon.diagnostics import find_learning_rate


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(320, 4))
    return x, axon.utils.to_categorical((x[:, 0] + x[:, 1] > 0).astype(int), 2)


def tutorial_like(optimizer: axon.optimizers.Optimizer) -> axon.Sequential:
    model = axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.Dense(16, activation="relu"),
            axon.layers.BatchNormalization(),
            axon.layers.Dropout(0.3),
            axon.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    return model


def test_the_sweep_is_exponential_and_stops_once_the_loss_blows_up() -> None:
    axon.utils.set_random_seed(0)
    found = find_learning_rate(tutorial_like(axon.optimizers.SGD()), *data(), steps=150)
    rates = np.asarray(found.learning_rates)
    np.testing.assert_allclose(rates[1:] / rates[:-1], (1e8) ** (1 / 149), rtol=1e-9)
    assert rates[0] == pytest.approx(1e-7)
    assert len(rates) < 150  # SGD at a rate of several units diverges: it stopped
    assert found.losses[-1] > 1.5 * min(found.losses)
    assert len(found.losses) == len(found.raw_losses) == len(rates)
    assert found.suggestion < found.minimum


def test_the_suggestion_trains_well_and_the_extremes_do_not() -> None:
    x, y = data()
    axon.utils.set_random_seed(0)
    found = find_learning_rate(tutorial_like(axon.optimizers.Adam()), x, y)
    assert 1e-4 < found.suggestion < 1.0

    def accuracy(rate: float) -> float:
        axon.utils.set_random_seed(1)
        model = tutorial_like(axon.optimizers.Adam(rate))
        model.compile(
            optimizer=axon.optimizers.Adam(rate),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        model.fit(x, y, epochs=5, batch_size=32, verbose=0)
        return float(model.evaluate(x, y, verbose=0)[1])  # type: ignore[index]

    assert accuracy(found.suggestion) > 0.9
    assert accuracy(1e-7) < 0.8  # the start of the sweep learns nothing in 5 epochs


def test_weights_optimizer_state_and_generators_are_exactly_as_before() -> None:
    x, y = data()

    def trained(find_first: bool) -> tuple[list[np.ndarray], dict[str, list[float]]]:
        axon.utils.set_random_seed(3)
        model = tutorial_like(axon.optimizers.Adam(0.01))
        model.fit(x, y, epochs=2, batch_size=32, verbose=0)  # state to keep
        if find_first:
            slots = {k: v.copy() for k, v in model.optimizer.slots.items()}
            steps = model.optimizer.iterations
            find_learning_rate(model, x, y, steps=60)
            assert model.optimizer.iterations == steps
            assert model.optimizer.learning_rate == pytest.approx(0.01)
            for name, slot in model.optimizer.slots.items():
                np.testing.assert_array_equal(slot, slots[name])
        history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
        return model.get_weights(), history.history

    weights, history = trained(find_first=True)
    plain_weights, plain_history = trained(find_first=False)
    assert history == plain_history  # shuffling and Dropout draws: the same bits
    for a, b in zip(weights, plain_weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_plot_marks_the_suggestion() -> None:
    axon.utils.set_random_seed(0)
    found = find_learning_rate(tutorial_like(axon.optimizers.Adam()), *data(), steps=80)
    fig = found.plot()
    (ax,) = fig.axes
    assert ax.get_xscale() == "log"
    assert any(f"{found.suggestion:.2g}" in t.get_text() for t in ax.get_legend().texts)
    plt.close(fig)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"min_lr": 0.0}, "Expected a number above 0. Received: min_lr=0.0"),
        ({"max_lr": 1e-8}, "Expected max_lr above min_lr"),
        ({"steps": 2.5}, "Expected an integer above 1. Received: steps=2.5"),
        ({"batch_size": -1}, "Received: batch_size=-1"),
    ],
)
def test_bad_arguments_are_named(arguments: dict[str, float], message: str) -> None:
    model = tutorial_like(axon.optimizers.Adam())
    with pytest.raises(ValueError, match=message):
        find_learning_rate(model, *data(), **arguments)  # type: ignore[arg-type]


def test_an_uncompiled_model_is_refused() -> None:
    model = axon.Sequential([axon.layers.Input((4,)), axon.layers.Dense(2)])
    with pytest.raises(ValueError, match="Expected a compiled model"):
        find_learning_rate(model, *data())


def test_axon_lr_find_prints_the_suggestion_and_draws_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figure = tmp_path / "lr.png"
    assert main(["lr-find", "--steps", "80", "--output", str(figure)]) == 0
    plt.close("all")
    out = capsys.readouterr().out
    record = json.loads((tmp_path / "lr.json").read_text())
    assert f"Suggested learning rate: {record['suggestion']:.2g}" in out
    assert figure.read_bytes().startswith(b"\x89PNG")
    assert main(["lr-find", "--min-lr", "1", "--max-lr", "0.1"]) == 2
    assert "--min-lr must be below --max-lr" in capsys.readouterr().err


def test_axon_lr_find_takes_a_table_as_axon_train_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sklearn.datasets import load_wine

    from axon import tabular

    csv = tmp_path / "wine.csv"
    load_wine(as_frame=True).frame.to_csv(csv, index=False)
    figure = tmp_path / "lr.png"
    arguments = ["lr-find", str(csv), "--target", "target", "--steps", "60"]
    assert main([*arguments, "--drop", "ash", "--output", str(figure)]) == 0
    plt.close("all")
    out = capsys.readouterr().out
    # the training rows and inputs axon train would train on (same split and seed)
    trained = tabular.fit_table(csv, "target", drop=["ash"], epochs=1)
    rows, inputs = trained.rows["training"], len(trained.preprocessing.features)
    assert f"{rows} training rows, {inputs} input(s), classification" in out
    record = json.loads((tmp_path / "lr.json").read_text())
    assert record["data"] == str(csv) and record["target"] == "target"
    assert f"Suggested learning rate: {record['suggestion']:.2g}" in out
    assert 1e-4 < record["suggestion"] < 1.0
    assert figure.read_bytes().startswith(b"\x89PNG")
    # a table without --target is refused as axon train refuses it
    assert main(["lr-find", str(csv), "--output", str(figure)]) == 2
    assert "say which column to predict (--target COLUMN)" in capsys.readouterr().err


def test_axon_lr_find_on_a_regression_data_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figure = tmp_path / "lr.png"
    assert main(["lr-find", "diabetes", "--steps", "60", "--output", str(figure)]) == 0
    plt.close("all")
    assert "regression of 'target'" in capsys.readouterr().out
    record = json.loads((tmp_path / "lr.json").read_text())
    assert len(record["losses"]) == len(record["learning_rates"]) > 10
