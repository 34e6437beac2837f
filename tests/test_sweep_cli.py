"""``axon sweep NAME=VALUES ...``: a search on any table, its files and its report."""

from __future__ import annotations

import base64
import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import axon.tabular
from axon.cli import main


@pytest.fixture
def table(tmp_path: Path) -> Path:
    """A CSV with a text target, a category column and a gap, as axon train takes."""
    rng = np.random.default_rng(0)
    n = 160
    x = rng.normal(size=(n, 3))
    frame = pd.DataFrame(
        {
            "a": x[:, 0],
            "b": x[:, 1],
            "colour": rng.choice(["red", "green", "blue"], size=n),
            "c": x[:, 2],
        }
    )
    frame.loc[3, "c"] = np.nan
    frame["kind"] = np.where(x[:, 0] + 0.5 * x[:, 1] > 0, "yes", "no")
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    return path


def sweep(*args: str) -> int:
    return main(["sweep", *args])


def test_a_grid_on_a_table_writes_results_report_and_the_best_model(
    table: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code = sweep(
        "learning_rate=1e-3,3e-2",
        "hidden_units=4,16",
        "--repeats", "2",
        "--data", str(table),
        "--target", "kind",
        "--epochs", "6",
        "--output", str(out),
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "4 point(s) x 2 seed(s) = 8 trial(s)" in printed
    assert len(re.findall(r"^\[\d/8\] ", printed, flags=re.M)) == 8
    assert "best " in printed.splitlines()[-12]  # the progress shows the best so far
    record = json.loads((out / "sweep.json").read_text())
    assert record["finished"] == record["total"] == 8 and not record["interrupted"]
    assert (
        record["data"]["target"] == "kind"
        and record["data"]["task"] == "classification"
    )
    assert [t["index"] for t in record["trials"]] == list(range(8))
    means = [p["score_mean"] for p in record["points"]]
    assert means == sorted(means) and len(means) == 4
    for point in record["points"]:
        own = [t["score"] for t in record["trials"] if t["params"] == point["params"]]
        assert point["score_mean"] == pytest.approx(np.mean(own))
        assert point["score_std"] == pytest.approx(np.std(own, ddof=1))
    rows = list(csv.DictReader((out / "sweep.csv").read_text().splitlines()))
    assert len(rows) == 8 and {r["status"] for r in rows} == {"ok"}
    assert float(rows[0]["val_score"]) == pytest.approx(record["trials"][0]["score"])
    # The best point, trained last, is the best trial of seed 0 trained again.
    best = record["points"][0]["params"]
    (trial,) = [t for t in record["trials"] if t["params"] == best and t["seed"] == 0]
    history = json.loads((out / "history.json").read_text())
    assert history["params"] == best
    assert history["history"]["val_loss"] == trial["history"]["val_loss"]
    model = axon.tabular.load(out / "model.axon")
    predictions = model.predict(pd.read_csv(table).drop(columns="kind"))
    assert set(predictions["prediction"]) <= {"yes", "no"}
    # The report: the table in score order, a heatmap and the validation curves.
    page = (out / "report.html").read_text()
    cells = re.findall(r"<tr><td>1</td><td>([^<]*)</td><td>([^<]*)</td>", page)
    assert cells == [(f"{best['learning_rate']:g}", f"{best['hidden_units']:g}")]
    assert "learning_rate against hidden_units" in page
    assert "Validation curves" in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)


def test_random_points_from_ranges(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code = sweep(
        "learning_rate=1e-4:1e-1:log",
        "hidden_units=4:32",
        "dropout=0,0.2",
        "--random", "3",
        "--data", "wine",
        "--epochs", "2",
        "--output", str(out),
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    record = json.loads((out / "sweep.json").read_text())
    assert record["search"] == "random (3 points)"
    assert record["space"]["learning_rate"] == "0.0001:0.1:log"
    points = [t["params"] for t in record["trials"]]
    assert len(points) == 3
    for point in points:
        assert 1e-4 <= point["learning_rate"] <= 1e-1
        assert 4 <= point["hidden_units"] <= 32 and point["dropout"] in (0, 0.2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["momentum=0.9"], "Expected a hyperparameter from the table"),
        (["learning_rate=0.1,,1"], "Received: '0.1,,1'"),
        (["learning_rate=1e-5:1e-1:log"], "needs random sampling (--random N)"),
        (["learning_rate=0.1", "learning_rate=0.2"], "learning_rate is given twice"),
        (["learning_rate=0.1", "--values", "0.1"], "--values belongs to the one-"),
        (["learnin_rate"], "did you mean 'learning_rate'"),
        (["learning_rate=0.1", "--scheduler", "localhost"], "tcp://HOST:PORT"),
        (["learning_rate=0.1", "--data", "nope.csv"], "nope.csv"),
        (["learning_rate=0.1", "--data", "wine", "--target", "kind"], "'kind'"),
        (["learning_rate", "--random", "3"], "belong to the search form"),
        (["dropout", "--data", "wine"], "belong to the search form"),
    ],
)
def test_bad_input_gets_one_line_before_any_trial(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sweep(*args, "--output", str(tmp_path / "run")) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("axon sweep: error: ") and message in line
    assert "[1/" not in captured.out
    assert not (tmp_path / "run" / "sweep.json").exists()


def test_ctrl_c_keeps_the_finished_trials_and_skips_the_best_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from axon.cli import sweep as command

    advance = command.Progress.advance
    out = tmp_path / "run"
    written: list[int] = []

    def interrupt_after_two(self: command.Progress, *args: object) -> None:
        advance(self, *args)  # type: ignore[arg-type]
        # The results on disk already hold every trial that has finished.
        written.append(json.loads((out / "sweep.json").read_text())["finished"])
        if self.count == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(command.Progress, "advance", interrupt_after_two)
    code = sweep("dropout=0,0.1,0.2,0.3", "--epochs", "2", "--output", str(out))
    assert code == 130 and written == [1, 2]
    assert "kept the 2 finished trial(s)" in capsys.readouterr().out
    record = json.loads((out / "sweep.json").read_text())
    assert record["interrupted"] and record["finished"] == 2 and record["total"] == 4
    assert "2 of 4 trial(s) finished (interrupted)" in (out / "report.html").read_text()
    assert not (out / "model.axon").exists()


def test_on_a_terminal_a_bar_counts_trials_and_shows_the_best(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from axon import sweep as sweeps
    from axon.cli.sweep import Progress

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    trials = [
        sweeps.Trial({"dropout": 0.1}, 0, {"val_loss": [0.5, 0.4]}, {}, 0.1),
        sweeps.Trial({"dropout": 0.2}, 0, {}, {}, 0.1, error="ValueError: no\nat x"),
    ]
    with Progress(3) as progress:
        assert progress.bar is not None
        progress.advance(trials[0], sweeps.summarise(trials[:1]))
        progress.advance(trials[1], sweeps.summarise(trials))
        (task,) = progress.bar.tasks
        assert task.completed == 2 and task.total == 3
        assert task.fields["best"] == "best 0.4000: dropout=0.1"
    out = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", capsys.readouterr().out)
    assert "[2/3] dropout=0.2, seed 0: failed (ValueError: no)" in out


def test_ctrl_c_while_loading_the_data_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import axon.sweep.data

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(axon.sweep.data, "load", interrupted)
    assert sweep("dropout=0.1", "--output", str(tmp_path / "run")) == 130
    assert capsys.readouterr().err == "axon sweep: interrupted\n"
