"""The ``axon`` command (``python -m axon`` too): one module per subcommand.

Every subcommand is a thin shell over Python a user could call; mistakes get one line
on standard error and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from axon.cli import evaluate, export, lr_find, plot, predict, sweep, train
from axon.cli.train import build_model, load_iris_split

__all__ = ["build_model", "build_parser", "load_iris_split", "main"]

_COMMANDS = {
    "train": train,
    "predict": predict,
    "evaluate": evaluate,
    "export": export,
    "sweep": sweep,
    "lr-find": lr_find,
    "plot": plot,
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``axon`` command."""
    from axon import __version__

    parser = argparse.ArgumentParser(
        prog="axon",
        description="Train and inspect dense neural networks built with axon.",
    )
    parser.add_argument("--version", action="version", version=f"axon {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in _COMMANDS.values():
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``axon`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(_COMMANDS[args.command].run(args))
    except (ValueError, TypeError) as error:  # axon's own messages name the problem
        print(f"axon {args.command}: error: {error}", file=sys.stderr)
        return 2
    except ImportError as error:  # an optional dependency; the message says what
        print(f"axon {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"axon {args.command}: cannot write the run: {error}", file=sys.stderr)
        return 1
