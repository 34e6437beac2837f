"""``axon lr-find``: the learning-rate range test on the tutorial's model and Iris.

A thin shell over :func:`axon.diagnostics.find_learning_rate`: it builds the model
``axon train`` would build (same ``--hidden``, ``--dropout``, ``--no-batch-norm``),
sweeps Adam's learning rate from ``--min-lr`` to ``--max-lr`` over ``--steps``
batches, prints the suggestion and draws the curve (``--output``, a figure file).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from axon.cli import options
from axon.cli.runs import check_figure_path, headless_pyplot, save_figure
from axon.models.saving import atomic_write


def add_parser(commands: Any) -> None:
    """Register ``axon lr-find`` and its options."""
    finder = commands.add_parser(
        "lr-find",
        help="find a learning rate: try them from tiny to huge, one batch each",
        description="Train the tutorial's model on Iris for a few hundred batches "
        "while the learning rate grows from --min-lr to --max-lr (Smith 2017; "
        "fastai's lr_find), then suggest the rate where the loss falls fastest and "
        "draw the loss against the rate. The model is thrown away afterwards.",
    )
    finder.add_argument(
        "--batch-size", type=options.positive(int), default=16, help="default 16"
    )
    finder.add_argument(
        "--min-lr", type=options.positive(float), default=1e-7, help="default 1e-7"
    )
    finder.add_argument(
        "--max-lr", type=options.positive(float), default=10.0, help="default 10"
    )
    finder.add_argument(
        "--steps", type=options.positive(int), default=200, help="default 200"
    )
    finder.add_argument(
        "--hidden",
        type=options.int_list,
        default=[64, 32],
        help="units per hidden layer, default 64,32",
    )
    finder.add_argument(
        "--dropout",
        type=options.rate_list,
        default=[0.3, 0.2],
        help="dropout after each hidden layer, default 0.3,0.2",
    )
    finder.add_argument(
        "--no-batch-norm", action="store_true", help="leave out BatchNormalization"
    )
    finder.add_argument(
        "--seed", type=options.integer, default=0, help="random seed, default 0"
    )
    finder.add_argument(
        "--output",
        type=Path,
        default=Path("lr_find.png"),
        help="the figure; its extension picks the format, default lr_find.png "
        "(the numbers go next to it, as .json)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``axon lr-find``."""
    import axon
    from axon.cli.train import build_model, dropout_rates, load_iris_split
    from axon.diagnostics import find_learning_rate

    if args.min_lr >= args.max_lr:
        raise ValueError(
            f"--min-lr must be below --max-lr, got {args.min_lr:g} and {args.max_lr:g}"
        )
    plt = headless_pyplot()
    if plt is not None:
        check_figure_path(args.output)  # before any work
    rates = dropout_rates(args.dropout, args.hidden)
    x_train, _, y_train, _, _ = load_iris_split()
    axon.utils.set_random_seed(args.seed)
    model = build_model(args.hidden, rates, not args.no_batch_norm, 4, 3)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    found = find_learning_rate(
        model,
        x_train,
        y_train,
        batch_size=args.batch_size,
        min_lr=args.min_lr,
        max_lr=args.max_lr,
        steps=args.steps,
        seed=args.seed,
    )
    print(
        f"Tried {len(found.learning_rates)} learning rates from "
        f"{found.learning_rates[0]:.2g} to {found.learning_rates[-1]:.2g} (Adam, "
        f"batch {args.batch_size})."
    )
    print(f"Suggested learning rate: {found.suggestion:.2g} (the loss falls fastest)")
    print(
        f"Lowest loss at {found.minimum:.2g}; a tenth of it, "
        f"{found.minimum / 10:.2g}, is a safe choice too."
    )
    numbers = args.output.with_suffix(".json")
    record = {
        "learning_rates": found.learning_rates,
        "losses": found.losses,
        "raw_losses": found.raw_losses,
        "suggestion": found.suggestion,
        "minimum": found.minimum,
    }
    atomic_write(numbers, lambda f: f.write(json.dumps(record, indent=1).encode()))
    print(f"Saved {numbers}")
    if plt is None:
        print("Skipped the figure: pip install 'axon[plot]' to get it")
        return 0
    figure = found.plot()
    save_figure(figure, args.output)
    plt.close(figure)
    print(f"Saved {args.output}")
    return 0
