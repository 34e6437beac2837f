"""``axon lr-find``: the learning-rate range test on the model ``axon train`` trains.

A thin shell over :func:`axon.diagnostics.find_learning_rate`. It takes the data
arguments of ``axon train``: none (the tutorial's model on Iris, scaled and split as
the tutorial does), or a table (``DATA --target COLUMN`` with ``--task``, ``--drop``,
``--test-size``, ``--validation-split``), prepared, split and given the network
exactly as ``axon train`` would (:func:`axon.tabular.fit_table`, stopped just before
training). With the same ``--hidden``, ``--dropout``, ``--no-batch-norm``, it sweeps
Adam's learning rate from ``--min-lr`` to ``--max-lr`` over ``--steps`` batches of the
training rows, prints the suggestion and draws the curve (``--output``, a figure
file).
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
        description="Train the model axon train would train (the tutorial's, on Iris "
        "or on your table: DATA --target COLUMN) for a few hundred batches while the "
        "learning rate grows from --min-lr to --max-lr (Smith 2017; fastai's "
        "lr_find), then suggest the rate where the loss falls fastest and draw the "
        "loss against the rate. The model is thrown away afterwards.",
    )
    add_data_arguments(finder)
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


def add_data_arguments(finder: Any) -> None:
    """``axon train``'s data arguments: DATA, --target, --task, --drop, the splits."""
    from axon.cli.train import column_names
    from axon.tabular.datasets import BUILTIN

    finder.add_argument(
        "data",
        nargs="?",
        default=None,
        metavar="DATA",
        help="a CSV, TSV or Parquet file, or a scikit-learn data set: iris (the "
        f"default, the tutorial's run), {', '.join(BUILTIN[1:])}",
    )
    finder.add_argument(
        "--target",
        default=None,
        help="the column to predict (a data set's is 'target')",
    )
    finder.add_argument(
        "--task",
        choices=("auto", "classification", "regression"),
        default=None,
        help="default auto, as axon train infers it",
    )
    finder.add_argument(
        "--drop",
        type=column_names,
        default=None,
        metavar="COL,...",
        help="columns to leave out",
    )
    finder.add_argument(
        "--test-size",
        type=options.fraction,
        default=None,
        help="share of the rows held out (not swept over), default 0.2",
    )
    finder.add_argument(
        "--validation-split",
        type=options.fraction,
        default=0.2,
        help="share of the rest held out for validation (not swept over), default 0.2",
    )


class _Built(Exception):
    """Raised from fit_table's ``before_training`` hook: the model, built, untrained."""

    def __init__(self, model: Any) -> None:
        super().__init__("built")
        self.model = model


def table_model(args: argparse.Namespace, rates: list[float]) -> tuple[Any, Any, Any]:
    """(network, x, y): the compiled network and training rows ``axon train`` uses.

    :func:`axon.tabular.fit_table` reads, checks, splits and prepares the table and
    builds the network; its ``before_training`` hook stops it there, so the rows,
    their preprocessing and the network are the ones ``axon train`` would train
    with the same arguments and seed. The table is then read once more to take its
    training rows by their index labels (``split_index``).
    """
    from axon import tabular
    from axon.cli.predict import table_warnings
    from axon.tabular.model import as_frame

    def stop(model: Any) -> None:
        raise _Built(model)

    model: Any = None
    with table_warnings("lr-find"):
        try:
            tabular.fit_table(
                args.data or "iris",
                args.target,
                task=args.task or "auto",
                drop=args.drop or (),
                test_size=0.2 if args.test_size is None else args.test_size,
                validation_split=args.validation_split,
                hidden=args.hidden,
                dropout=rates,
                batch_norm=not args.no_batch_norm,
                seed=args.seed,
                before_training=stop,
            )
        except _Built as built:
            model = built.model
    frame, source = as_frame(args.data or "iris")
    rows = frame.loc[model.split_index["training"]]
    x = model.preprocessing.transform(rows, source, expected=[model.target.name])
    y = model.target.encode(rows[model.target.name], source)
    print(
        f"{source}: {len(rows)} training rows, {x.shape[1]} input(s), "
        f"{model.task} of {model.target.name!r}"
    )
    return model.network, x, y


def run(args: argparse.Namespace) -> int:
    """Run ``axon lr-find``."""
    import axon
    from axon.cli.train import (
        TABLE_OPTIONS,
        build_model,
        dropout_rates,
        load_iris_split,
    )
    from axon.diagnostics import find_learning_rate

    if args.min_lr >= args.max_lr:
        raise ValueError(
            f"--min-lr must be below --max-lr, got {args.min_lr:g} and {args.max_lr:g}"
        )
    plt = headless_pyplot()
    if plt is not None:
        check_figure_path(args.output)  # before any work
    rates = dropout_rates(args.dropout, args.hidden)
    table = args.data not in (None, "iris") or any(
        getattr(args, name, None) is not None for name in TABLE_OPTIONS
    )  # as axon train decides it
    if table:
        model, x_train, y_train = table_model(args, rates)
    else:
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
        "data": str(args.data or "iris"),
        "target": args.target,
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
