"""``axon plot``: the tutorial's activation figure, in the format the file name asks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from axon.cli.runs import check_figure_path, headless_pyplot, save_figure


def add_parser(commands: Any) -> None:
    """Register ``axon plot`` and its options."""
    plot = commands.add_parser(
        "plot", help="draw figures", description="Draw a figure."
    )
    plot.add_argument("what", choices=("activations",), help="what to draw")
    plot.add_argument(
        "--names",
        nargs="+",
        default=None,
        help="activations to draw (default: the tutorial's)",
    )
    plot.add_argument(
        "--derivatives", action="store_true", help="draw the derivatives instead"
    )
    plot.add_argument(
        "--output",
        type=Path,
        default=Path("activations.png"),
        help="the file; its extension picks the format (.png, .pdf, .svg...), "
        "default activations.png",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``axon plot activations``."""
    plt = headless_pyplot()
    if plt is None:
        print("axon plot needs matplotlib: pip install 'axon[plot]'", file=sys.stderr)
        return 1
    from axon import plot
    from axon.activations import ACTIVATIONS

    check_figure_path(args.output)  # before drawing
    unknown = [name for name in args.names or () if name not in ACTIVATIONS]
    if unknown:
        raise ValueError(
            f"unknown activation(s) {', '.join(unknown)}; "
            f"known: {', '.join(ACTIVATIONS.names())}"
        )
    draw = plot.activation_derivatives if args.derivatives else plot.activations
    figure = draw(args.names or None)
    save_figure(figure, args.output)
    plt.close(figure)
    print(f"Saved {args.output}")
    return 0
