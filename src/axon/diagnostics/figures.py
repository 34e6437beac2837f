"""The "Inside the network" figure and table: what the monitor recorded, drawn.

Four panels, one line per layer, epochs along the bottom: the gradient's RMS (log
scale), the step against the weights (log scale, with the healthy band around 1e-3
shaded), the share of dead ReLU units and the share of saturated sigmoid/tanh units.
``axon.plot.inside_network`` and the run report draw it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["INPUT_HEADER", "input_rows", "inside_network"]

PANELS = (
    ("gradient_rms", "Gradient RMS (kernel)", True),
    ("update_ratio", "Step / weight size", True),
    ("dead_share", "Dead ReLU units (share)", False),
    ("saturated_share", "Saturated sigmoid/tanh units (share)", False),
)
HEALTHY_STEP = (1e-4, 1e-2)  # around Karpathy's 1e-3
INPUT_HEADER = ["feature", "mean", "std", "min", "max"]


def _record(source: Any) -> Mapping[str, Any]:
    """A monitor's record from a History, a TrainingMonitor or the record itself."""
    for name in ("monitor", "record"):
        value = getattr(source, name, None)
        if isinstance(value, Mapping):
            return value
    if isinstance(source, Mapping):
        return source
    raise TypeError(
        "Expected a History, a TrainingMonitor or its record. Received: "
        f"{type(source).__name__}"
    )


def inside_network(source: Any) -> Any:
    """Draw the monitor's per-layer, per-epoch evidence; return the Figure.

    Parameters
    ----------
    source : History, TrainingMonitor or dict
        A History from a ``fit`` that had a ``TrainingMonitor`` (``history.monitor``),
        the monitor, or its ``record``.
    """
    from axon.plot import COLORS, pyplot

    record = _record(source)
    layers = record.get("layers") or []
    if not layers:
        raise ValueError(
            "Expected a record from a TrainingMonitor passed to fit. Received: one "
            "with no layers (was the monitor in callbacks=[...]?)"
        )
    figure, axes = pyplot().subplots(2, 2, figsize=(12, 7.5))
    for ax, (key, title, log) in zip(axes.flat, PANELS, strict=True):
        drawn = 0
        for i, layer in enumerate(layers):
            values = layer.get(key)
            if not values:
                continue
            epochs = np.arange(1, len(values) + 1)
            finite = np.where(np.isfinite(values), values, np.nan)
            if log:
                finite = np.where(finite > 0, finite, np.nan)
            ax.plot(
                epochs,
                finite,
                color=COLORS[i % len(COLORS)],
                marker="o" if len(values) < 3 else None,
                label=f"{layer['name']} ({layer['activation']})",
            )
            drawn += 1
        if key == "update_ratio" and drawn:
            ax.axhspan(*HEALTHY_STEP, color="#10b981", alpha=0.12, label="healthy")
        if not drawn:
            what = "ReLU" if key == "dead_share" else "sigmoid or tanh"
            ax.text(
                0.5,
                0.5,
                f"no {what} layers",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="#6b7280",
            )
        elif log:
            ax.set_yscale("log")
        else:
            ax.set_ylim(-0.03, 1.03)
        ax.set_title(title)
        ax.set_xlabel("Epoch")
        ax.grid(True, alpha=0.3)
        if drawn:
            ax.legend(fontsize=8)
    figure.suptitle("Inside the network, per layer and epoch")
    figure.tight_layout()
    return figure


def input_rows(source: Any) -> list[list[str]]:
    """Rows of a table of the inputs the first layer saw: feature, mean, std, range.

    Empty when the monitor kept no per-feature statistics (more than 64 features).
    """
    stats = _record(source).get("inputs") or {}
    if "mean" not in stats:
        return []
    return [
        [str(i), f"{mean:.4g}", f"{std:.4g}", f"{low:.4g}", f"{high:.4g}"]
        for i, (mean, std, low, high) in enumerate(
            zip(stats["mean"], stats["std"], stats["min"], stats["max"], strict=True)
        )
    ]
