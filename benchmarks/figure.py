"""The figure that opens README.md: axon's time over each peer's, and over its limits.

One horizontal bar per row of the results that has an ``axon / peer`` ratio (or a
``speed-up``, the scikit-learn rows' peer time over axon's, drawn as its inverse),
grouped by benchmark, on a log scale: left of 1, axon is faster. Peers are blue; the
bounds and limits (matrix products alone, the NumPy floor) orange, where a bar right
of 1 is the distance still to go; axon's own variants grey.

``python benchmarks/figure.py`` redraws it from the tables recorded in README.md,
without running anything again (after a change to the figure, say).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

SHORT = {
    "The tutorial's": "Iris fit",
    "One training step": "small step",
    "One epoch": "large epoch",
    "`predict` on one": "predict 1 row",
    "`predict` on 100,000": "predict 100k",
    "`import`": "import",
    "axon.sklearn": "sklearn",
    "The table pipeline": "table",
}
# Row names too long for a label, shortened (the README's tables keep them whole).
SHORTER = {
    ", every array preallocated (the floor)": " floor",
    ", all arrays preallocated (the floor)": " floor",
    ", arrays made beforehand (the floor)": " floor",
    "one BLAS thread, CPU time": "1 thread, CPU",
    " (no BN/dropout/val)": "",
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
            ratio = _ratio(row)
            if ratio is None or ratio == 1:
                continue  # no ratio, or axon's own reference row
            name = str(row.get("framework", row.get(columns[0], "")))
            if "speed-up" in row:  # a scikit-learn row: its data set and solver
                name = f"{name.split(' (')[0]}, {row.get('solver', '')}"
            for long, short in SHORTER.items():
                name = name.replace(long, short)
            label = f"{_short(title)}: {name}"
            labels.append(label if len(label) <= 56 else label[:55] + "…")
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
    # Fixed margins: tight_layout left the longest labels cut at the image's edge.
    fig.subplots_adjust(
        left=0.40, right=0.97, top=1 - 0.45 / height, bottom=1.1 / height
    )
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _ratio(row: dict[str, Any]) -> float | None:
    """axon's time over the other's: ``axon / peer``, or 1 / a ``speed-up`` (2.3x)."""
    ratio = row.get("axon / peer")
    if isinstance(ratio, (int, float)):
        return float(ratio)
    speedup = str(row.get("speed-up", "")).removesuffix("x")
    try:
        return 1 / float(speedup) if speedup else None
    except ValueError:
        return None


def recorded(
    readme: Path,
) -> tuple[list[tuple[str, list[dict[str, Any]], list[str]]], str]:
    """The sections between README.md's result markers, as ``run_all`` made them."""
    text = (
        readme.read_text().split("<!-- results -->")[1].split("<!-- end of results")[0]
    )
    results = []
    for block in text.split("\n### ")[1:]:
        title, *lines = block.splitlines()
        cells = [
            [cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in lines
            if line.startswith("|") and not line.startswith("|---")
        ]
        if not cells:
            continue
        columns, rows = cells[0], []
        for values in cells[1:]:
            row: dict[str, Any] = dict(zip(columns, values, strict=False))
            with contextlib.suppress(KeyError, ValueError):  # a ratio, as run_all's
                row["axon / peer"] = float(row["axon / peer"])
            rows.append(row)
        results.append((title, rows, columns))
    measured = text.split("Measured ")[1].split(";")[0] if "Measured " in text else ""
    return results, measured


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    sections, date = recorded(here / "README.md")
    draw(sections, here / "speed.png", f"{date}, redrawn from README.md")
    print(f"redrew {here / 'speed.png'} from {len(sections)} sections")
