"""A table run's figures show what they claim, and report.html says what history.json
says."""

from __future__ import annotations

import base64
import html
import json
import re
import warnings
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from axon.cli import main
from axon.tabular import curves, figures, importance, scores
from axon.tabular import report as table_report
from axon.tabular.model import TabularModel

# pytest puts this folder on sys.path (no __init__.py): the tables are shared.
from test_tabular_importance import table, trained


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    plt.close("all")


def legend_texts(ax: Any) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def bar_widths(ax: Any, color: str | None = None) -> list[float]:
    return [
        round(float(p.get_width()), 12)
        for p in ax.patches
        if color is None or matplotlib.colors.to_hex(p.get_facecolor()) == color
    ]


def overlapping(seed: int = 0, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    positive = rng.random(n) < 0.3
    return positive, np.round(rng.random(n) + 0.3 * positive, 2)


def test_roc_draws_the_curve_and_names_its_area() -> None:
    positive, score = overlapping()
    fig = figures.roc(positive, score, title="ROC, test data")
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    fpr, tpr, _ = curves.roc_curve(positive, score)
    np.testing.assert_array_equal(line.get_xdata(), fpr)
    np.testing.assert_array_equal(line.get_ydata(), tpr)
    auc = scores.roc_auc(positive, score)
    assert legend_texts(ax) == [f"model (AUC {auc:.4f})", "chance (AUC 0.5)"]
    assert ax.get_lines()[1].get_xydata().tolist() == [[0, 0], [1, 1]]
    assert ax.get_title() == "ROC, test data"
    assert ax.get_xlabel().startswith("False positive rate")
    assert ax.get_ylabel().startswith("True positive rate")


def test_precision_recall_draws_steps_and_the_share_of_positives() -> None:
    positive, score = overlapping(1)
    fig = figures.precision_recall(positive, score)
    ax = fig.axes[0]
    steps, base = ax.get_lines()
    precision, recall, _ = curves.precision_recall_curve(positive, score)
    np.testing.assert_array_equal(steps.get_xdata(), recall)
    np.testing.assert_array_equal(steps.get_ydata(), precision)
    assert steps.get_drawstyle() == "steps-post"
    share = positive.mean()
    assert base.get_ydata()[0] == pytest.approx(share)
    ap = curves.average_precision(positive, score)
    assert legend_texts(ax) == [
        f"model (AP {ap:.4f})",
        f"every row positive ({share:.4f})",
    ]
    assert ax.get_xlabel().startswith("Recall") and ax.get_ylabel().startswith(
        "Precision"
    )


def test_per_class_bars_are_the_scores_and_say_which_is_which() -> None:
    found = {
        "setosa": {"precision": 1.0, "recall": 0.9, "support": 10},
        "virginica": {"precision": 0.75, "recall": 0.6, "support": 5},
    }
    _, ax = plt.subplots()
    fig = figures.per_class(found, ax=ax)
    assert fig is ax.figure
    assert bar_widths(ax, figures.BLUE) == [1.0, 0.75]  # precision
    assert bar_widths(ax, figures.GREEN) == [0.9, 0.6]  # recall
    assert [t.get_text() for t in ax.texts] == [
        "precision 1.0000",
        "precision 0.7500",
        "recall 0.9000",
        "recall 0.6000",
    ]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["setosa (10 rows)", "virginica (5 rows)"]


def test_predicted_against_actual_samples_big_sets_and_scores_every_row() -> None:
    rng = np.random.default_rng(0)
    actual = rng.normal(100, 20, 6000)
    predicted = actual + rng.normal(0, 5, 6000)
    fig = figures.predicted_vs_actual(actual, predicted, name="price")
    ax = fig.axes[0]
    points = ax.collections[0].get_offsets()
    assert len(points) == figures.SCATTER_POINTS
    fit = scores.regression(actual, predicted)
    assert ax.get_title() == (
        f"Predicted against actual (5,000 of 6,000 rows)\nRMSE {fit['rmse']:.4f}, "
        f"R2 {fit['r2']:.4f}"
    )
    row = int(np.flatnonzero(actual == points[0, 0])[0])
    assert points[0, 1] == predicted[row]  # each point is one row's pair
    diagonal = ax.get_lines()[0]
    np.testing.assert_array_equal(diagonal.get_xdata(), diagonal.get_ydata())
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("actual price", "predicted price")
    small = figures.predicted_vs_actual(actual[:50], predicted[:50]).axes[0]
    assert len(small.collections[0].get_offsets()) == 50


def test_residuals_histogram_counts_every_row() -> None:
    actual = np.array([1.0, 2.0, 3.0, 4.0])
    predicted = np.array([1.5, 2.0, 2.0, 4.5])
    ax = figures.residuals(actual, predicted, bins=3).axes[0]
    assert sum(p.get_height() for p in ax.patches) == 4
    assert legend_texts(ax) == ["no error", "mean 0.0000"]
    assert ax.get_xlabel() == "predicted - actual target"


def test_importance_bars_in_order_noise_in_grey() -> None:
    result = {
        "score": "accuracy",
        "baseline": 0.9,
        "rows": 50,
        "of_rows": 200,
        "repeats": 5,
        "seed": 0,
        "columns": [
            {"column": "signal", "mean": 0.3, "std": 0.05},
            {"column": "colour", "mean": 0.02, "std": 0.03},
            {"column": "noise", "mean": -0.01, "std": 0.02},
        ],
    }
    ax = figures.importance(result).axes[0]
    assert bar_widths(ax, figures.BLUE) == [0.3]
    assert bar_widths(ax, figures.LIGHT_GREY) == [0.02, -0.01]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["signal", "colour", "noise"]
    assert ax.yaxis_inverted()  # the first, most important, on top
    assert "50 of 200 test rows, 5 shuffles each; accuracy as they are: 0.9000" in (
        ax.get_title()
    )
    assert ax.get_xlabel() == "drop in accuracy when the column is shuffled"
    assert legend_texts(ax) == [
        "drop larger than its spread",
        "within its spread of zero: noise",
    ]
    ax = figures.importance(result, top=2).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["signal", "colour"]
    assert ax.get_title().startswith(
        "Which columns matter (permutation importance): the 2 most important of 3\n"
    )


@pytest.fixture(scope="module")
def models() -> dict[str, TabularModel]:
    return {task: trained(task) for task in ("binary", "multi", "regression")}


def drawn(model: TabularModel) -> dict[str, Any]:
    return {name: fig for name, _, fig in table_report.figures(model)}


def test_each_task_gets_its_figures(models: dict[str, TabularModel]) -> None:
    assert list(drawn(models["binary"])) == [
        "history.png",
        "confusion_matrix.png",
        "roc_curve.png",
        "precision_recall.png",
        "permutation_importance.png",
    ]
    assert list(drawn(models["multi"])) == [
        "history.png",
        "confusion_matrix.png",
        "per_class.png",
        "permutation_importance.png",
    ]
    assert list(drawn(models["regression"])) == [
        "history.png",
        "predicted_vs_actual.png",
        "residuals.png",
        "permutation_importance.png",
    ]


def test_the_figures_numbers_are_the_runs(models: dict[str, TabularModel]) -> None:
    binary = models["binary"]
    test = binary.results["test"]
    roc_ax = drawn(binary)["roc_curve.png"].axes[0]
    assert legend_texts(roc_ax)[0] == f"model (AUC {test['roc_auc']:.4f})"
    assert "P(y = yes)" in roc_ax.get_title()
    multi = models["multi"]
    ax = drawn(multi)["per_class.png"].axes[0]
    per_class = multi.results["test"]["per_class"]
    assert bar_widths(ax, figures.BLUE) == [
        round(c["precision"], 12) for c in per_class.values()
    ]
    regression = models["regression"]
    ax = drawn(regression)["predicted_vs_actual.png"].axes[0]
    assert f"R2 {regression.results['test']['r2']:.4f}" in ax.get_title()
    found = importance.of_test_rows(regression)
    ax = drawn(regression)["permutation_importance.png"].axes[0]
    assert sorted(bar_widths(ax), reverse=True) == [
        round(c["mean"], 12) for c in found["columns"]
    ]


def test_figures_that_do_not_apply_are_left_out(
    models: dict[str, TabularModel],
) -> None:
    binary = models["binary"]
    one_class = binary.test_rows[binary.test_rows["y"] == "yes"]
    assert figures.binary_figures(binary, one_class) == []
    assert figures.binary_figures(binary, None) == []
    assert figures.per_class_figure(binary, binary.test_rows) == []
    assert figures.regression_figures(binary, binary.test_rows) == []
    loaded = TabularModel(binary.network, binary.preprocessing, binary.target)
    assert figures.importance_figure(loaded, None) == []
    assert figures.per_class_figure(models["multi"], None) != []


def cells(page: str, heading: str) -> list[list[str]]:
    """The body cells of the table under ``<h2>heading</h2>``."""
    start = page.index(f"<h2>{html.escape(heading)}</h2>")
    body = page[start:].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


@pytest.mark.parametrize("task", ["binary", "multi", "regression"])
def test_the_reports_numbers_are_history_jsons(tmp_path: Path, task: str) -> None:
    table(task).to_csv(tmp_path / "rows.csv", index=False)
    run = tmp_path / "run"
    argv = ["train", str(tmp_path / "rows.csv"), "--target", "y", "--epochs", "5"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main([*argv, "--verbose", "0", "--output", str(run)]) == 0
    record = json.loads((run / "history.json").read_text())
    page = (run / "report.html").read_text()
    results = record["results"]
    names = {v: k for k, v in table_report.SCORE_NAMES.items()}
    head = re.findall(r"<th[^>]*>(.*?)</th>", page.split("<tbody>", 1)[0])[1:]
    for row in cells(page, "Results"):
        split, values = row[0], row[1:]
        for name, text in zip(head, values, strict=True):
            assert text == f"{results[split][names[html.unescape(name)]]:.4f}"
    found = record["importance"]
    heading = "Which columns matter: permutation importance on the test rows"
    assert cells(page, heading) == [
        [
            c["column"],
            *(f"{c[k]:.4f}".replace("-0.0000", "0.0000") for k in ["mean", "std"]),
        ]
        for c in found["columns"]
    ]
    if task != "regression":
        per_class = record["test"]["per_class"]
        assert cells(page, "Test scores per class") == [
            [label, *(f"{c[k]:.4f}" for k in ("precision", "recall", "f1")), str(n)]
            for label, c in per_class.items()
            for n in [c["support"]]
        ]
    pngs = sorted(p.name for p in run.glob("*.png"))
    assert "permutation_importance.png" in pngs
    for name in pngs:  # every figure is in the page, byte for byte
        assert base64.b64encode((run / name).read_bytes()).decode() in page
    assert len(re.findall(r"<img ", page)) == len(pngs)
    frame = pd.read_csv(tmp_path / "rows.csv")
    assert found["of_rows"] == record["rows"]["test"] == round(len(frame) * 0.2)
