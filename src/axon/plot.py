"""Figures people would rather look at than read: activations, training, predictions.

Every function returns its matplotlib ``Figure`` (those that draw one panel also take
``ax=``), never calls ``plt.show()``, and works headless. matplotlib is imported on
first use; without it, a message says what to install.

Examples
--------
>>> import axon
>>> fig = axon.plot.activations()
>>> [ax.get_title() for ax in fig.axes]
['Sigmoid', 'Tanh', 'ReLU', 'Leaky ReLU']
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from axon import activations as activation_functions
from axon.callbacks import History
from axon.config import Array

__all__ = [
    "activation_derivatives",
    "activations",
    "confusion_matrix",
    "decision_boundary",
    "heatmap",
    "history",
    "inside_network",
    "loss_curve",
]

# The tutorial's palette: blue, green, amber, red, then more.
COLORS = ["#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6"]
TRAIN_COLOR, VAL_COLOR = "#3b82f6", "#ef4444"
TITLES = {
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "softmax": "Softmax",
    "linear": "Linear",
}
TUTORIAL_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
VANISHING = 0.05  # |f'(z)| below this passes on less than 5% of the gradient


def pyplot() -> Any:
    """Import ``matplotlib.pyplot``, or explain how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "axon.plot needs matplotlib: pip install 'axon[plot]' (or pip install matplotlib)"
        ) from None
    return plt


def _title(name: str) -> str:
    return TITLES.get(name, name.replace("_", " ").title())


def _panels(
    count: int, width: float = 4.0, height: float = 3.0
) -> tuple[Any, list[Any]]:
    fig, axes = pyplot().subplots(
        1, count, figsize=(width * count, height), squeeze=False
    )
    return fig, list(axes[0])


def _style(ax: Any) -> None:
    ax.axhline(0, color="gray", linewidth=0.5, linestyle="--")
    ax.axvline(0, color="gray", linewidth=0.5, linestyle="--")
    ax.grid(True, alpha=0.3)


def _softmax_logits(z: Array) -> Array:
    """Softmax is a function of a vector: show it for the logits (z, 0, 1)."""
    return np.stack([z, np.zeros_like(z), np.ones_like(z)], axis=1)


def activations(
    names: Sequence[str] | None = None, z_range: tuple[float, float] = (-5.0, 5.0)
) -> Any:
    """The tutorial's figure: each activation ``f(z)`` on its own panel.

    Parameters
    ----------
    names : list of str, optional
        Registered activation names; the tutorial's four by default. ``"softmax"``
        is drawn as the three probabilities of the logits ``(z, 0, 1)``, which always
        sum to one.
    z_range : (float, float)
        The range of ``z`` on the horizontal axis.
    """
    names = list(names or TUTORIAL_ACTIVATIONS)
    z = np.linspace(*z_range, 300)
    fig, axes = _panels(len(names))
    for ax, name, color in zip(axes, names, itertools.cycle(COLORS)):
        activation = activation_functions.get(name)
        if name == "softmax":
            p = activation.forward(_softmax_logits(z))
            for k, label in enumerate(("p(z)", "p(0)", "p(1)")):
                ax.plot(z, p[:, k], color=COLORS[k], linewidth=2.5, label=label)
            ax.legend(fontsize=8)
            ax.set_title("Softmax of (z, 0, 1)", fontsize=12, fontweight="bold")
        else:
            ax.plot(z, activation.forward(z.copy()), color=color, linewidth=2.5)
            ax.set_title(_title(name), fontsize=12, fontweight="bold")
        _style(ax)
        ax.set_ylim(-1.5, 1.5)
        ax.set_xlabel("z")
    fig.suptitle("Activation Functions", fontsize=14, fontweight="bold")
    fig.tight_layout()
    return fig


def activation_derivatives(
    names: Sequence[str] | None = None, z_range: tuple[float, float] = (-5.0, 5.0)
) -> Any:
    """Each activation's derivative ``f'(z)``, with the regions that starve learning.

    Shaded red where ``f'(z) = 0``: a unit there passes back no gradient at all, so
    if its input stays there it never learns again (ReLU's negative half: the dying
    ReLU). Shaded grey where ``0 < |f'(z)| < 0.05``: the gradient survives but shrinks
    (sigmoid and tanh saturate; stack many such layers and gradients vanish). Shaded
    blue where the slope is small but constant (Leaky ReLU's 0.01): learning is slow
    there, but the gradient never vanishes, so its units can recover. Softmax is shown as
    ``dp_i/dz`` for the logits ``(z, 0, 1)``.
    """
    names = list(names or TUTORIAL_ACTIVATIONS)
    z = np.linspace(*z_range, 301)
    fig, axes = _panels(len(names))
    for ax, name, color in zip(axes, names, itertools.cycle(COLORS)):
        activation = activation_functions.get(name)
        if name == "softmax":
            logits = _softmax_logits(z)
            p = activation.forward(logits.copy())
            # dp_i/dz_0 = p_i (delta_i0 - p_0), for each output i.
            for k, label in enumerate(("dp(z)/dz", "dp(0)/dz", "dp(1)/dz")):
                unit = np.zeros_like(p)
                unit[:, k] = 1.0
                slope = activation.backward(logits, p, unit)[:, 0]
                ax.plot(z, slope, color=COLORS[k], linewidth=2.5, label=label)
            ax.legend(fontsize=8)
            derivative = p[:, 0] * (1 - p[:, 0])
            title = "Softmax of (z, 0, 1)"
        else:
            y = activation.forward(z.copy())
            derivative = activation.backward(z, y, np.ones_like(z))
            ax.plot(z, derivative, color=color, linewidth=2.5, label="f'(z)")
            title = _title(name)
        dead = derivative == 0
        small = (np.abs(derivative) < VANISHING) & ~dead
        # Saturation means f' shrinks towards 0 as |z| grows (sigmoid, tanh): that is
        # where gradients vanish. A small *constant* slope (Leaky ReLU's 0.01) is
        # slow learning, not saturation: the unit keeps its gradient and can recover.
        steady = np.zeros_like(small)
        steady[1:] |= derivative[1:] == derivative[:-1]
        steady[:-1] |= derivative[:-1] == derivative[1:]
        for where, color, label in (
            (dead, "#ef4444", "f' = 0: no gradient"),
            (small & ~steady, "#9ca3af", f"|f'| < {VANISHING}: vanishing"),
            (small & steady, "#93c5fd", "small steady slope: slow, never dies"),
        ):
            if where.any():
                ax.fill_between(
                    z,
                    -1.5,
                    1.5,
                    where=where,
                    color=color,
                    alpha=0.18,
                    linewidth=0,
                    label=label,
                )
        ax.legend(fontsize=8, loc="upper left")
        _style(ax)
        ax.set_ylim(-0.5, 1.5)
        ax.set_xlabel("z")
        ax.set_title(f"{title}: derivative", fontsize=12, fontweight="bold")
    fig.suptitle(
        "Activation Derivatives (shaded: little or no gradient flows back)",
        fontsize=14,
        fontweight="bold",
    )
    fig.tight_layout()
    return fig


def _history_dict(
    history: History | Mapping[str, Sequence[float]],
) -> dict[str, list[float]]:
    if isinstance(history, History):
        return history.history
    if isinstance(history, Mapping):
        inner: Any = history.get("history", history)
        return {
            str(k): list(v) for k, v in inner.items() if isinstance(v, (list, tuple))
        }
    raise TypeError(
        "Expected a History (what fit returns) or its .history dict. "
        f"Received: {type(history).__name__}"
    )


def history(
    history: History | Mapping[str, Sequence[float]], best_epoch: int | None = None
) -> Any:
    """Loss and every metric, training against validation, one panel each.

    The epoch whose weights ``EarlyStopping(restore_best_weights=True)`` put back is
    marked on every panel. A validation curve that climbs while the training curve
    keeps falling is overfitting: the tutorial's "always monitor validation loss".

    Parameters
    ----------
    history : History or dict
        What ``fit`` returned, its ``.history``, or a saved ``history.json`` record.
    best_epoch : int, optional
        Epoch to mark (counted from 0); by default the one the History recorded.
    """
    logs = _history_dict(history)
    if best_epoch is None and isinstance(history, History):
        best_epoch = history.best_epoch
    if best_epoch is None and isinstance(history, Mapping):
        best_epoch = history.get("best_epoch")  # type: ignore[assignment]
    keys = [k for k in logs if not k.startswith("val_")]
    if not keys:
        raise ValueError("The history has no training logs to plot")
    fig, axes = _panels(len(keys), width=6.0, height=4.0)
    for ax, key in zip(axes, keys, strict=True):
        label = metric_label(key)
        epochs = np.arange(1, len(logs[key]) + 1)
        ax.plot(epochs, logs[key], color=TRAIN_COLOR, label=f"Train {label}")
        if f"val_{key}" in logs:
            ax.plot(epochs, logs[f"val_{key}"], color=VAL_COLOR, label=f"Val {label}")
        if best_epoch is not None and 0 <= best_epoch < len(epochs):
            ax.axvline(
                best_epoch + 1,
                color="#6b7280",
                linestyle=":",
                linewidth=1.5,
                label=f"Restored (epoch {best_epoch + 1})",
            )
        ax.set_title(label)
        ax.set_xlabel("Epoch")
        ax.legend()
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


# Metric names whose short form people read as an acronym.
ACRONYMS = {
    "mae": "MAE",
    "mse": "MSE",
    "rmse": "RMSE",
    "mape": "MAPE",
    "msle": "MSLE",
    "auc": "AUC",
    "r2": "R2",
    "r2_score": "R2",
    "f1_score": "F1 score",
}


def metric_label(key: str) -> str:
    """``"loss"`` -> ``Loss``, ``"mae"`` -> ``MAE``, ``"val_accuracy"`` stays readable.

    Examples
    --------
    >>> [metric_label(k) for k in ("loss", "mae", "categorical_accuracy")]
    ['Loss', 'MAE', 'Categorical accuracy']
    """
    return ACRONYMS.get(key, key.replace("_", " ").capitalize())


def loss_curve(losses: Sequence[float], ax: Any = None) -> Any:
    """The tutorial's training loss curve of ``NeuralNetwork.losses``."""
    if ax is None:
        fig, ax = pyplot().subplots(figsize=(8, 4))
    else:
        fig = ax.figure
    ax.plot(np.asarray(losses), color=TRAIN_COLOR, linewidth=2)
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Cross-Entropy Loss")
    ax.set_title("Training Loss Curve")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def _class_indices(y: Any) -> Array:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return y.reshape(-1).astype(int)


def _predicted_classes(model: Any, x: Array) -> Array:
    out = model.predict(x, verbose=0)
    return out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5).astype(int)


def decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    ax: Any = None,
    resolution: int = 200,
    class_names: Sequence[str] | None = None,
) -> Any:
    """The classes the model predicts over the plane, with the data on top.

    With two features the plane is the input space. With more, the data are projected
    on their first two principal components, and the plane is mapped back to the input
    space through them (the other directions held at the data's mean); the title says
    so.
    """
    x = np.asarray(X, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(
            f"Expected X of shape (samples, features >= 2). Received: shape {x.shape}"
        )
    labels = _class_indices(y)
    # Two features: plot them as they are. More: centre, then project.
    mean = x.mean(axis=0) if x.shape[1] > 2 else np.zeros(2)
    if x.shape[1] == 2:
        components = np.eye(2)  # the plane is the input space itself
        axis_names, title = ("feature 0", "feature 1"), "Decision Boundary"
    else:
        _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
        components = vt[:2]  # (2, features): the first two principal directions
        axis_names = ("principal component 1", "principal component 2")
        title = f"Decision Boundary ({x.shape[1]} features projected on 2 principal components)"
    plane = (x - mean) @ components.T  # (samples, 2)
    if ax is None:
        fig, ax = pyplot().subplots(figsize=(7, 5.5))
    else:
        fig = ax.figure
    lo, hi = plane.min(axis=0), plane.max(axis=0)
    pad = (hi - lo) * 0.1 + 1e-9
    g0, g1 = np.meshgrid(
        np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
        np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution),
    )
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    regions = _predicted_classes(model, mean + grid @ components).reshape(g0.shape)
    n_classes = int(max(labels.max(), regions.max())) + 1
    colors = (COLORS * (n_classes // len(COLORS) + 1))[:n_classes]
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap(colors)
    ax.contourf(
        g0, g1, regions, levels=np.arange(n_classes + 1) - 0.5, cmap=cmap, alpha=0.25
    )
    for k in range(n_classes):
        rows = labels == k
        name = (
            class_names[k]
            if class_names is not None and k < len(class_names)
            else f"class {k}"
        )
        ax.scatter(
            plane[rows, 0],
            plane[rows, 1],
            color=colors[k],
            edgecolor="white",
            s=30,
            label=name,
        )
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def confusion_counts(true: Array, predicted: Array, n_classes: int) -> Array:
    """``counts[i, j]``: samples of true class ``i`` predicted as class ``j``."""
    counts = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(counts, (true, predicted), 1)
    return counts


def confusion_matrix(
    model: Any,
    X: Any,
    y: Any,
    class_names: Sequence[str] | None = None,
    ax: Any = None,
    title: str = "Confusion Matrix",
) -> Any:
    """Counts of true class (rows) against predicted class (columns), annotated."""
    true = _class_indices(y)
    predicted = _predicted_classes(model, np.asarray(X))
    n_classes = int(max(true.max(), predicted.max(), model.output_shape[-1] - 1)) + 1
    counts = confusion_counts(true, predicted, n_classes)
    names = (
        list(class_names)
        if class_names is not None
        else [str(k) for k in range(n_classes)]
    )
    if ax is None:
        fig, ax = pyplot().subplots(figsize=(1.2 * n_classes + 3, 1.1 * n_classes + 2))
    else:
        fig = ax.figure
    image = ax.imshow(counts, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    for i in range(n_classes):
        for j in range(n_classes):
            dark = counts[i, j] > counts.max() / 2
            ax.text(
                j,
                i,
                str(counts[i, j]),
                ha="center",
                va="center",
                color="white" if dark else "black",
            )
    ax.set_xticks(range(n_classes), names)
    ax.set_yticks(range(n_classes), names)
    ax.set_xlabel("Predicted class")
    ax.set_ylabel("True class")
    accuracy = np.trace(counts) / counts.sum()
    ax.set_title(f"{title}, accuracy {accuracy:.4f}")
    fig.tight_layout()
    return fig


def heatmap(
    values: Any,
    rows: Sequence[str],
    columns: Sequence[str],
    ax: Any = None,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    label: str = "",
    reverse: bool = False,
) -> Any:
    """A grid of numbers as colours, each cell annotated; NaN cells left blank.

    ``values[i, j]`` belongs to row ``rows[i]`` and column ``columns[j]``. With
    ``reverse`` the colour scale runs the other way (dark for low values: a loss,
    where lower is better). ``label`` names the colour bar.

    Examples
    --------
    >>> fig = heatmap([[0.5, 0.2], [0.1, float("nan")]], ["a", "b"], ["x", "y"])
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['0.5', '0.2', '0.1']
    """
    grid = np.asarray(values, dtype=np.float64)
    if grid.ndim != 2 or grid.shape != (len(rows), len(columns)):
        raise ValueError(
            f"Expected values of shape ({len(rows)}, {len(columns)}), one per row "
            f"and column label. Received: shape={grid.shape}"
        )
    if ax is None:
        width, height = 1.1 * len(columns) + 3, 0.6 * len(rows) + 2
        fig, ax = pyplot().subplots(figsize=(max(width, 5), max(height, 3.5)))
    else:
        fig = ax.figure
    image = ax.imshow(
        np.ma.masked_invalid(grid), cmap="viridis_r" if reverse else "viridis"
    )
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=label)
    finite = grid[np.isfinite(grid)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for (i, j), value in np.ndenumerate(grid):
        if np.isfinite(value):
            dark = (value > middle) != reverse  # viridis is dark at its low end
            color = "black" if dark else "white"
            ax.text(j, i, f"{value:.4g}", ha="center", va="center", color=color)
    ax.set_xticks(range(len(columns)), list(columns))
    ax.set_yticks(range(len(rows)), list(rows))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def inside_network(source: Any) -> Any:
    """What a ``TrainingMonitor`` saw inside the network, per layer and epoch.

    The gradient's RMS, each step against the weights, the dead ReLU and the
    saturated sigmoid/tanh units; ``source`` is the History of a ``fit`` that had the
    monitor, the monitor, or its record (drawn by ``axon.diagnostics.figures``).
    """
    from axon.diagnostics.figures import inside_network as draw

    return draw(source)
