from __future__ import annotations

import json
import math
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import axon
import axon.diagnostics
from axon import sweep
from axon.cli import main


def data() -> tuple[Any, Any, Any, Any]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4))
    y = axon.utils.to_categorical((x[:, 0] > 0).astype(int) + (x[:, 1] > 1), 3)
    return x[:96], x[96:], y[:96], y[96:]


def build(settings: sweep.Settings) -> axon.Sequential:
    model = axon.Sequential([axon.layers.Input((4,))])
    for units in settings.hidden():
        model.add(axon.layers.Dense(units, activation="relu"))
        model.add(axon.layers.Dropout(settings.dropout))
    model.add(axon.layers.Dense(3, activation="softmax"))
    model.compile(
        optimizer=axon.optimizers.Adam(settings.learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def test_values_that_would_be_rounded_are_refused_before_any_run() -> None:
    def never(settings: sweep.Settings) -> None:
        raise AssertionError("a run started")

    for name, value in [("hidden_units", 2.7), ("batch_size", 0.5), ("layers", 0)]:
        with pytest.raises(ValueError, match=f"positive integer for {name}. Received"):
            sweep.run(name, [8, value], data(), never)
    with pytest.raises(ValueError, match=r"Received: -0\.1"):
        sweep.run("learning_rate", [0.01, -0.1], data(), never)


def test_settings_change_one_value_and_derive_the_layers() -> None:
    settings = sweep.Settings().with_value("layers", 3.0)
    assert settings.layers == 3 and isinstance(settings.layers, int)
    assert settings.hidden() == [64, 32, 16]
    assert sweep.Settings().with_value("hidden_units", 2).hidden() == [2, 2]
    with pytest.raises(ValueError, match="Expected a hyperparameter from the table"):
        sweep.Settings().with_value("momentum", 0.9)


def test_run_trains_one_model_per_value_from_the_same_seed() -> None:
    seen: list[float] = []
    started = time.perf_counter()
    trials = sweep.run(
        "learning_rate",
        [1e-3, 3.0],
        data(),
        build,
        epochs=20,
        report=lambda t: seen.append(t.value),
    )
    elapsed = time.perf_counter() - started
    assert [t.value for t in trials] == seen == [1e-3, 3.0]
    assert trials[0].seconds > 0 and sum(t.seconds for t in trials) <= elapsed
    x_train, x_test, y_train, y_test = data()
    for trial in trials:
        assert len(trial.history["val_loss"]) == 20
        # The test numbers and findings are the run's own: the same run by hand
        # gives them.
        axon.utils.clear_session()  # as every trial does, so layer names agree
        axon.utils.set_random_seed(0)
        model = build(sweep.Settings().with_value("learning_rate", trial.value))
        monitor = axon.diagnostics.TrainingMonitor()
        history = model.fit(
            x_train,
            y_train,
            epochs=20,
            batch_size=16,
            validation_split=0.2,
            callbacks=[monitor],
            verbose=0,
        )
        assert model.evaluate(x_test, y_test, verbose=0, return_dict=True) == trial.test
        diagnosis = [str(f) for f in axon.diagnostics.diagnose(history, monitor)]
        assert trial.findings == diagnosis
    assert trials[1].findings[0].startswith("Learning rate too large: ")
    assert not any(f.startswith("Learning rate") for f in trials[0].findings)
    again = sweep.run("learning_rate", [1e-3], data(), build, epochs=20)
    assert again[0].history == trials[0].history  # same seed, same run


def test_default_values_go_from_too_small_to_too_large() -> None:
    trials = sweep.run("dropout", None, data(), build, epochs=1)
    assert [t.value for t in trials] == list(sweep.TABLE["dropout"][3])


def test_plot_shows_a_curve_per_value_and_the_tables_words() -> None:
    trials = sweep.run("learning_rate", [1e-3, 1e-1], data(), build, epochs=4)
    fig = sweep.plot(trials)
    curves, summary = fig.axes
    assert [t.get_text() for t in curves.get_legend().get_texts()] == ["0.001", "0.1"]
    assert len(curves.get_lines()) == 2
    assert (
        summary.get_title()
        == "Too small: slow convergence. Too large: diverges / oscillates. Start: 0.001 (Adam)"
    )
    assert summary.get_xscale() == "log"
    np.testing.assert_allclose(
        summary.get_lines()[0].get_ydata(), [t.test["accuracy"] for t in trials]
    )
    plt.close(fig)


def test_axon_sweep_prints_a_row_per_value_and_writes_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "sweep",
                "dropout",
                "--values",
                "0,0.5",
                "--epochs",
                "3",
                "--output",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "too small gives no regularisation, too large underfitting" in out
    rows = [
        line for line in out.splitlines() if line.strip().startswith(("0 |", "0.5 |"))
    ]
    assert len(rows) == 2
    record = json.loads((tmp_path / "sweep.json").read_text())
    assert [r["value"] for r in record] == [0.0, 0.5]
    assert (tmp_path / "sweep.png").stat().st_size > 10_000
    plt.close("all")


def test_a_grid_with_repeats_runs_each_point_from_the_same_seeds() -> None:
    trials = sweep.run(
        {"learning_rate": [1e-3, 1e-2], "hidden_units": [4, 8]},
        data=data(),
        build=build,
        epochs=3,
        seed=5,
        repeats=2,
    )
    assert len(trials) == trials.total == 8 and not trials.interrupted
    assert [t.index for t in trials] == list(range(8))
    assert [t.seed for t in trials] == [5, 6] * 4
    assert trials[2].params == {"learning_rate": 1e-3, "hidden_units": 8}
    points = sweep.summarise(trials)
    assert [p.mean for p in points] == sorted(p.mean for p in points)
    best = points[0]
    scores = [min(t.history["val_loss"]) for t in best.trials]
    assert best.mean == pytest.approx(np.mean(scores))
    assert best.spread == pytest.approx(np.std(scores, ddof=1))
    accuracy = [t.test["accuracy"] for t in best.trials]
    assert best.test()["accuracy"] == pytest.approx(
        (np.mean(accuracy), np.std(accuracy, ddof=1))
    )


def test_a_trial_that_crashes_is_recorded_and_the_sweep_goes_on() -> None:
    def fragile(settings: sweep.Settings) -> axon.Sequential:
        if settings.hidden_units == 8:
            raise RuntimeError("out of luck at 8 units")
        return build(settings)

    trials = sweep.run("hidden_units", [4, 8, 16], data(), fragile, epochs=2)
    assert [t.value for t in trials] == [4, 8, 16]
    failed = trials[1]
    assert failed.error is not None
    assert failed.error.startswith("RuntimeError: out of luck at 8 units")
    assert "fragile" in failed.error  # where it happened
    assert failed.history == {} and math.isnan(failed.score)
    assert trials[0].error is None and trials[2].error is None
    assert failed.to_json()["score"] is None
    (point,) = [p for p in sweep.summarise(trials) if p.params == {"hidden_units": 8}]
    assert point.failed == 1 and math.isnan(point.mean)
    assert sweep.summarise(trials)[-1].params == point.params  # failed: last


def test_ctrl_c_keeps_what_finished_and_cancels_the_rest() -> None:
    def interrupt(trial: sweep.Trial) -> None:
        if trial.index == 1:
            raise KeyboardInterrupt

    trials = sweep.run("dropout", [0.0, 0.2, 0.5], data(), build, 2, report=interrupt)
    assert trials.interrupted and [t.value for t in trials] == [0.0, 0.2]


def test_ctrl_c_during_training_stops_the_running_trial_and_drops_it() -> None:
    # A real SIGINT while the second trial trains: fit alone would end early and
    # return a shorter history, which would be recorded as if complete.
    started = []

    def later(trial: sweep.Trial) -> None:
        started.append(time.perf_counter())
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()

    trials = sweep.run("dropout", [0.0, 0.2, 0.5], data(), build, 400, report=later)
    assert trials.interrupted and [t.value for t in trials] == [0.0]
    assert len(trials[0].history["loss"]) == 400


def test_run_checks_its_arguments_before_the_first_trial() -> None:
    with pytest.raises(ValueError, match="Received: repeats=0"):
        sweep.run("dropout", [0.1], data(), build, repeats=0)
    with pytest.raises(ValueError, match="Received: epochs=0"):
        sweep.run("dropout", [0.1], data(), build, epochs=0)
    with pytest.raises(TypeError, match="Expected build"):
        sweep.run("dropout", [0.1], data())
    with pytest.raises(TypeError, match=r"Expected data as \(x_train.*Received: dict"):
        sweep.run("dropout", [0.1], {"x": 1}, build)
    with pytest.raises(ValueError, match="Expected at least one point"):
        sweep.run([], data=data(), build=build)
    with pytest.raises(ValueError, match=r"for layers\. Received: 0"):
        sweep.run([{"layers": 0}], data=data(), build=build)


def test_a_dataset_with_validation_rows_validates_on_them() -> None:
    x_train, x_test, y_train, y_test = data()
    rows = sweep.Dataset(
        x_train[:80], y_train[:80], x_test, y_test, x_train[80:], y_train[80:]
    )
    (trial,) = sweep.run("layers", [1], rows, build, epochs=3)
    axon.utils.set_random_seed(0)
    model = build(sweep.Settings().with_value("layers", 1))
    history = model.fit(
        x_train[:80],
        y_train[:80],
        epochs=3,
        batch_size=16,
        validation_data=(x_train[80:], y_train[80:]),
        verbose=0,
    )
    assert trial.history == history.history


def fake(point: dict[str, float], seed: int, losses: list[float]) -> sweep.Trial:
    return sweep.Trial(point, seed, {"val_loss": losses, "loss": losses}, {}, 0.1)


def test_heat_draws_a_grid_of_means_or_the_points_of_a_random_search() -> None:
    from axon.sweep.figures import curves, heat

    trials = [
        fake({"learning_rate": lr, "layers": n}, s, [1.0, lr * n + s])
        for lr in (0.1, 0.01)
        for n in (1, 2)
        for s in (0, 1)
    ]
    fig = heat(sweep.summarise(trials), ("learning_rate", "layers"))
    grid = fig.axes[0].images[0].get_array()
    # Each cell: the mean over seeds of min(1, lr * n + seed); rows 0.01 then 0.1.
    np.testing.assert_allclose(grid, [[0.505, 0.51], [0.55, 0.6]])
    plt.close(fig)
    many = [
        fake({"learning_rate": 10.0**-k, "layers": 1}, 0, [k]) for k in range(1, 15)
    ]
    fig = heat(sweep.summarise(many), ("learning_rate", "layers"))
    (dots,) = fig.axes[0].collections
    assert len(dots.get_offsets()) == 14 and fig.axes[0].get_yscale() == "log"
    plt.close(fig)
    fig = curves(sweep.summarise(many), best=3)
    assert len(fig.axes[0].get_lines()) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="Expected values of shape"):
        axon.plot.heatmap([[1.0, 2.0]], ["a", "b"], ["x"])
