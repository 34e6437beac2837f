"""The ``axon`` command: ``axon train`` trains the tutorial's Keras model on Iris."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from axon.models.saving import atomic_write


def _numbers(kind: type, example: str, rule: Any = None, broken: str = "") -> Any:
    """An argparse type for comma-separated numbers; ``rule`` checks each value."""
    noun = "integers" if kind is int else "numbers"

    def parse(text: str) -> list[Any]:
        try:
            values = [kind(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated {noun} such as {example}, got {text!r}"
            ) from None
        if not values:
            raise argparse.ArgumentTypeError(
                f"expected at least one value, got {text!r}"
            )
        if rule is not None and not all(rule(v) for v in values):
            raise argparse.ArgumentTypeError(f"{broken}, got {text!r}")
        return values

    return parse


_int_list = _numbers(int, "64,32", lambda v: v >= 1, "expected positive integers")
_float_list = _numbers(
    float, "0.3,0.2", lambda v: 0 <= v < 1, "dropout rates must lie in [0, 1)"
)
_float_values = _numbers(float, "0.001,0.01")


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a number, got {text!r}"
            ) from None
        if not value > 0:
            raise argparse.ArgumentTypeError(
                f"expected a positive number, got {text!r}"
            )
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``axon`` command."""
    parser = argparse.ArgumentParser(
        prog="axon",
        description="Train and inspect dense neural networks built with axon.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser(
        "train",
        help="train the tutorial's Keras model on Iris",
        description="Train the tutorial's model (Dense 64 relu, BatchNorm, Dropout 0.3, "
        "Dense 32 relu, Dropout 0.2, Dense softmax) on Iris, scaled and split as the "
        "tutorial does, then save the model and its history.",
    )
    train.add_argument("--epochs", type=_positive(int), default=100, help="default 100")
    train.add_argument(
        "--batch-size", type=_positive(int), default=16, help="default 16"
    )
    train.add_argument(
        "--learning-rate",
        type=_positive(float),
        default=0.001,
        help="Adam's, default 0.001",
    )
    train.add_argument(
        "--hidden",
        type=_int_list,
        default=[64, 32],
        help="units per hidden layer, default 64,32",
    )
    train.add_argument(
        "--dropout",
        type=_float_list,
        default=[0.3, 0.2],
        help="dropout after each hidden layer (the last value repeats), default 0.3,0.2",
    )
    train.add_argument(
        "--no-batch-norm", action="store_true", help="leave out BatchNormalization"
    )
    train.add_argument(
        "--patience", type=int, default=10, help="EarlyStopping, default 10"
    )
    train.add_argument(
        "--validation-split",
        type=float,
        default=0.2,
        help="default 0.2 (the last rows)",
    )
    train.add_argument("--seed", type=int, default=0, help="random seed, default 0")
    train.add_argument(
        "--output", type=Path, default=None, help="run folder, default runs/iris-<time>"
    )
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1)
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
        type=_float_values,
        default=None,
        help="comma-separated values (default: from too small to too large)",
    )
    sweep.add_argument("--epochs", type=_positive(int), default=60, help="default 60")
    sweep.add_argument("--seed", type=int, default=0, help="random seed, default 0")
    sweep.add_argument(
        "--output",
        type=Path,
        default=None,
        help="folder, default runs/sweep-<name>-<time>",
    )
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
        help="default activations.png",
    )
    return parser


def build_model(
    hidden: list[int], dropout: list[float], batch_norm: bool, n_in: int, n_out: int
) -> Any:
    """The tutorial's architecture, generalised to any hidden sizes."""
    import axon

    stack: list[Any] = [axon.layers.Input((n_in,))]
    for i, units in enumerate(hidden):
        initializer = "he_normal" if i == 0 else "glorot_uniform"
        stack.append(axon.layers.Dense(units, "relu", kernel_initializer=initializer))
        if i == 0 and batch_norm:
            stack.append(axon.layers.BatchNormalization())
        rate = dropout[min(i, len(dropout) - 1)] if dropout else 0.0
        if rate:
            stack.append(axon.layers.Dropout(rate))
    stack.append(axon.layers.Dense(n_out, "softmax"))
    return axon.Sequential(stack)


def load_iris_split(seed: int = 42) -> tuple[Any, Any, Any, Any, list[str]]:
    """Iris scaled and split exactly as the tutorial does (test_size=0.2, seed 42)."""
    try:
        from sklearn.datasets import load_iris
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler
    except ImportError:
        raise SystemExit(
            "axon train needs scikit-learn for the Iris data: pip install 'axon[sklearn]'"
        ) from None
    import axon

    iris = load_iris()
    x = StandardScaler().fit_transform(iris.data)
    y = axon.utils.to_categorical(iris.target, 3)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=seed
    )
    return x_train, x_test, y_train, y_test, list(iris.target_names)


def train(args: argparse.Namespace) -> int:
    """Run ``axon train``."""
    import axon
    from axon import diagnostics

    if not 0 <= args.validation_split < 1:
        print(
            f"axon train: --validation-split must lie in [0, 1), got {args.validation_split}",
            file=sys.stderr,
        )
        return 2
    axon.utils.set_random_seed(args.seed)
    monitor = "val_loss" if args.validation_split > 0 else "loss"
    stopper = axon.callbacks.EarlyStopping(
        monitor=monitor, patience=args.patience, restore_best_weights=True
    )
    monitor_callback = diagnostics.TrainingMonitor()
    x_train, x_test, y_train, y_test, class_names = load_iris_split()
    model = build_model(args.hidden, args.dropout, not args.no_batch_norm, 4, 3)
    model.compile(
        optimizer=axon.optimizers.Adam(learning_rate=args.learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.summary()
    started = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_split=args.validation_split,
        callbacks=[stopper, monitor_callback],
        verbose=args.verbose,
    )
    seconds = time.perf_counter() - started
    split_at = int(len(x_train) * (1 - args.validation_split))  # fit's own split
    results = {
        "training": model.evaluate(
            x_train[:split_at], y_train[:split_at], verbose=0, return_dict=True
        )
    }
    if split_at < len(x_train):
        results["validation"] = model.evaluate(
            x_train[split_at:], y_train[split_at:], verbose=0, return_dict=True
        )
    results["test"] = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    output = args.output or Path("runs") / time.strftime("iris-%Y%m%d-%H%M%S")
    output.mkdir(parents=True, exist_ok=True)
    model_path, history_path = output / "model.axon", output / "history.json"
    model.save(model_path)
    hyperparameters = {
        k: str(v) if isinstance(v, Path) else v
        for k, v in vars(args).items()
        if k != "command"
    }
    findings = [str(f) for f in diagnostics.diagnose(history, monitor_callback)]
    record = {
        **history.to_dict(),
        "results": results,
        "test": results["test"],
        "hyperparameters": hyperparameters,
        "seconds": seconds,
        "diagnostics": findings,
    }
    atomic_write(history_path, lambda f: f.write(json.dumps(record, indent=1).encode()))
    best = history.best_epoch
    print(
        f"Trained {len(history.epoch)} epoch(s) in {seconds:.2f} s"
        + (
            f"; restored the weights of epoch {best + 1} (lowest {monitor})"
            if best is not None
            else ""
        )
    )
    for finding in findings:
        print(f"Look at this: {finding}")
    print(f"Test loss: {results['test']['loss']:.4f}")
    print(f"Test accuracy: {results['test']['accuracy']:.4f}")
    print(f"Saved the model to {model_path}")
    print(f"Saved the history to {history_path}")
    written = write_figures_and_report(
        output,
        model,
        history,
        results,
        hyperparameters,
        (x_test, y_test, class_names),
        findings,
    )
    for path in written:
        print(f"Saved {path}")
    if written:
        print(f"Open the report in a browser: {written[-1].resolve().as_uri()}")
    return 0


def _headless_pyplot() -> Any:
    """Pyplot on the Agg backend (no window), or None when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_figures_and_report(
    output: Path,
    model: Any,
    history: Any,
    results: dict[str, dict[str, float]],
    hyperparameters: dict[str, Any],
    test_data: tuple[Any, Any, list[str]],
    findings: list[str],
) -> list[Path]:
    """Write history.png, confusion_matrix.png and report.html; return their paths."""
    plt = _headless_pyplot()
    if plt is None:
        print("Skipped the figures and report: pip install 'axon[plot]' to get them")
        return []
    from axon import plot, report
    from axon.models.summary import summary_text

    x_test, y_test, class_names = test_data
    figures = {
        "Training history": plot.history(history),
        "Confusion matrix (test data)": plot.confusion_matrix(
            model,
            x_test,
            y_test,
            class_names=class_names,
            title="Confusion Matrix (test)",
        ),
    }
    pngs = {caption: report.figure_png(figure) for caption, figure in figures.items()}
    for figure in figures.values():
        plt.close(figure)
    paths = [output / "history.png", output / "confusion_matrix.png"]
    for path, png in zip(paths, pngs.values(), strict=True):
        atomic_write(path, lambda f, data=png: f.write(data))
    page = report.render(
        "axon train: Iris",
        summary_text(model),
        hyperparameters,
        results,
        pngs,
        notes=findings
        or [
            "Nothing looks wrong: no divergence, overfitting, dead ReLUs or "
            "vanishing gradients were detected."
        ],
    )
    report_path = output / "report.html"
    report.write(report_path, page)
    return [*paths, report_path]


def sweep_command(args: argparse.Namespace) -> int:
    """Run ``axon sweep``."""
    import axon
    from axon import sweep

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
        args.values,
        (x_train, x_test, y_train, y_test),
        build,
        epochs=args.epochs,
        seed=args.seed,
        report=report,
    )
    output = args.output or Path("runs") / time.strftime(
        f"sweep-{args.name}-%Y%m%d-%H%M%S"
    )
    output.mkdir(parents=True, exist_ok=True)
    record = [trial.__dict__ for trial in trials]
    atomic_write(
        output / "sweep.json", lambda f: f.write(json.dumps(record, indent=1).encode())
    )
    print(f"Saved {output / 'sweep.json'}")
    plt = _headless_pyplot()
    if plt is None:
        print("Skipped the figure: pip install 'axon[plot]' to get it")
        return 0
    from axon import report as html_report

    figure = sweep.plot(trials)
    png = html_report.figure_png(figure)
    plt.close(figure)
    atomic_write(output / "sweep.png", lambda f: f.write(png))
    print(f"Saved {output / 'sweep.png'}")
    return 0


def plot_command(args: argparse.Namespace) -> int:
    """Run ``axon plot activations``."""
    plt = _headless_pyplot()
    if plt is None:
        print("axon plot needs matplotlib: pip install 'axon[plot]'", file=sys.stderr)
        return 1
    from axon import plot, report
    from axon.activations import ACTIVATIONS

    unknown = [name for name in args.names or () if name not in ACTIVATIONS]
    if unknown:
        print(
            f"axon plot: unknown activation(s) {', '.join(unknown)}; "
            f"known: {', '.join(ACTIVATIONS.names())}",
            file=sys.stderr,
        )
        return 2
    draw = plot.activation_derivatives if args.derivatives else plot.activations
    figure = draw(args.names or None)
    png = report.figure_png(figure)
    plt.close(figure)
    atomic_write(args.output, lambda f: f.write(png))
    print(f"Saved {args.output}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``axon`` command."""
    args = build_parser().parse_args(argv)
    command = {"train": train, "sweep": sweep_command, "plot": plot_command}[
        args.command
    ]
    try:
        return command(args)
    except (ValueError, TypeError) as error:  # axon's own messages name the problem
        print(f"axon {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"axon {args.command}: cannot write the run: {error}", file=sys.stderr)
        return 1
