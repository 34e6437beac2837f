"""Where a command writes: run folders checked before any work, figures in any format."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from axon.models.saving import atomic_write

# What a finished run leaves in its folder; a folder holding one of them is a run.
RUN_FILES = ("model.axon", "history.json", "report.html", "sweep.json")


class UsageError(ValueError):
    """A command-line mistake, found before any work starts (exit code 2)."""


def run_folder(requested: Path | None, default_name: str) -> Path:
    """Return the folder to write a run into, checked before training starts.

    An explicit ``--output`` must be a folder with no earlier run in it: axon refuses
    to overwrite a run rather than mix two. The default, ``runs/<name>-<time>``, is
    numbered (``-2``, ``-3``...) when two runs start within the same second.
    """
    if requested is not None:
        if requested.exists() and not requested.is_dir():
            raise UsageError(
                f"--output must name a folder; {requested} is an existing file"
            )
        earlier = [name for name in RUN_FILES if (requested / name).exists()]
        if earlier:
            raise UsageError(
                f"--output {requested} already holds a run ({', '.join(earlier)}); "
                "choose a new folder or remove that one"
            )
        return requested
    base = Path("runs") / time.strftime(f"{default_name}-%Y%m%d-%H%M%S")
    folder, number = base, 1
    while folder.exists():
        number += 1
        folder = base.with_name(f"{base.name}-{number}")
    return folder


def headless_pyplot() -> Any:
    """Pyplot on the Agg backend (no window), or None when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_formats() -> dict[str, str]:
    """File extensions matplotlib can write here (``png``, ``pdf``, ``svg``...)."""
    from matplotlib.backend_bases import FigureCanvasBase

    formats: dict[str, str] = FigureCanvasBase.get_supported_filetypes()
    return formats


def check_figure_path(path: Path) -> str:
    """Return the format ``path``'s extension names, or raise a UsageError.

    Called before drawing, so a typo costs nothing.
    """
    formats = figure_formats()
    extension = path.suffix.lower().lstrip(".")
    if extension not in formats:
        raise UsageError(
            f"cannot write a figure to {path}: the extension must name a format, one "
            f"of {', '.join('.' + f for f in sorted(formats))}"
        )
    return extension


def save_figure(figure: Any, path: Path, dpi: int = 100) -> None:
    """Write ``figure`` to ``path`` in the format its extension names, atomically."""
    extension = check_figure_path(path)
    atomic_write(
        path,
        lambda f: figure.savefig(f, format=extension, dpi=dpi, bbox_inches="tight"),
    )
