"""``axon sweep``: one hyperparameter of the tutorial's table, tried at several values."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from axon.cli import options
from axon.cli.runs import headless_pyplot, run_folder, save_figure
from axon.models.saving import atomic_write


def add_parser(commands: Any) -> None:
    """Register ``axon sweep`` and its options."""
    sweep = commands.add_parser(
        "sweep",
        help="try one hyperparameter of the tutorial's table at several values",
        description="Train the tutorial's model on Iris once per value of one "
        "hyperparameter (the others as in the tutorial), then print what each run "
        "gave and draw the validation curves and the test accuracy.",
    )
    sweep.add_argument(
        "name",
        choices=("learning_rate", "hidden_units", "batch_size", "layers", "dropout"),
    )
    sweep.add_argument(
        "--values",
        type=options.number_list,
        default=None,
        help="comma-separated values (default: from too small to too large)",
    )
    sweep.add_argument(
        "--epochs", type=options.positive(int), default=60, help="default 60"
    )
    sweep.add_argument(
        "--seed", type=options.integer, default=0, help="random seed, default 0"
    )
    sweep.add_argument(
        "--output",
        type=Path,
        default=None,
        help="folder (new or empty), default runs/sweep-<name>-<time>",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``axon sweep``."""
    import axon
    from axon import sweep
    from axon.cli.train import build_model, load_iris_split

    values = sweep.check_values(args.name, args.values)  # before any training
    output = run_folder(args.output, f"sweep-{args.name}")
    x_train, x_test, y_train, y_test, _ = load_iris_split()

    def build(settings: sweep.Settings) -> Any:
        model = build_model(settings.hidden(), [settings.dropout], True, 4, 3)
        model.compile(
            optimizer=axon.optimizers.Adam(learning_rate=settings.learning_rate),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    too_small, too_large, good, _ = sweep.TABLE[args.name]
    print(
        f"{args.name}: too small gives {too_small}, too large {too_large}; "
        f"a good start is {good}."
    )
    columns = ("loss", "best val", "test acc", "time")
    header = (
        f"{args.name:>14} | " + " | ".join(f"{c:>8}" for c in columns) + " | look at"
    )
    print(header)
    print("-" * len(header))

    def report(trial: sweep.Trial) -> None:
        loss = trial.history.get("loss", [float("nan")])[-1]
        best_val = min(trial.history.get("val_loss", [float("nan")]))
        titles = dict.fromkeys(f.split(":")[0] for f in trial.findings)  # once each
        note = "; ".join(titles) or "-"
        print(
            f"{trial.value:>14g} | {loss:>8.4f} | {best_val:>8.4f} | "
            f"{trial.test['accuracy']:>8.4f} | {trial.seconds:>7.2f}s | {note}"
        )

    trials = sweep.run(
        args.name,
        values,
        (x_train, x_test, y_train, y_test),
        build,
        epochs=args.epochs,
        seed=args.seed,
        report=report,
    )
    output.mkdir(parents=True, exist_ok=True)
    record = [trial.__dict__ for trial in trials]
    atomic_write(
        output / "sweep.json", lambda f: f.write(json.dumps(record, indent=1).encode())
    )
    print(f"Saved {output / 'sweep.json'}")
    plt = headless_pyplot()
    if plt is None:
        print("Skipped the figure: pip install 'axon[plot]' to get it")
        return 0
    figure = sweep.plot(trials)
    save_figure(figure, output / "sweep.png")
    plt.close(figure)
    print(f"Saved {output / 'sweep.png'}")
    return 0
