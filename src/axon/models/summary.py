"""The Keras-style summary table of a model.

A chain of layers gets Keras's three columns; a graph with branches, merges or shared
layers gets a fourth, "Connected to", listing the tensors each layer takes as
``layer[node][tensor]``, as Keras prints it (on an 80-column terminal). Text longer
than its cell is cut with an ellipsis, as Keras's table cuts it, so every line of
the table has the same width.
"""

from __future__ import annotations

from typing import Any

_WIDTHS = (33, 24, 15)
_GRAPH_WIDTHS = (21, 19, 12, 19)
_RULES = {
    "top": "┏━┳┓",
    "head": "┡━╇┩",
    "between": "├─┼┤",
    "bottom": "└─┴┘",
}


def readable_size(n_bytes: float) -> str:
    """``10.76 KB``: powers of 1024, two decimals, as Keras prints them."""
    for unit in ("B", "KB", "MB", "GB"):
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    raise AssertionError("unreachable")


def _fit(cell: str, width: int) -> str:
    """``cell``, cut to ``width`` characters with an ellipsis where longer, as Keras."""
    return cell if len(cell) <= width else cell[: width - 1] + "…"


def _row(cells: list[str], widths: tuple[int, ...], bar: str) -> str:
    # Each cell holds w - 2 characters between its two spaces of padding.
    parts = [
        f" {_fit(cell, w - 2):>{w - 2}} "
        if i == 2
        else f" {_fit(cell, w - 2):<{w - 2}} "
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
    ]
    return bar + bar.join(parts) + bar


def _rule(kind: str, widths: tuple[int, ...]) -> str:
    left, line, sep, right = tuple(_RULES[kind])
    return left + sep.join(line * w for w in widths) + right


def _wrap(items: list[str], width: int) -> list[str]:
    """``a[0][0], b[0][0]`` on as few lines of ``width`` as fit, breaking after commas."""
    lines: list[str] = []
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return lines or ["-"]


def _connections(model: Any) -> list[list[str]] | None:
    """What each layer takes, or None when the graph reads as a plain chain."""
    graph = getattr(model, "graph", None)
    if graph is None:
        return None
    rows = [
        [t for node in graph.layer_nodes[id(layer)] for t in node.inputs]
        for layer in model.layers
    ]
    chain = len(graph.inputs) == len(graph.outputs) == 1 and all(
        len(inputs) <= 1 for inputs in rows
    )
    chain = chain and len(graph.nodes) == len(model.layers)  # no layer called twice
    if chain:
        return None
    return [["{}[{}][{}]".format(*graph.history(t)) for t in inputs] for inputs in rows]


def _count(arrays: list[Any]) -> tuple[int, int]:
    return sum(a.size for a in arrays), sum(a.nbytes for a in arrays)


def summary_text(model: Any) -> str:
    """Return the table ``model.summary()`` prints."""
    connections = _connections(model)
    widths: tuple[int, ...] = _WIDTHS if connections is None else _GRAPH_WIDTHS
    header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    lines = [f'Model: "{model.name}"', _rule("top", widths)]
    lines.append(_row(header[: len(widths)], widths, "┃"))
    lines.append(_rule("head", widths))
    for i, layer in enumerate(model.layers):
        label = f"{layer.name} ({type(layer).__name__})"
        columns = [
            [label]
            if len(label) <= widths[0] - 2
            else [layer.name, f"({type(layer).__name__})"],
            ["(None, " + ", ".join(map(str, layer.output_shape)) + ")"],
            [f"{layer.count_params():,}"],
        ]
        if connections is not None:
            columns.append(_wrap(connections[i], widths[3] - 2))
        for k in range(max(len(column) for column in columns)):
            cells = [column[k] if k < len(column) else "" for column in columns]
            lines.append(_row(cells, widths, "│"))
        if i < len(model.layers) - 1:
            lines.append(_rule("between", widths))
    lines.append(_rule("bottom", widths))
    trainable = model.trainable_weights
    frozen = model.non_trainable_weights
    for title, (n_params, size) in (
        ("Total", _count(trainable + frozen)),
        ("Trainable", _count(trainable)),
        ("Non-trainable", _count(frozen)),
    ):
        lines.append(f" {title} params: {n_params:,} ({readable_size(size)})")
    return "\n".join(lines)
