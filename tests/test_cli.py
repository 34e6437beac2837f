from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import axon
from axon.cli import main


def test_axon_train_prints_summary_progress_accuracy_and_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--epochs", "5", "--output", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert 'Model: "sequential"' in out and "normalization (Normalization)" in out
    assert "Epoch 5/5" in out
    assert "Test accuracy: " in out
    assert f"Saved the model to {tmp_path / 'run' / 'model.axon'}" in out
    record = json.loads((tmp_path / "run" / "history.json").read_text())
    assert len(record["history"]["val_loss"]) == 5
    assert record["hyperparameters"]["epochs"] == 5


def test_the_saved_model_predicts_raw_measurements_and_knows_the_classes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--verbose", "0", "--output", str(tmp_path)]) == 0
    capsys.readouterr()
    model = axon.models.load_model(tmp_path / "model.axon")
    names = model.metadata["class_names"]
    assert names == ["setosa", "versicolor", "virginica"]
    # Textbook rows of each species, in centimetres, as a user would type them.
    rows = [[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.3, 3.3, 6.0, 2.5]]
    predicted = [names[i] for i in model.predict(rows, verbose=0).argmax(axis=1)]
    assert predicted == ["setosa", "versicolor", "virginica"]
    assert len(model.metadata["feature_names"]) == 4


def test_options_change_the_architecture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "train",
        "--epochs",
        "2",
        "--hidden",
        "8,8,8",
        "--dropout",
        "0",
        "--no-batch-norm",
    ]
    assert (
        main(
            [*args, "--learning-rate", "0.01", "--seed", "3", "--output", str(tmp_path)]
        )
        == 0
    )
    model = axon.models.load_model(tmp_path / "model.axon")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Normalization"] + ["Dense"] * 4
    capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "expected a positive integer, got '0'"),
        (["--epochs", "1.5"], "expected a positive integer, got '1.5'"),
        (["--hidden", "64,x"], "comma-separated integers"),
        (["--hidden", "64,,32"], "with no empty item, got '64,,32'"),
        (["--hidden", "2.7"], "comma-separated integers such as 64,32, got '2.7'"),
        (["--dropout", "1.5"], "dropout rates must lie in"),
        (["--learning-rate", "-1"], "expected a positive number, got '-1'"),
        (["--learning-rate", "inf"], "expected a positive number, got 'inf'"),
        (["--seed", "1.5"], "expected an integer, got '1.5'"),
        (["--validation-split", "1"], "expected a number in [0, 1), got '1'"),
    ],
)
def test_bad_options_are_explained(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_python_dash_m_axon_runs(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "axon",
            "train",
            "--epochs",
            "2",
            "--verbose",
            "0",
            "--output",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Test accuracy:" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--patience", "-1"], 2, "patience=-1"),
        (["--hidden", "64,32", "--dropout", "0.3,0.2,0.1,0.1"], 2, "4 rates"),
        (["--validation-split", "0.999"], 2, "leaves 0 training"),
        (["--output", "/proc/axon-cannot-write-here"], 1, "cannot write the run"),
    ],
)
def test_errors_are_one_line_not_a_traceback(
    args: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--epochs", "1", "--verbose", "0", *args]) == code
    err = capsys.readouterr().err
    assert (
        message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    )


def test_without_validation_early_stopping_watches_the_training_loss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["train", "--epochs", "3", "--verbose", "0", "--validation-split", "0"]
    assert main([*args, "--output", str(tmp_path)]) == 0
    assert "(lowest loss)" in capsys.readouterr().out


def test_dropout_rates_must_match_the_hidden_layers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["train", "--hidden", "64,32", "--dropout", "0.3,0.2,0.1,0.1"]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert (
        "--dropout has 4 rates (0.3,0.2,0.1,0.1) for 2 hidden layers (64,32)"
        in captured.err
    )
    assert "Epoch" not in captured.out  # refused before training


def test_an_output_that_is_a_file_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "notes.txt"
    existing.write_text("mine")
    assert main(["train", "--output", str(existing)]) == 2
    captured = capsys.readouterr()
    assert (
        f"--output must name a folder; {existing} is an existing file" in captured.err
    )
    assert "Epoch" not in captured.out and existing.read_text() == "mine"


def test_a_folder_holding_a_run_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["train", "--epochs", "1", "--verbose", "0", "--output", str(tmp_path)]
    assert main(args) == 0
    before = (tmp_path / "history.json").read_bytes()
    capsys.readouterr()
    assert main(args) == 2
    assert "already holds a run (model.axon, history.json, report.html)" in (
        capsys.readouterr().err
    )
    assert (tmp_path / "history.json").read_bytes() == before


def test_default_run_folders_are_numbered_not_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from axon.cli.runs import run_folder

    monkeypatch.chdir(tmp_path)
    first = run_folder(None, "iris")
    first.mkdir(parents=True)
    second = run_folder(None, "iris")
    assert second != first and second.name.startswith(first.name)


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"axon {axon.__version__}"
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "0 quiet, 1 a live progress bar" in help_text


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("hidden_units", "8,2.7", "a positive integer for hidden_units. Received: 2.7"),
        ("batch_size", "16,0.5", "a positive integer for batch_size. Received: 0.5"),
        ("dropout", "0.2,1", "a number in [0, 1) for dropout. Received: 1.0"),
    ],
)
def test_sweep_refuses_values_it_would_have_to_round(
    name: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", name, "--values", value]) == 2
    captured = capsys.readouterr()
    assert f"Expected {message}" in captured.err
    assert "|" not in captured.out  # refused before the first run


@pytest.mark.parametrize(
    ("extension", "magic"), [("pdf", b"%PDF"), ("svg", b"<?xml"), ("png", b"\x89PNG")]
)
def test_plot_writes_the_format_its_extension_names(
    tmp_path: Path, extension: str, magic: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"a.{extension}"
    assert main(["plot", "activations", "--output", str(path)]) == 0
    assert path.read_bytes().startswith(magic)
    capsys.readouterr()


def test_plot_refuses_an_unknown_extension_before_drawing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from axon import plot

    def fail(*args: object) -> None:
        raise AssertionError("drew a figure it could not write")

    monkeypatch.setattr(plot, "activations", fail)
    assert main(["plot", "activations", "--output", str(tmp_path / "a.txt")]) == 2
    err = capsys.readouterr().err
    assert "the extension must name a format, one of" in err and ".pdf" in err
    assert not (tmp_path / "a.txt").exists()
