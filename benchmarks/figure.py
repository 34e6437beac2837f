"""The figure that opens README.md: axon's time over each peer's, and over its limits.

One horizontal bar per row of the results that has an ``axon / peer`` ratio, grouped
by benchmark, on a log scale: left of 1, axon is faster. Peers are blue; the bounds
and limits (matrix products alone, the NumPy floor) orange, where a bar right of 1
is the distance still to go; axon's own variants grey.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHORT = {
    "The tutorial's": "Iris fit",
    "One training step": "small step",
    "One epoch": "large epoch",
    "`predict` on one": "predict, 1 row",
    "`predict` on 100,000": "predict, 100k rows",
    "`import`": "import",
}
LIMITS = ("bound", "limit", "matrix products", "floor", "Adam pass")


def _short(title: str) -> str:
    for prefix, name in SHORT.items():
        if title.startswith(prefix):
            return name
    return title.split(",")[0][:24]


def _kind(name: str) -> str:
    if any(word in name for word in LIMITS):
        return "limit"
    return (
        "axon" if name.startswith("axon") or name.startswith("import axon") else "peer"
    )


def draw(
    results: list[tuple[str, list[dict[str, Any]], list[str]]], path: Path, note: str
) -> None:
    """Write the figure for ``results`` (``run_all``'s sections) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"peer": "#4878d0", "limit": "#ee854a", "axon": "#999999"}
    labels: list[str] = []
    values: list[float] = []
    kinds: list[str] = []
    for title, rows, columns in results:
        for row in rows:
            ratio = row.get("axon / peer")
            if not isinstance(ratio, (int, float)) or ratio == 1:
                continue  # no ratio, or axon's own reference row
            name = str(row.get("framework", row.get(columns[0], "")))
            label = f"{_short(title)}: {name}"
            labels.append(label if len(label) <= 58 else label[:57] + "…")
            values.append(ratio)
            kinds.append(_kind(name))
    height = 0.28 * len(labels) + 1.8
    fig, ax = plt.subplots(figsize=(9, height))
    positions = list(range(len(labels)))[::-1]
    widths = [value - 1 for value in values]  # from 1: left is faster, right slower
    ax.barh(positions, widths, left=1, color=[colors[k] for k in kinds], height=0.7)
    ax.set_xscale("log")
    ax.set_xlim(min([*values, 0.5]) / 1.6, max([*values, 2.0]) * 1.6)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(positions, labels, fontsize=7)
    ax.set_xlabel("axon's time / the other's time (log scale; left of 1: axon faster)")
    for position, value in zip(positions, values, strict=True):
        ax.text(value, position, f" {value:.3g}", va="center", fontsize=6)
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=colors[k]) for k in ("peer", "limit", "axon")
    ]
    fig.legend(
        handles,
        ["a peer", "a bound or limit (right of 1: distance to it)", "axon variant"],
        fontsize=7,
        loc="lower center",
        ncol=3,
    )
    ax.set_title(f"axon relative to each peer and to the limit ({note})", fontsize=9)
    fig.tight_layout(rect=(0, 0.35 / height, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
