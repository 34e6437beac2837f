"""The tutorial's two programs, as shipped in examples/, reach the tutorial's results."""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import statistics
import warnings
from pathlib import Path

import matplotlib
import pytest

import axon

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str, seed: int, workdir: Path | None = None) -> dict[str, object]:
    matplotlib.use("Agg")
    axon.utils.set_random_seed(seed)
    previous = Path.cwd()
    if workdir is not None:
        os.chdir(workdir)  # examples that write files write them there
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()) as out:
        warnings.filterwarnings(
            "ignore", message=".*non-interactive.*"
        )  # plt.show() on Agg
        namespace = runpy.run_path(str(EXAMPLES / name))
    os.chdir(previous)
    namespace["__stdout__"] = out.getvalue()
    import matplotlib.pyplot as plt

    plt.close("all")
    return namespace


def test_numpy_network_program_reaches_0_9667() -> None:
    accuracies = [
        float(run_example("01_numpy_network.py", seed)["acc"]) for seed in range(5)
    ]  # type: ignore[arg-type]
    assert statistics.median(accuracies) >= 0.9667 - 1e-9, accuracies


def test_keras_program_runs_with_only_the_import_changed() -> None:
    runs = [run_example("02_keras_iris.py", seed) for seed in range(5)]
    accuracies = [float(run["acc"]) for run in runs]  # type: ignore[arg-type]
    assert statistics.median(accuracies) >= 0.9333 - 1e-9, accuracies
    out = str(runs[0]["__stdout__"])
    assert "Total params: 2,755" in out and "Test Accuracy: " in out


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
