"""A training run as one self-contained HTML page: figures embedded, no network needed.

The page holds the model summary, the hyperparameters, the final metrics on the
training, validation and test data, and the figures as base64 PNG images, so it can be
mailed or archived as a single file and opened in any browser.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Mapping
from typing import Any

from axon.models.saving import atomic_write

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #111827; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #d1d5db; padding: 0.3rem 0.8rem; text-align: right; }
th { background: #f3f4f6; } td:first-child, th:first-child { text-align: left; }
pre { background: #f9fafb; border: 1px solid #e5e7eb; padding: 0.8rem;
      overflow-x: auto; font-size: 0.85rem; line-height: 1.15; }
img { max-width: 100%; border: 1px solid #e5e7eb; margin: 0.5rem 0; }
td.text, th.text { text-align: left; }
.note { color: #4b5563; }
"""


def figure_png(figure: Any, dpi: int = 100) -> bytes:
    """Render a matplotlib figure to PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _table(
    header: list[str], rows: list[list[str]], left: set[int] | None = None
) -> str:
    """An HTML table; the columns in ``left`` are aligned left (text)."""
    left = left or set()

    def cell(tag: str, i: int, text: str) -> str:
        style = ' class="text"' if i in left else ""
        return f"<{tag}{style}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text_columns(rows: list[list[str]]) -> set[int]:
    """Columns holding a cell that is no number (``12.5%`` is a number)."""

    def number(text: str) -> bool:
        try:
            float(text.rstrip("%"))
        except ValueError:
            return False
        return True

    return {i for row in rows for i, text in enumerate(row) if not number(text)}


# Command-line arguments that say where and how loudly to run, not what was trained.
_NOT_HYPERPARAMETERS = frozenset({"output", "verbose", "no_batch_norm"})


def render(
    title: str,
    summary: str,
    hyperparameters: Mapping[str, Any],
    results: Mapping[str, Mapping[str, float]],
    figures: Mapping[str, bytes],
    notes: list[str] | None = None,
    tables: Mapping[str, tuple[list[str], list[list[str]]]] | None = None,
) -> str:
    """Return the HTML page.

    Parameters
    ----------
    results : mapping
        ``{"training": {"loss": ..., "accuracy": ...}, "validation": ..., "test": ...}``.
    figures : mapping
        Caption -> PNG bytes.
    notes : list of str, optional
        Plain-language remarks (diagnostics), the page's first section.
    tables : mapping, optional
        Heading -> (header, rows) of further tables shown under the notes (a
        table run's task, scores per class and what was done to each column);
        columns holding text are aligned left.
    """
    metric_names = sorted({name for values in results.values() for name in values})
    result_rows = [
        [split, *(f"{values[m]:.4f}" if m in values else "" for m in metric_names)]
        for split, values in results.items()
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if notes:  # first: what went wrong is what a reader needs before the numbers
        parts.append("<h2>What to look at</h2><ul>")
        parts.extend(f"<li>{html.escape(note)}</li>" for note in notes)
        parts.append("</ul>")
    parts += ["<h2>Results</h2>", _table(["data", *metric_names], result_rows)]
    for heading, (header, rows) in (tables or {}).items():
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(_table(header, rows, _text_columns(rows)))
    parts.append("<h2>Hyperparameters</h2>")
    shown = [  # options left unset and the CLI's plumbing stay in history.json
        [k, str(v)]
        for k, v in hyperparameters.items()
        if v is not None and k not in _NOT_HYPERPARAMETERS
    ]
    parts.append(_table(["name", "value"], shown))
    parts.append(f"<h2>Model</h2><pre>{html.escape(summary)}</pre>")
    for caption, png in figures.items():
        encoded = base64.b64encode(png).decode("ascii")
        parts.append(f"<h2>{html.escape(caption)}</h2>")
        parts.append(
            f'<img alt="{html.escape(caption)}" src="data:image/png;base64,{encoded}">'
        )
    parts.append('<p class="note">Written by axon.</p></body></html>')
    return "\n".join(parts)


def write(path: str | os.PathLike[str], page: str) -> None:
    """Write the page atomically (a temporary file, then a rename)."""
    atomic_write(path, lambda handle: handle.write(page.encode("utf-8")))
