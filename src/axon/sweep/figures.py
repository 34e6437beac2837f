"""What a sweep looks like: validation curves, a heatmap of two hyperparameters.

:func:`plot` is the one-hyperparameter figure (curves beside the test accuracy, with
the table's words); :func:`curves` and :func:`heat` draw any sweep's summaries
(:func:`axon.sweep.summarise`) for its report. matplotlib is imported on use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from axon.sweep.runner import PointSummary
from axon.sweep.space import TABLE, label
from axon.sweep.trial import Trial


def plot(trials: Sequence[Trial]) -> Any:
    """Validation loss per epoch for each value, and test accuracy against the value."""
    from axon.plot import COLORS, pyplot

    if not trials:
        raise ValueError("Expected at least one trial to plot. Received: none")
    name = trials[0].name
    too_small, too_large, good, _ = TABLE[name]
    fig, (curves, summary) = pyplot().subplots(1, 2, figsize=(13, 4.5))
    for i, trial in enumerate(trials):
        color = COLORS[i % len(COLORS)]
        losses = trial.history.get("val_loss") or trial.history.get("loss", [])
        finite = np.where(np.isfinite(losses), losses, np.nan)
        epochs = np.arange(1, len(finite) + 1)
        curves.plot(epochs, finite, color=color, label=f"{trial.value:g}")
    curves.set_yscale("log")
    curves.set_xlabel("Epoch")
    curves.set_ylabel("Validation loss")
    curves.set_title(f"{name}: validation loss per epoch")
    curves.legend(title=name)
    curves.grid(True, alpha=0.3)
    values = [t.value for t in trials]
    accuracy = [t.test.get("accuracy", np.nan) for t in trials]
    summary.plot(values, accuracy, marker="o", color=COLORS[0])
    if name == "learning_rate":
        summary.set_xscale("log")
    summary.set_xlabel(name)
    summary.set_ylabel("Test accuracy")
    summary.set_title(f"Too small: {too_small}. Too large: {too_large}. Start: {good}")
    summary.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def _mean_curve(point: PointSummary, key: str) -> Any:
    """The seeds' mean of one logged curve (non-finite epochs left out)."""
    runs = [t.history[key] for t in point.trials if t.history.get(key)]
    if not runs:
        return np.empty(0)
    length = min(len(r) for r in runs)
    stacked = np.array([r[:length] for r in runs], dtype=np.float64)
    finite = np.isfinite(stacked)
    counts = finite.sum(axis=0)
    sums = np.where(finite, stacked, 0.0).sum(axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def curves(points: Sequence[PointSummary], best: int = 8) -> Any:
    """Validation loss per epoch (mean over seeds) of the ``best`` best points."""
    from axon.plot import pyplot

    shown = [p for p in points if p.scores][:best]
    if not shown:
        raise ValueError("Expected at least one finished trial to plot. Received: none")
    fig, ax = pyplot().subplots(figsize=(9, 4.8))
    colors = pyplot().get_cmap("viridis")(np.linspace(0, 0.9, len(shown)))
    for rank, (point, color) in enumerate(zip(shown, colors, strict=True), start=1):
        key = "val_loss" if point.trials[0].history.get("val_loss") else "loss"
        curve = _mean_curve(point, key)
        name = f"{rank}. {label(point.params)}"
        ax.plot(np.arange(1, len(curve) + 1), curve, color=color, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Validation loss (mean over seeds)")
    ax.set_title(f"Validation curves of the {len(shown)} best point(s)")
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def heat(points: Sequence[PointSummary], names: tuple[str, str]) -> Any:
    """Mean validation loss over two hyperparameters (the best over any others).

    When either takes many values (a random search), the points are drawn where
    they lie instead, coloured by their score.
    """
    from axon.plot import heatmap, pyplot

    rows_name, columns_name = names
    scored = [p for p in points if p.scores]
    if not scored:
        raise ValueError("Expected at least one finished trial to plot. Received: none")
    row_values = sorted({p.params[rows_name] for p in scored})
    column_values = sorted({p.params[columns_name] for p in scored})
    title = f"Validation loss by {rows_name} and {columns_name}"
    if len(row_values) > 12 or len(column_values) > 12:
        fig, ax = pyplot().subplots(figsize=(7.5, 5.5))
        dots = ax.scatter(
            [p.params[columns_name] for p in scored],
            [p.params[rows_name] for p in scored],
            c=[p.mean for p in scored],
            cmap="viridis_r",
        )
        fig.colorbar(dots, ax=ax, label="mean validation loss (lower is better)")
        if columns_name == "learning_rate":
            ax.set_xscale("log")
        if rows_name == "learning_rate":
            ax.set_yscale("log")
        ax.set_xlabel(columns_name)
        ax.set_ylabel(rows_name)
        ax.set_title(title)
        fig.tight_layout()
        return fig
    grid = np.full((len(row_values), len(column_values)), math.nan)
    for p in scored:
        i = row_values.index(p.params[rows_name])
        j = column_values.index(p.params[columns_name])
        grid[i, j] = np.nanmin([grid[i, j], p.mean])
    return heatmap(
        grid,
        [f"{v:g}" for v in row_values],
        [f"{v:g}" for v in column_values],
        title=title,
        xlabel=columns_name,
        ylabel=rows_name,
        label="mean validation loss (lower is better)",
        reverse=True,
    )
