"""``axon train``: the tutorial's Keras model on Iris, or on any table.

With no DATA (or ``iris`` and no table option) it trains the tutorial's model on Iris
as the tutorial does. The saved model takes raw measurements: its first layer is a
``Normalization`` that holds the scaler's mean and variance, and the file's metadata
holds the class and feature names, so ``load_model(path).predict(raw_rows)`` is right.

With a file or another data set (or any of ``--target``, ``--task``, ``--drop``,
``--test-size``, ``--class-weight``) it is a thin shell over
:func:`axon.tabular.fit_table`: the column table, the task's scores, the model with
its preprocessing, the history and the report.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from axon.cli import options
from axon.cli.runs import UsageError, headless_pyplot, run_folder
from axon.models.saving import atomic_write

TABLE_OPTIONS = ("target", "task", "drop", "test_size", "class_weight")

NOTHING_WRONG = (
    "Nothing looks wrong: the learning rate, the epochs, the gradients, dead or "
    "saturated units, overfitting and underfitting, Dropout, the batch size, the "
    "inputs' scale, the output and the loss, the labels' order and the classes' "
    "balance were all checked."
)


def add_parser(commands: Any) -> None:
    """Register ``axon train`` and its options."""
    from axon.tabular.datasets import BUILTIN

    train = commands.add_parser(
        "train",
        help="train the tutorial's Keras model on Iris or on your own table",
        description="Train the tutorial's model (Dense 64 relu, BatchNorm, Dropout 0.3, "
        "Dense 32 relu, Dropout 0.2, Dense softmax) on Iris, scaled and split as the "
        "tutorial does, then save the model and its history. Given a table (DATA "
        "--target COLUMN), prepare its columns, infer the task from the target, train "
        "a network whose settings are chosen from the table (each option you give "
        "wins; --preset tutorial: the tutorial's), refit it on every training row "
        "for the epochs early stopping found, and report the task's scores.",
    )
    train.add_argument(
        "data",
        nargs="?",
        default=None,
        metavar="DATA",
        help="a CSV, TSV or Parquet file, or a scikit-learn data set: iris (the "
        f"default), {', '.join(BUILTIN[1:])}",
    )
    train.add_argument(
        "--target",
        default=None,
        help="the column to predict (a data set's is 'target')",
    )
    train.add_argument(
        "--task",
        choices=("auto", "classification", "regression"),
        default=None,
        help="default auto: classification for text, booleans or at most 20 whole "
        "numbers, else regression",
    )
    train.add_argument(
        "--drop",
        type=column_names,
        default=None,
        metavar="COL,...",
        help="columns to leave out",
    )
    train.add_argument(
        "--test-size",
        type=options.fraction,
        default=None,
        help="share of the rows held out for the test scores, default 0.2 "
        "(stratified for classification)",
    )
    train.add_argument(
        "--class-weight",
        choices=("balanced",),
        default=None,
        help="weigh each class by n / (classes * count)",
    )
    # A table run chooses what is not given from the data (axon.tabular.defaults);
    # the Iris quick start and --preset tutorial use the tutorial's values.
    tutorial = "; the tutorial's {} on Iris or with --preset tutorial"
    train.add_argument(
        "--preset",
        choices=("tutorial",),
        default=None,
        help="tutorial: the tutorial's network and training on a table too (64,32, "
        "Dropout 0.3,0.2, BatchNorm, batch 16, Adam 1e-3, early stopping, no refit)",
    )
    train.add_argument(
        "--epochs",
        type=options.positive(int),
        default=None,
        help="the most epochs; a table's default 1000 with early stopping"
        + tutorial.format(100),
    )
    train.add_argument(
        "--batch-size",
        type=options.positive(int),
        default=None,
        help="default about a tenth of a table's rows" + tutorial.format(16),
    )
    train.add_argument(
        "--learning-rate",
        type=options.positive(float),
        default=None,
        help="default 0.003 for classes, 0.001 for regression" + tutorial.format(0.001),
    )
    train.add_argument(
        "--weight-decay",
        type=options.non_negative,
        default=None,
        help="AdamW's decoupled weight decay (0: Adam); a table's default 0.01"
        + tutorial.format(0),
    )
    train.add_argument(
        "--hidden",
        type=options.int_list,
        default=None,
        help="units per hidden layer; a table's default 256 (two layers from "
        "10,000 rows)" + tutorial.format("64,32"),
    )
    train.add_argument(
        "--dropout",
        type=options.rate_list,
        default=None,
        help="dropout after each hidden layer: one rate for all, or one per layer; "
        "a table's default 0.2 for classes, 0.3 for regression"
        + tutorial.format("0.3,0.2"),
    )
    train.add_argument(
        "--no-batch-norm",
        action="store_const",
        const=True,
        default=None,
        help="leave out BatchNormalization (a table leaves it out by default)",
    )
    train.add_argument(
        "--patience",
        type=options.integer,
        default=None,
        help="EarlyStopping; a table's default 20" + tutorial.format(10),
    )
    train.add_argument(
        "--validation-split",
        type=options.fraction,
        default=None,
        help="rows that find the epochs, default 0.2 (the tutorial: the last rows)",
    )
    train.add_argument(
        "--budget",
        type=options.positive(float),
        default=None,
        metavar="SECONDS",
        help="first search the learning rate, width and Dropout for about this long "
        "(successive halving, progress shown), then train the best",
    )
    train.add_argument(
        "--workers",
        type=options.positive(int),
        default=None,
        help="with --budget: search on a local Dask cluster of this many workers",
    )
    train.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="with --budget: search on the Dask cluster of this scheduler",
    )
    train.add_argument(
        "--no-refit",
        action="store_const",
        const=False,
        default=None,
        dest="refit",
        help="keep the early-stopped network instead of retraining on every "
        "training row for the epochs found (a table's default)",
    )
    train.add_argument(
        "--seed", type=options.integer, default=0, help="random seed, default 0"
    )
    train.add_argument(
        "--output",
        type=Path,
        default=None,
        help="run folder (new or empty), default runs/iris-<time>",
    )
    train.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=1,
        help="0 quiet, 1 a live progress bar (a line per epoch when not on a "
        "terminal), 2 a line per epoch; default 1",
    )


def column_names(text: str) -> list[str]:
    """``"id,notes"`` -> ``["id", "notes"]``; an empty name is refused as typed."""
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated column names such as id,notes with no empty "
            f"item, got {text!r}"
        )
    return names


def dropout_rates(dropout: list[float], hidden: list[int]) -> list[float]:
    """One rate per hidden layer: a single value applies to all, else one each."""
    if len(dropout) == 1:
        return dropout * len(hidden)
    if len(dropout) != len(hidden):
        raise UsageError(
            f"--dropout has {len(dropout)} rates ({','.join(map(str, dropout))}) for "
            f"{len(hidden)} hidden layers ({','.join(map(str, hidden))}): give one "
            "rate for all or one per layer"
        )
    return dropout


def build_model(
    hidden: list[int],
    dropout: list[float],
    batch_norm: bool,
    n_in: int,
    n_out: int,
    scaler: tuple[Any, Any] | None = None,
) -> Any:
    """The tutorial's architecture, generalised to any hidden sizes.

    ``dropout`` holds one rate per hidden layer (the last repeats when short); with
    ``scaler=(mean, variance)`` the model starts with a ``Normalization`` layer, so it
    takes unscaled inputs.
    """
    from axon.tabular.model import network

    return network(n_in, n_out, "softmax", hidden, dropout, batch_norm, scaler)


def load_iris_split(
    seed: int = 42, scaled: bool = True
) -> tuple[Any, Any, Any, Any, list[str]]:
    """Iris split exactly as the tutorial does (test_size=0.2, seed 42).

    With ``scaled`` (the tutorial's way) the features are standardised over all rows
    first; without, they are the raw measurements in centimetres.
    """
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
    x = StandardScaler().fit_transform(iris.data) if scaled else iris.data
    y = axon.utils.to_categorical(iris.target, 3)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=seed
    )
    return x_train, x_test, y_train, y_test, list(iris.target_names)


def iris_scaler() -> tuple[Any, Any]:
    """The tutorial's StandardScaler statistics: mean and variance over all 150 rows."""
    from sklearn.datasets import load_iris

    data = load_iris().data
    return data.mean(axis=0), data.var(axis=0)


def is_table_run(args: argparse.Namespace) -> bool:
    """Anything but the tutorial's Iris run: a file, another data set, a table option."""
    return args.data not in (None, "iris") or any(
        getattr(args, name) is not None for name in TABLE_OPTIONS
    )


def tutorial_defaults(args: argparse.Namespace) -> None:
    """Fill the options not given with the tutorial's values (the Iris quick start)."""
    from axon.tabular.defaults import TUTORIAL

    for name, value in TUTORIAL.items():
        if getattr(args, name, None) is None:
            setattr(args, name, value)
    if args.no_batch_norm is None:
        args.no_batch_norm = not TUTORIAL["batch_norm"]


def run(args: argparse.Namespace) -> int:
    """Run ``axon train``."""
    import axon
    from axon import diagnostics

    if (args.workers or args.scheduler) and not args.budget:
        raise UsageError("--workers and --scheduler run the --budget search: add it")
    if is_table_run(args) or args.budget:
        from axon.cli.train_table import run_table

        return run_table(args)
    tutorial_defaults(args)
    rates = dropout_rates(args.dropout, args.hidden)
    output = run_folder(args.output, "iris")  # checked before any training
    axon.utils.set_random_seed(args.seed)
    monitor = "val_loss" if args.validation_split > 0 else "loss"
    stopper = axon.callbacks.EarlyStopping(
        monitor=monitor, patience=args.patience, restore_best_weights=True
    )
    monitor_callback = diagnostics.TrainingMonitor()
    x_train, x_test, y_train, y_test, class_names = load_iris_split(scaled=False)
    model = build_model(
        args.hidden, rates, not args.no_batch_norm, 4, 3, scaler=iris_scaler()
    )
    model.metadata = {
        "class_names": class_names,
        "feature_names": [
            "sepal length (cm)",
            "sepal width (cm)",
            "petal length (cm)",
            "petal width (cm)",
        ],
        "inputs": "raw measurements; the model's Normalization layer scales them",
    }
    model.compile(
        optimizer=axon.optimizers.AdamW(
            learning_rate=args.learning_rate, weight_decay=args.weight_decay
        )
        if args.weight_decay
        else axon.optimizers.Adam(learning_rate=args.learning_rate),
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


def write_figures_and_report(
    output: Path,
    model: Any,
    history: Any,
    results: dict[str, dict[str, float]],
    hyperparameters: dict[str, Any],
    test_data: tuple[Any, Any, list[str]],
    findings: list[str],
) -> list[Path]:
    """Write history.png, confusion_matrix.png, inside_network.png and report.html.

    Returns their paths. The report opens with the findings (or that nothing looks
    wrong) and ends with what the monitor saw inside the network.
    """
    plt = headless_pyplot()
    if plt is None:
        print("Skipped the figures and report: pip install 'axon[plot]' to get them")
        return []
    from axon import plot, report
    from axon.diagnostics.figures import INPUT_HEADER, input_rows
    from axon.models.summary import summary_text

    x_test, y_test, class_names = test_data
    figures = {
        "Training history": plot.history(history),
        "Confusion matrix (test data)": plot.confusion_matrix(
            model, x_test, y_test, class_names=class_names, title="Test data"
        ),
    }
    paths = [output / "history.png", output / "confusion_matrix.png"]
    if history.monitor:  # what the TrainingMonitor recorded, per layer and epoch
        figures["Inside the network"] = plot.inside_network(history)
        paths.append(output / "inside_network.png")
    pngs = {caption: report.figure_png(figure) for caption, figure in figures.items()}
    for figure in figures.values():
        plt.close(figure)
    for path, png in zip(paths, pngs.values(), strict=True):
        atomic_write(path, lambda f, data=png: f.write(data))
    inputs = input_rows(history) if history.monitor else []
    tables = {"Inputs the first layer saw": (INPUT_HEADER, inputs)} if inputs else None
    page = report.render(
        "axon train: Iris",
        summary_text(model),
        hyperparameters,
        results,
        pngs,
        notes=findings or [NOTHING_WRONG],
        tables=tables,
    )
    report_path = output / "report.html"
    report.write(report_path, page)
    return [*paths, report_path]
