"""The tutorial's two programs, as shipped in examples/, reach the tutorial's results."""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import shutil
import statistics
import warnings
from pathlib import Path

import matplotlib
import matplotlib.image
import pytest

import axon

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str, seed: int, workdir: Path | None = None) -> dict[str, object]:
    """Run an example headless; with ``workdir``, a copy of it there (files land there)."""
    matplotlib.use("Agg")
    axon.utils.set_random_seed(seed)
    previous = Path.cwd()
    script = EXAMPLES / name
    if workdir is not None:
        script = Path(shutil.copy(script, workdir))
        os.chdir(workdir)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()) as out:
        warnings.simplefilter("error")  # plt.show() on Agg warns: no example may
        namespace = runpy.run_path(str(script))
    os.chdir(previous)
    namespace["__stdout__"] = out.getvalue()
    import matplotlib.pyplot as plt

    plt.close("all")
    return namespace


def test_numpy_network_program_reaches_what_the_readme_says() -> None:
    # README: over ten seeds, median 1.0000 and nothing below 0.9333.
    accuracies = [
        float(run_example("01_numpy_network.py", seed)["acc"])  # type: ignore[arg-type]
        for seed in range(10)
    ]
    assert statistics.median(accuracies) == 1.0, accuracies
    assert min(accuracies) >= 0.9333 - 1e-4, accuracies


def test_keras_program_reaches_what_the_readme_says(tmp_path: Path) -> None:
    # README: 0.9667 or 1.0000 on every one of ten seeds.
    runs = [run_example("02_keras_iris.py", seed, tmp_path) for seed in range(10)]
    accuracies = [float(run["acc"]) for run in runs]  # type: ignore[arg-type]
    assert min(accuracies) >= 0.9667 - 1e-4, accuracies
    out = str(runs[0]["__stdout__"])
    assert "Total params: 2,755" in out and "Test Accuracy: " in out


def test_keras_program_saves_its_figure_when_there_is_no_display(
    tmp_path: Path,
) -> None:
    out = str(run_example("02_keras_iris.py", 0, tmp_path)["__stdout__"])
    saved = tmp_path / "02_keras_iris_history.png"
    assert f"No display to show the figure on: saved it to {saved}" in out
    assert matplotlib.image.imread(saved).shape[:2] == (400, 1200)  # 12 x 4 in


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_every_example_runs(name: str, tmp_path: Path) -> None:
    run_example(name, 0, tmp_path)


def test_the_figures_example_writes_every_tutorial_figure(tmp_path: Path) -> None:
    run_example("03_tutorial_figures.py", 0, tmp_path)
    written = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert written == [
        "activation_derivatives.png",
        "activations.png",
        "confusion_matrix.png",
        "decision_boundary.png",
        "history.png",
        "loss_curve.png",
    ]


def test_keras_guide_programs_reach_what_they_print(tmp_path: Path) -> None:
    two_inputs = run_example("05_functional_two_inputs.py", 0, tmp_path)
    assert float(two_inputs["acc"]) >= 0.9  # type: ignore[arg-type]
    regression = run_example("06_regression_normalization.py", 0, tmp_path)
    assert regression["results"]["r2_score"] > 0.2  # type: ignore[index]
    assert (tmp_path / "diabetes.keras").exists()


def test_a_killed_run_resumes_bit_identical(tmp_path: Path) -> None:
    out = str(
        run_example("08_schedule_checkpoints_resume.py", 0, tmp_path)["__stdout__"]
    )
    assert "The first run was killed (exit status 1) at epoch 12." in out
    assert "Same final weights as a run never interrupted: True" in out


def test_class_weights_example_finds_the_rare_class(tmp_path: Path) -> None:
    binary = run_example("07_binary_auc_class_weights.py", 0, tmp_path)
    assert binary["results"]["recall"] >= 0.8  # type: ignore[index]
    assert binary["results"]["auc"] >= 0.9  # type: ignore[index]
