"""Settings chosen from the table (axon.tabular.defaults), the refit, and what the run says."""

from __future__ import annotations

import argparse
import inspect
import json
import re
import warnings
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import axon
from axon.cli import main, train
from axon.tabular import auto, fit_table
from axon.tabular.defaults import EXTRA, SETTINGS, TUTORIAL, choose

SMALL = {"epochs": 6, "patience": 2}  # a few epochs: what is tested is the plumbing


def small_table(regression: bool = False, rows: int = 120) -> pd.DataFrame:
    """Two numbers, a text column with gaps; a target that depends on them."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 2))
    colour = rng.choice(["red", "green", "blue"], rows).astype(object)
    colour[rng.random(rows) < 0.1] = None
    signal = x[:, 0] - x[:, 1] + (colour == "red")
    target = signal if regression else np.where(signal > 0, "yes", "no")
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "colour": colour, "y": target})


def test_a_small_table_gets_one_wide_layer_and_batches_of_a_tenth() -> None:
    chosen = choose(rows=250, columns=4)
    assert chosen["hidden"].value == [256]
    assert chosen["batch_size"].value == 16  # 250 x 0.8 / 10 = 20 -> 16
    assert chosen["dropout"].value == [0.2]
    assert chosen["learning_rate"].value == 0.003
    assert chosen["weight_decay"].value == 0.01
    assert chosen["batch_norm"].value is False
    assert chosen["validation_split"].value == 0.2
    assert chosen["refit"].value is True
    assert chosen["members"].value == 1
    assert chosen["patience"].value == 20
    assert chosen["initializer"].value == "he_normal"
    assert chosen["bias_spread"].value == 0.0
    assert list(chosen) == [*SETTINGS, *EXTRA]
    assert all(c.source == "data" and c.reason for c in chosen.values())
    # the batch is the power of two nearest a tenth of 80% of the rows
    assert choose(rows=2_000, columns=4)["batch_size"].value == 128  # 160
    assert choose(rows=3_000, columns=4)["batch_size"].value == 256  # 240


def test_below_200_rows_a_classification_table_trains_on_every_row() -> None:
    chosen = choose(rows=199, columns=4)
    assert chosen["validation_split"].value == 0.0
    assert "would hold 40 rows" in chosen["validation_split"].reason
    assert chosen["refit"].value is False
    assert chosen["patience"].value == 10
    assert chosen["initializer"].value == "glorot_uniform"
    assert chosen["bias_spread"].value == 4.0
    assert chosen["learning_rate"].value == 0.003
    assert chosen["batch_size"].value == 16
    assert list(chosen) == [*SETTINGS, *EXTRA]
    assert all(c.source == "data" and c.reason for c in chosen.values())
    # from 200 rows, for regression, or with a split the user gave: early stopping
    # on the split, then the refit
    for larger in (
        choose(rows=200, columns=4),
        choose(rows=150, columns=4, task="regression"),
        choose(rows=150, columns=4, given={"validation_split": 0.25}),
    ):
        assert larger["refit"].value is True
        assert larger["patience"].value == 20
        assert larger["initializer"].value == "he_normal"
        assert larger["bias_spread"].value == 0.0
        assert larger["validation_split"].value in (0.2, 0.25)
    assert choose(150, 4, task="regression")["validation_split"].value == 0.2


def test_a_small_classification_run_stops_on_its_training_loss() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = auto.fit_auto(small_table(), "y", epochs=400)  # 96 training rows
    assert model.rows == {"training": 96, "validation": 0, "test": 24}
    assert auto.refit_of(model) == {}
    losses = model.history.history["loss"]
    assert "val_loss" not in model.history.history
    assert len(losses) < 400  # stopped by the training loss
    best = int(np.argmin(losses))
    assert len(losses) == best + 1 + 10  # patience 10 after the lowest loss
    assert auto.choices_of(model)["validation_split"].value == 0.0


class FirstKernel(axon.callbacks.Callback):
    """Keeps the first layer's kernel and biases as training starts."""

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.kernel = self.model.layers[0].get_weights()[0].copy()
        self.bias = self.model.layers[0].get_weights()[1].copy()


# How each initializer's reason names it (the reason says what the value is).
DRAWN = {
    "glorot_uniform": "kernel drawn Glorot-uniform",
    "he_normal": "drawn He-normal",
}


def first_weights(frame: pd.DataFrame, **given: Any) -> tuple[Any, FirstKernel]:
    """The model of one epoch, and its first layer's weights as training started."""
    seen = FirstKernel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = auto.fit_auto(frame, "y", epochs=1, callbacks=[seen], **given)
    return model, seen


def first_kernel(frame: pd.DataFrame, **given: Any) -> tuple[Any, np.ndarray]:
    model, seen = first_weights(frame, **given)
    return model, seen.kernel


def test_a_small_classification_table_starts_from_a_glorot_uniform_kernel() -> None:
    model, kernel = first_kernel(small_table())  # 96 training rows
    choice = auto.choices_of(model)["initializer"]
    inputs, units = kernel.shape
    bound = np.sqrt(6 / (inputs + units))  # Glorot-uniform's
    assert (choice.value, choice.source, units) == ("glorot_uniform", "data", 256)
    assert np.abs(kernel).max() <= bound and kernel.std() > bound / 2
    assert model.network.layers[0].get_config()["kernel_initializer"] == (
        "glorot_uniform"
    )
    assert model.network.layers[0].get_weights()[1].any()  # trained: not all zero
    # with a split (or 200 rows and more) the network's own He-normal draw stays
    split, he = first_kernel(small_table(), validation_split=0.2, refit=False)
    assert auto.choices_of(split)["initializer"].value == "he_normal"
    assert he.std() > 2 * bound  # He-normal: sqrt(2 / inputs)
    # the user's choice wins, and reaches the refit's network too
    given, kernel = first_kernel(small_table(), initializer="he_normal")
    assert auto.choices_of(given)["initializer"].source == "given"
    assert kernel.std() > 2 * bound
    refit, _ = first_kernel(
        small_table(), validation_split=0.2, initializer="glorot_uniform"
    )
    assert auto.refit_of(refit)["epochs"] == 1
    config = refit.network.layers[0].get_config()
    assert config["kernel_initializer"] == "glorot_uniform"
    with pytest.raises(ValueError, match="Unknown initializer: 'glorot'"):
        first_kernel(small_table(), initializer="glorot")


def first_bias(frame: pd.DataFrame, **given: Any) -> tuple[Any, np.ndarray, float]:
    """The model, its first layer's biases as training starts, and Glorot's bound."""
    model, seen = first_weights(frame, **given)
    return model, seen.bias, float(np.sqrt(6 / sum(seen.kernel.shape)))


def test_a_small_classification_table_starts_from_spread_biases(
    tmp_path: Path,
) -> None:
    model, bias, glorot = first_bias(small_table())  # 96 training rows
    choice = auto.choices_of(model)["bias_spread"]
    assert (choice.value, choice.source) == (4.0, "data")
    # uniform in +-4 x Glorot's bound: the extremes near it, the spread sqrt(1/3) of it
    assert np.abs(bias).max() <= 4 * glorot < np.abs(bias).max() * 1.05
    assert 0.5 < bias.std() / (4 * glorot / np.sqrt(3)) < 1.5
    config = model.network.layers[0].get_config()["bias_initializer"]
    assert config["name"] == "random_uniform"
    assert config["maxval"] == pytest.approx(4 * glorot) == -config["minval"]
    # the kernel is drawn as before (the biases come after it from one generator)
    _, kernel = first_kernel(small_table())
    _, zero_kernel = first_kernel(small_table(), bias_spread=0)
    np.testing.assert_array_equal(kernel, zero_kernel)
    # the saved model predicts as the trained one
    model.save(tmp_path / "m.axon")
    rows = model.test_rows
    np.testing.assert_array_equal(
        axon.tabular.load(tmp_path / "m.axon").predict(rows)["probability_yes"],
        model.predict(rows)["probability_yes"],
    )


def test_the_bias_spread_is_a_setting_the_user_can_give() -> None:
    given, bias, _ = first_bias(small_table(), bias_spread=0)
    assert auto.choices_of(given)["bias_spread"].source == "given"
    assert not bias.any()  # zero, as a larger table's
    split, bias, _ = first_bias(small_table(), validation_split=0.2, refit=False)
    assert auto.choices_of(split)["bias_spread"].value == 0.0 and not bias.any()
    _, bias, glorot = first_bias(small_table(), bias_spread=1)
    assert np.abs(bias).max() <= glorot and bias.std() > glorot / 4
    refit, _, glorot = first_bias(small_table(), validation_split=0.2, bias_spread=2)
    assert auto.refit_of(refit)["epochs"] == 1  # the refit's network spread too
    config = refit.network.layers[0].get_config()["bias_initializer"]
    assert config["maxval"] == pytest.approx(2 * glorot)
    _, bias, glorot = first_bias(small_table(), bias_spread=np.int64(3))
    assert np.abs(bias).max() <= 3 * glorot < 1.05 * np.abs(bias).max()
    for wrong in (-1, "wide", True, float("nan"), float("inf")):
        with pytest.raises(
            ValueError,
            match=re.escape(
                "Expected bias_spread a finite number >= 0. Received: "
                f"bias_spread={wrong!r}"
            ),
        ):
            first_bias(small_table(), bias_spread=wrong)


@pytest.mark.parametrize(
    ("rows", "task", "given"),
    [
        (150, "classification", {}),
        (150, "classification", {"validation_split": 0.2}),
        (400, "classification", {}),
        (150, "regression", {}),
    ],
)
def test_the_small_tables_reasons_say_the_values_they_give(
    rows: int, task: str, given: dict[str, Any]
) -> None:
    chosen = choose(rows, 4, task, given)
    initializer = chosen["initializer"]
    assert DRAWN[initializer.value] in initializer.reason
    others = [words for name, words in DRAWN.items() if name != initializer.value]
    assert not any(words in initializer.reason for words in others)
    patience = chosen["patience"]
    assert (
        f"not fallen for {patience.value} epochs" in patience.reason
        or f"waits {patience.value} epochs" in patience.reason
    )


def test_a_large_wide_regression_table_gets_two_layers_and_averaged_networks() -> None:
    chosen = choose(rows=50_000, columns=300, task="regression")
    assert chosen["hidden"].value == [512, 512]
    assert chosen["batch_size"].value == 512  # capped
    assert chosen["dropout"].value == [0.1]
    assert chosen["learning_rate"].value == 0.001
    assert chosen["members"].value == 3
    assert "300 columns > 48" in chosen["hidden"].reason
    assert chosen["refit"].value is False  # 20% of 50,000 rows is little to lose
    assert "no refit as 50,000 rows" in chosen["refit"].reason
    assert choose(rows=9_999, columns=4)["refit"].value is True
    small = choose(rows=400, columns=10, task="regression")
    assert small["dropout"].value == [0.3]
    assert small["members"].value == 3


def test_the_width_follows_the_networks_inputs_when_they_are_counted() -> None:
    # 8 columns, one of them text: 61 inputs after one-hot (the cars' table)
    assert choose(320, 8, "regression", inputs=61)["hidden"].value == [512]
    assert "61 network inputs > 48" in choose(320, 8, inputs=61)["hidden"].reason
    assert choose(320, 8, inputs=48)["hidden"].value == [256]
    assert choose(320, 61)["hidden"].value == [512]  # uncounted: the columns
    assert choose(320, 61, inputs=30)["hidden"].value == [256]
    assert choose(320, 8, inputs=61, preset="tutorial")["hidden"].value == [64, 32]


def test_fit_auto_counts_the_one_hot_inputs_of_a_small_table() -> None:
    rng = np.random.default_rng(1)
    frame = small_table(rows=200)
    frame["city"] = [f"c{i}" for i in rng.integers(0, 60, len(frame))]  # 50 kept
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = auto.fit_auto(frame, "y", **SMALL)
        plain = auto.fit_auto(small_table(rows=200), "y", **SMALL)
    assert len(model.preprocessing.features) > 48
    assert auto.choices_of(model)["hidden"].value == [512]
    assert "network inputs" in auto.choices_of(model)["hidden"].reason
    assert auto.choices_of(plain)["hidden"].value == [256]
    assert auto._inputs(frame, "nothing", ["nothing"]) is None  # fit_table explains


def test_explicit_options_win_over_the_rules_and_the_preset() -> None:
    chosen = choose(150, 4, given={"batch_size": 64, "hidden": None, "refit": False})
    assert chosen["batch_size"].value == 64
    assert chosen["batch_size"].source == "given"
    assert chosen["refit"].value is False
    assert chosen["hidden"].source == "data"  # None: not given
    tutorial = choose(150, 4, given={"epochs": 7}, preset="tutorial")
    assert tutorial["epochs"].value == 7
    assert tutorial["hidden"].value == [64, 32]
    assert tutorial["hidden"].source == "preset tutorial"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"rows": 0, "columns": 3}, "Received: rows=0, columns=3"),
        ({"rows": 9, "columns": 3, "preset": "fast"}, "Received: preset='fast'"),
        ({"rows": 9, "columns": 3, "given": {"width": 3}}, "Received: 'width'"),
        ({"rows": 9, "columns": 3, "inputs": 0}, "Received: inputs=0"),
    ],
)
def test_bad_arguments_are_value_errors_naming_them(
    arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        choose(**arguments)


def test_the_tutorial_preset_is_fit_tables_own_configuration() -> None:
    defaults = inspect.signature(fit_table).parameters
    for name in ("batch_norm", "batch_size", "learning_rate", "epochs", "patience"):
        assert defaults[name].default == TUTORIAL[name], name
    assert list(defaults["hidden"].default) == TUTORIAL["hidden"]
    assert list(defaults["dropout"].default) == TUTORIAL["dropout"]
    assert defaults["validation_split"].default == TUTORIAL["validation_split"]
    assert TUTORIAL["weight_decay"] == 0 and TUTORIAL["refit"] is False


def test_the_tutorial_preset_trains_exactly_as_fit_table() -> None:
    frame = small_table()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        preset = auto.fit_auto(frame, "y", preset="tutorial", epochs=3)
        plain = fit_table(frame, "y", epochs=3)
    assert auto.refit_of(preset) == {}
    assert preset.history.history == plain.history.history
    for mine, theirs in zip(
        preset.network.get_weights(), plain.network.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(mine, theirs)


def test_the_table_read_is_freed_before_training(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # fit_table frees the table once split; when fit_auto (which read it) or the
    # call's argument tuple kept it alive, a million-row run peaked 182 MiB higher.
    read: list[weakref.ref[Any]] = []
    real = auto.as_frame

    def as_frame(data: Any, progress: bool = False) -> tuple[Any, str]:
        frame, source = real(data, progress)
        read.append(weakref.ref(frame))
        return frame, source

    def alive(model: Any) -> None:
        seen.append(read[-1]() is not None)

    seen: list[bool] = []
    monkeypatch.setattr(auto, "as_frame", as_frame)
    path = tmp_path / "t.csv"
    small_table().to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auto.fit_auto(
            str(path), "y", preset="tutorial", epochs=1, before_training=alive
        )
        # a DataFrame given to fit_table and held nowhere else goes too
        given = [small_table()]
        read.append(weakref.ref(given[0]))
        fit_table(given.pop(), "y", epochs=1, before_training=alive)
    assert seen == [False, False]


def test_the_refit_trains_every_training_row_for_the_epochs_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[int, int]] = []
    fit = axon.Sequential.fit

    def recording(self: Any, x: Any, y: Any, **options: Any) -> Any:
        calls.append((len(x), options["epochs"]))
        return fit(self, x, y, **options)

    monkeypatch.setattr(axon.Sequential, "fit", recording)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = auto.fit_auto(
            small_table(), "y", epochs=60, patience=3, validation_split=0.2
        )
    found = int(np.argmin(model.history.history["val_loss"])) + 1
    assert found < 60  # early stopping found a count of its own
    rows = model.rows["training"] + model.rows["validation"]
    assert calls[0] == (model.rows["training"], 60)  # the early-stopping run
    assert calls[1:] == [(rows, found)]  # the refit: one network, every row
    assert auto.refit_of(model)["epochs"] == found
    assert auto.refit_of(model)["rows"] == rows
    assert model.rows == {"training": 77, "validation": 19, "test": 24}  # the split


def test_regression_averages_its_networks_in_one_model(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = auto.fit_auto(small_table(regression=True), "y", **SMALL)
    assert auto.refit_of(model)["members"] == 3
    assert isinstance(model.network.layers[-1], axon.layers.Average)
    model.save(tmp_path / "m.axon")
    again = axon.tabular.load(tmp_path / "m.axon")
    rows = model.test_rows
    np.testing.assert_allclose(
        again.predict(rows)["prediction"], model.predict(rows)["prediction"]
    )


def test_the_average_is_the_mean_of_its_members() -> None:
    rng = np.random.default_rng(1)
    members = []
    for units in (3, 5):
        net = axon.Sequential(
            [
                axon.layers.Input((4,)),
                axon.layers.Dense(units, "relu"),
                axon.layers.Dense(2, "softmax"),
            ]
        )
        net.set_weights([rng.normal(size=w.shape) for w in net.get_weights()])
        members.append(net)
    x = rng.normal(size=(7, 4)).astype(np.float32)
    mean = (members[0].predict(x, verbose=0) + members[1].predict(x, verbose=0)) / 2
    averaged = auto.average(members, 4).predict(x, verbose=0)
    np.testing.assert_allclose(averaged, mean, rtol=1e-6)


def test_a_dropout_rate_per_layer_must_match_the_layers() -> None:
    with pytest.raises(ValueError, match=r"dropout=\[0.1, 0.2\] for hidden=\[8\]"):
        auto.fit_auto(small_table(), "y", hidden=[8], dropout=[0.1, 0.2])


def test_the_cli_and_the_report_state_each_choice_and_who_made_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import axon.tabular.report

    monkeypatch.setattr(axon.tabular.report, "figures", lambda model: [])  # speed
    small_table(rows=300).to_csv(tmp_path / "t.csv", index=False)  # 240 training
    argv = ["train", str(tmp_path / "t.csv"), "--target", "y", "--epochs", "6"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main([*argv, "--verbose", "0", "--output", str(tmp_path / "run")]) == 0
    import matplotlib.pyplot as plt

    plt.close("all")
    out = capsys.readouterr().out
    assert "Settings (given, from a preset, or chosen from the data, and why):" in out
    assert re.search(r"\nepochs +6  given +your option\n", out)
    assert re.search(r"\nbatch size +16  data +about 10 batches per epoch: 240 ", out)
    assert re.search(r"\nloss +binary_crossentropy +task +the loss that pairs", out)
    assert re.search(r"\ninitializer +he_normal +data +the first hidden layer's", out)
    assert "Refit on 240 training rows (validation rows included) for " in out
    record = json.loads((tmp_path / "run" / "history.json").read_text())
    assert record["choices"]["hidden"] == {
        "value": [256],
        "reason": record["choices"]["hidden"]["reason"],
        "source": "data",
    }
    assert record["hyperparameters"]["hidden"] == [256]
    assert record["hyperparameters"]["epochs"] == 6
    assert record["refit"]["rows"] == 240
    page = (tmp_path / "run" / "report.html").read_text()
    assert "<h2>Settings, and why" in page
    assert "about 10 batches per epoch" in page


def test_the_cli_preset_tutorial_and_the_quick_start_use_the_tutorials_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import axon.cli.train_table

    monkeypatch.setattr(axon.cli.train_table, "headless_pyplot", lambda: None)
    small_table().to_csv(tmp_path / "t.csv", index=False)
    argv = ["train", str(tmp_path / "t.csv"), "--target", "y", "--preset", "tutorial"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([*argv, "--verbose", "0", "--output", str(tmp_path / "run")])
    assert code == 0
    out = capsys.readouterr().out
    assert "Refit" not in out
    assert re.search(r"\nhidden +64,32 +preset tutorial +the tutorial preset\n", out)
    assert re.search(r"\nbatch norm +yes +preset tutorial", out)
    record = json.loads((tmp_path / "run" / "history.json").read_text())
    assert record["hyperparameters"]["batch_size"] == 16
    assert record["hyperparameters"]["learning_rate"] == 0.001
    assert len(record["history"]["loss"]) <= 100

    parser = argparse.ArgumentParser()
    train.add_parser(parser.add_subparsers())
    args = parser.parse_args(["train"])
    train.tutorial_defaults(args)
    assert (args.hidden, args.dropout, args.batch_size) == ([64, 32], [0.3, 0.2], 16)
    assert (args.learning_rate, args.weight_decay, args.no_batch_norm) == (
        0.001,
        0.0,
        False,
    )
    assert (args.epochs, args.patience, args.validation_split) == (100, 10, 0.2)


def test_the_budget_search_halves_its_candidates_and_leaves_given_settings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from axon.tabular import budget

    found = budget.search(small_table(), "y", 60, learning_rate=0.003, patience=2)
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[1].split(" x ")[0] for line in out] == [
        " 20 of 20 setting(s)",  # 4 widths x 5 rates: the learning rate was given
        " 6 of 6 setting(s)",  # the best third, three times the epochs
        " 2 of 2 setting(s)",
    ]
    assert "x 10 epochs" in out[0] and "x 30 epochs" in out[1]
    assert "x 90 epochs" in out[2]
    assert sorted(found) == ["dropout", "hidden"]
    assert {c.source for c in found.values()} == {"search"}
    chosen = choose(150, 4, given={**found, "learning_rate": 0.003})
    assert chosen["hidden"] is found["hidden"]
    assert chosen["learning_rate"].source == "given"


def test_the_budget_search_scores_candidates_on_validation_rows(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from axon.tabular import budget

    splits: list[Any] = []
    monkeypatch.setattr(
        budget,
        "trial",
        lambda *args: splits.append(args[-1]["validation_split"]) or 1.0,
    )
    budget.search(small_table(), "y", 60)  # 96 rows: the defaults hold no split
    assert set(splits) == {0.2}
    budget.search(small_table(), "y", 60, validation_split=0.3)
    assert splits[-1] == 0.3  # a split the user gave stays


def test_the_budget_search_stops_when_its_time_is_spent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from axon.tabular import budget

    found = budget.search(small_table(), "y", 1e-6, epochs=2)
    assert capsys.readouterr().out.startswith("Search, round 1: 1 of 27 setting(s)")
    assert sorted(found) == ["dropout", "hidden", "learning_rate"]
    with pytest.raises(ValueError, match="Received: seconds=0"):
        budget.search(small_table(), "y", 0)


def test_the_cli_budget_shows_its_progress_and_what_it_chose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import axon.cli.train_table

    monkeypatch.setattr(axon.cli.train_table, "headless_pyplot", lambda: None)
    small_table().to_csv(tmp_path / "t.csv", index=False)
    argv = ["train", str(tmp_path / "t.csv"), "--target", "y", "--budget", "1e-6"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main([*argv, "--verbose", "0", "--output", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Search, round 1: 1 of 27 setting(s) x 10 epochs; best ")
    assert re.search(r"\nhidden +\d+  search +best of the --budget search", out)


def test_the_budget_search_on_dask_finds_what_the_serial_search_finds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    distributed = pytest.importorskip("distributed")
    from axon.tabular import budget

    serial = budget.search(small_table(), "y", 60, patience=2, epochs=None)
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None
    ) as client:
        on_dask = budget.search(small_table(), "y", 60, patience=2, client=client)
    assert {k: c.value for k, c in on_dask.items()} == {
        k: c.value for k, c in serial.items()
    }
    rounds = [
        line.rsplit(" after ", 1)[0] for line in capsys.readouterr().out.split("\n")
    ]
    half = len(rounds) // 2
    assert half == 3 and rounds[:half] == rounds[half : 2 * half]  # the same losses


def test_workers_without_a_budget_are_refused_and_no_cluster_is_made_here(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from axon.tabular import budget

    assert main(["train", "wine", "--workers", "2"]) == 2
    assert (
        "--workers and --scheduler run the --budget search" in capsys.readouterr().err
    )
    with budget.cluster() as client:
        assert client is None


def test_the_read_time_is_the_tables_read(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    small_table(rows=400).to_csv(path, index=False)
    model = auto.fit_auto(str(path), "y", epochs=2, seed=0)
    # fit_auto reads the file, fit_table gets it read: the time is fit_auto's
    assert model.timings["read"] > 1e-4


def test_the_batch_size_reason_counts_the_rows_that_train() -> None:
    """A small classification table trains on every row: its reason has no x 0.8."""
    small = choose(rows=150, columns=4)["batch_size"]
    assert small.value == 16 and "150 rows / 10" in small.reason
    larger = choose(rows=3_000, columns=4)["batch_size"]
    assert larger.value == 256 and "3,000 rows x 0.8 / 10" in larger.reason
