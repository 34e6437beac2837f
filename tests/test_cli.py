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
    assert 'Model: "sequential"' in out and "Total params: 2,755" in out
    assert "Epoch 5/5" in out
    assert "Test accuracy: " in out
    assert f"Saved the model to {tmp_path / 'run' / 'model.axon'}" in out
    record = json.loads((tmp_path / "run" / "history.json").read_text())
    assert len(record["history"]["val_loss"]) == 5
    assert record["hyperparameters"]["epochs"] == 5
    model = axon.models.load_model(tmp_path / "run" / "model.axon")
    assert model.count_params() == 2755


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
    assert [type(layer).__name__ for layer in model.layers] == ["Dense"] * 4
    capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "expected a positive number"),
        (["--hidden", "64,x"], "comma-separated integers"),
        (["--dropout", "1.5"], "dropout rates must lie in"),
        (["--learning-rate", "-1"], "expected a positive number"),
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
        (["--learning-rate", "inf"], 2, "learning_rate=inf"),
        (["--patience", "-1"], 2, "patience=-1"),
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
