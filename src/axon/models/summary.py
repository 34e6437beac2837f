"""The Keras-style summary table of a model."""

from __future__ import annotations

from typing import Any

_WIDTHS = (33, 24, 15)


def readable_size(n_bytes: float) -> str:
    """``10.76 KB``: powers of 1024, two decimals, as Keras prints them."""
    for unit in ("B", "KB", "MB", "GB"):
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    raise AssertionError("unreachable")


def _row(cells: list[str], left: str, sep: str, right: str) -> str:
    parts = [
        f" {cell:<{w - 2}} " if i < 2 else f" {cell:>{w - 2}} "
        for i, (cell, w) in enumerate(zip(cells, _WIDTHS, strict=False))
    ]
    return left + sep.join(parts) + right


def _rule(left: str, line: str, sep: str, right: str) -> str:
    return left + sep.join(line * w for w in _WIDTHS) + right


def _count(arrays: list[Any]) -> tuple[int, int]:
    return sum(a.size for a in arrays), sum(a.nbytes for a in arrays)


def summary_text(model: Any) -> str:
    """Return the table ``model.summary()`` prints."""
    lines = [f'Model: "{model.name}"']
    lines.append(_rule("┏", "━", "┳", "┓"))
    lines.append(_row(["Layer (type)", "Output Shape", "Param #"], "┃", "┃", "┃"))
    lines.append(_rule("┡", "━", "╇", "┩"))
    for i, layer in enumerate(model.layers):
        label = f"{layer.name} ({type(layer).__name__})"
        shape = "(None, " + ", ".join(map(str, layer.output_shape)) + ")"
        count = f"{layer.count_params():,}"
        if len(label) > _WIDTHS[0] - 2:
            lines.append(_row([layer.name, shape, count], "│", "│", "│"))
            lines.append(_row([f"({type(layer).__name__})", "", ""], "│", "│", "│"))
        else:
            lines.append(_row([label, shape, count], "│", "│", "│"))
        if i < len(model.layers) - 1:
            lines.append(_rule("├", "─", "┼", "┤"))
    lines.append(_rule("└", "─", "┴", "┘"))
    trainable = [
        w for layer in model.layers if layer.trainable for w in layer.params.values()
    ]
    frozen = [
        w
        for layer in model.layers
        for w in (layer.state.values() if layer.trainable else layer.weights)
    ]
    total = _count(trainable + frozen)
    for title, (n_params, size) in (
        ("Total", total),
        ("Trainable", _count(trainable)),
        ("Non-trainable", _count(frozen)),
    ):
        lines.append(f" {title} params: {n_params:,} ({readable_size(size)})")
    return "\n".join(lines)
