"""The diagnostics zoo: broken runs of many kinds, healthy runs, and what diagnose said.

Each *broken* kind is one mistake from the tutorial's hyperparameter table or around
it (a learning rate far too large, Dropout 0.9, features in the thousands...), made
on several data sets (scikit-learn's bundled ones and synthetic tables) with several
seeds. Each *healthy* configuration is a run a careful user would make: the
tutorial's two programs and other reasonable models (other data sets, depths,
optimizers, Dropout, BatchNormalization, EarlyStopping).

For each run it records whether ``axon.diagnostics.diagnose`` named the kind's cause
(recall), whether that cause came first (what a report opens with), and, for healthy
runs, whether any finding at all appeared (a false alarm). ``docs/diagnostics.md``
quotes the table this prints.

    python benchmarks/diagnostics_zoo.py                    # the whole zoo (minutes)
    python benchmarks/diagnostics_zoo.py --offset 100       # held out: seeds 100...
    python benchmarks/diagnostics_zoo.py --save runs.json   # keep every run's record
    python benchmarks/diagnostics_zoo.py --replay runs.json # re-diagnose saved runs
    python benchmarks/diagnostics_zoo.py --jobs 8           # in parallel processes

``tests/test_diagnostics_zoo.py`` runs a fixed, fast subset of the same recipes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

if __name__ == "__main__":
    # One BLAS thread per process: these networks are small, and on a busy machine
    # OpenBLAS's threads wait on each other (measured: a 256-256 network's epoch
    # took 40 times longer with the default threads than with one).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

import axon
from axon import diagnostics

SEEDS = (0, 1, 2, 3, 4)
TUTORIAL_SEEDS = tuple(range(20))


# -- data sets ------------------------------------------------------------------------
@dataclass(frozen=True)
class Data:
    """A split table: standardised inputs, targets in the loss's form."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    raw_train: np.ndarray  # the inputs before scaling
    classes: int  # 0: regression; 2 with one sigmoid output for binary data

    @property
    def features(self) -> int:
        return int(self.x_train.shape[1])


def _split(name: str, x: np.ndarray, labels: np.ndarray, classes: int) -> Data:
    from sklearn.model_selection import train_test_split

    x_train, x_test, l_train, l_test = train_test_split(
        x, labels, test_size=0.2, random_state=42
    )
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-12

    def targets(values: np.ndarray) -> np.ndarray:
        if classes == 0:
            return values.reshape(-1, 1).astype(np.float64)
        if classes == 2:
            return values.reshape(-1, 1).astype(np.float64)
        return axon.utils.to_categorical(values, classes)

    return Data(
        name,
        (x_train - mean) / std,
        targets(l_train),
        (x_test - mean) / std,
        targets(l_test),
        x_train,
        classes,
    )


@cache
def dataset(name: str) -> Data:
    """The data sets of the zoo, by name."""
    from sklearn import datasets

    if name in ("iris", "wine", "digits"):
        bunch = getattr(datasets, f"load_{name}")()
        classes = len(np.unique(bunch.target))
        return _split(name, bunch.data, bunch.target, classes)
    if name == "breast_cancer":
        bunch = datasets.load_breast_cancer()
        return _split(name, bunch.data, bunch.target, 2)
    if name == "blobs":  # a synthetic table: 4 classes, 20 columns, 8 informative
        x, y = datasets.make_classification(
            n_samples=1000,
            n_features=20,
            n_informative=8,
            n_redundant=4,
            n_classes=4,
            class_sep=1.5,
            random_state=0,
        )
        return _split(name, x, y, 4)
    if name == "eight":  # a synthetic table with eight classes
        x, y = datasets.make_classification(
            n_samples=1200,
            n_features=16,
            n_informative=10,
            n_classes=8,
            n_clusters_per_class=1,
            class_sep=2.0,
            random_state=1,
        )
        return _split(name, x, y, 8)
    if name == "noisy":  # few rows, many columns, 15% of labels flipped: overfits
        x, y = datasets.make_classification(
            n_samples=260,
            n_features=40,
            n_informative=6,
            n_classes=2,
            flip_y=0.15,
            random_state=2,
        )
        return _split(name, x, y, 2)
    if name.startswith("imbalanced"):  # 95-97% of one class, the rest barely apart
        variant = {"imbalanced": 0, "imbalanced_wide": 1, "imbalanced_three": 2}[name]
        x, y = datasets.make_classification(
            n_samples=1000,
            n_features=(10, 30, 12)[variant],
            n_informative=3,
            n_classes=(2, 2, 3)[variant],
            n_clusters_per_class=1,
            weights=([0.96], [0.97], [0.95, 0.03])[variant],
            class_sep=0.1,
            random_state=3 + variant,
        )
        return _split(name, x, y, (2, 2, 3)[variant])
    if name == "friedman":  # a regression table
        x, y = datasets.make_friedman1(n_samples=1000, noise=0.5, random_state=4)
        return _split(name, x, (y - y.mean()) / y.std(), 0)
    raise ValueError(f"unknown data set {name!r}")


# -- models ---------------------------------------------------------------------------
def mlp(
    data: Data,
    hidden: tuple[int, ...] = (64, 32),
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: bool = False,
    output: str | None = None,
    **dense: Any,
) -> axon.Sequential:
    """A dense network for ``data``: the output and its width follow the task."""
    model = axon.Sequential([axon.layers.Input((data.features,))])
    for units in hidden:
        model.add(axon.layers.Dense(units, activation=activation, **dense))
        if batch_norm:
            model.add(axon.layers.BatchNormalization())
        if dropout:
            model.add(axon.layers.Dropout(dropout))
    width = 1 if data.classes in (0, 2) else data.classes
    default = {0: "linear", 2: "sigmoid"}.get(data.classes, "softmax")
    model.add(axon.layers.Dense(width, activation=output or default))
    return model


def loss_for(data: Data) -> str:
    return {0: "mse", 2: "binary_crossentropy"}.get(
        data.classes, "categorical_crossentropy"
    )


def metrics_for(data: Data) -> list[str]:
    return [] if data.classes == 0 else ["accuracy"]


@dataclass
class Plan:
    """One run: the model (compiled), the data to fit and how."""

    model: Any
    x: np.ndarray
    y: np.ndarray
    fit: dict[str, Any] = field(default_factory=dict)


def plan(
    data: Data,
    optimizer: Any = None,
    loss: Any = None,
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    epochs: int = 60,
    batch_size: int = 32,
    patience: int | None = 10,
    validation_split: float = 0.2,
    **model: Any,
) -> Plan:
    """Compile ``mlp(data, **model)`` and say how to fit it."""
    network = mlp(data, **model)
    network.compile(
        optimizer=optimizer or axon.optimizers.Adam(1e-3),
        loss=loss or loss_for(data),
        metrics=metrics_for(data),
    )
    callbacks = []
    if patience is not None:
        callbacks.append(
            axon.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)
        )
    return Plan(
        network,
        data.x_train if x is None else x,
        data.y_train if y is None else y,
        {
            "epochs": epochs,
            "batch_size": batch_size,
            "validation_split": validation_split,
            "callbacks": callbacks,
        },
    )


# -- the broken kinds -----------------------------------------------------------------
Recipe = Callable[[Data, int], Plan]


def lr_too_large(data: Data, seed: int) -> Plan:
    return plan(data, axon.optimizers.Adam(1.0), epochs=40, patience=None)


def lr_too_small(data: Data, seed: int) -> Plan:
    return plan(data, axon.optimizers.Adam(1e-6), epochs=40, patience=None)


def too_few_epochs(data: Data, seed: int) -> Plan:
    return plan(data, axon.optimizers.Adam(1e-3), epochs=6, batch_size=32)


def vanishing_gradients(data: Data, seed: int) -> Plan:
    return plan(
        data,
        axon.optimizers.SGD(0.05),
        hidden=(32,) * 8,
        activation="sigmoid",
        epochs=40,
        patience=None,
    )


def exploding_gradients(data: Data, seed: int) -> Plan:
    return plan(
        data,
        axon.optimizers.SGD(0.01),
        hidden=(64,) * 6,
        kernel_initializer=axon.initializers.RandomNormal(stddev=1.0),
        epochs=30,
        patience=None,
    )


def dying_relu(data: Data, seed: int) -> Plan:
    return plan(
        data,
        hidden=(64, 32),
        bias_initializer=axon.initializers.Constant(-4.0),
        epochs=40,
        patience=None,
    )


def with_noisy_labels(data: Data, rows: int, share: float, seed: int) -> tuple:
    """The first ``rows`` training rows with ``share`` of their labels reassigned."""
    rng = np.random.default_rng(seed)
    x, y = data.x_train[:rows], data.y_train[:rows].copy()
    flip = rng.random(len(y)) < share
    if y.shape[1] == 1:
        y[flip, 0] = 1 - y[flip, 0]
    else:
        y[flip] = np.eye(y.shape[1])[rng.integers(0, y.shape[1], flip.sum())]
    return x, y


def overfitting(data: Data, seed: int) -> Plan:
    """A wide network on few rows, a fifth of them mislabelled, trained long."""
    x, y = with_noisy_labels(data, 200, 0.2, seed)
    return plan(
        data, x=x, y=y, hidden=(256, 256), epochs=200, batch_size=16, patience=None
    )


def underfitting(data: Data, seed: int) -> Plan:
    return plan(data, hidden=(2,), activation="tanh", epochs=150, patience=10)


def dropout_too_strong(data: Data, seed: int) -> Plan:
    return plan(data, hidden=(64, 32), dropout=0.9, epochs=60, patience=10)


def inputs_not_scaled(data: Data, seed: int) -> Plan:
    raw = data.raw_train
    if float(np.abs(raw).max()) < 1000:  # make the widest features thousands
        scale = 10.0 ** np.linspace(0, 4, raw.shape[1])
        raw = raw * scale
    return plan(data, x=raw, epochs=60, patience=10)


def output_loss_mismatch(data: Data, seed: int) -> Plan:
    variant = seed % 3
    if data.classes == 2:
        output, loss = ["linear", "relu", "sigmoid"][variant], None
        if variant == 2:
            loss = axon.losses.BinaryCrossentropy(from_logits=True)
    else:
        output = ["linear", "sigmoid", "softmax"][variant]
        loss = (
            axon.losses.CategoricalCrossentropy(from_logits=True)
            if variant == 2
            else "categorical_crossentropy"
        )
    return plan(data, loss=loss, output=output, epochs=60, patience=10)


def sorted_labels(data: Data, seed: int) -> Plan:
    labels = (
        data.y_train.argmax(axis=1) if data.y_train.shape[1] > 1 else data.y_train[:, 0]
    )
    order = np.argsort(labels, kind="stable")
    return plan(
        data, x=data.x_train[order], y=data.y_train[order], epochs=60, patience=10
    )


def majority_class(data: Data, seed: int) -> Plan:
    return plan(data, hidden=(16,), epochs=30, patience=10)


def batch_too_small(data: Data, seed: int) -> Plan:
    """One row per batch, at ten times Adam's usual rate, on overlapping classes."""
    rows = min(len(data.x_train), 300)
    return plan(
        data,
        axon.optimizers.Adam(1e-2),
        x=data.x_train[:rows],
        y=data.y_train[:rows],
        hidden=(8,),
        epochs=20,
        batch_size=1,
        patience=None,
    )


# kind -> (the data sets it is made on, its recipe, the finding that names it)
BROKEN: dict[str, tuple[tuple[str, ...], Recipe]] = {
    "lr_too_large": (("iris", "wine", "digits", "blobs"), lr_too_large),
    "lr_too_small": (("iris", "breast_cancer", "blobs"), lr_too_small),
    "too_few_epochs": (("wine", "digits", "blobs"), too_few_epochs),
    "vanishing_gradients": (("iris", "wine", "blobs"), vanishing_gradients),
    "exploding_gradients": (("iris", "digits", "blobs"), exploding_gradients),
    "dying_relu": (("iris", "breast_cancer", "blobs"), dying_relu),
    "overfitting": (("digits", "noisy", "breast_cancer"), overfitting),
    "underfitting": (("digits", "eight", "blobs"), underfitting),
    "dropout_too_strong": (("wine", "digits", "blobs"), dropout_too_strong),
    "inputs_not_scaled": (("wine", "breast_cancer", "blobs"), inputs_not_scaled),
    "output_loss_mismatch": (("iris", "breast_cancer", "digits"), output_loss_mismatch),
    "sorted_labels": (("iris", "wine", "breast_cancer"), sorted_labels),
    "majority_class": (
        ("imbalanced", "imbalanced_wide", "imbalanced_three"),
        majority_class,
    ),
    "batch_too_small": (("iris", "blobs", "eight"), batch_too_small),
}


# -- the healthy configurations -------------------------------------------------------
def tutorial_keras(data: Data, seed: int) -> Plan:
    """The tutorial's Keras program, as written (examples/02_keras_iris.py)."""
    model = axon.Sequential(
        [
            axon.layers.Dense(
                64, activation="relu", input_shape=(4,), kernel_initializer="he_normal"
            ),
            axon.layers.BatchNormalization(),
            axon.layers.Dropout(0.3),
            axon.layers.Dense(32, activation="relu"),
            axon.layers.Dropout(0.2),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=axon.optimizers.Adam(learning_rate=0.001),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    stop = axon.callbacks.EarlyStopping(patience=10, restore_best_weights=True)
    return Plan(
        model,
        data.x_train,
        data.y_train,
        {
            "epochs": 100,
            "batch_size": 16,
            "validation_split": 0.2,
            "callbacks": [stop],
        },
    )


HEALTHY: dict[str, tuple[tuple[str, ...], Recipe]] = {
    "tutorial Keras program": (("tutorial_iris",), tutorial_keras),
    "wine, 32 relu, Adam": (
        ("wine",),
        lambda d, s: plan(d, hidden=(32,), epochs=150, batch_size=16),
    ),
    # a small batch on a small table, healthy: batch_too_small must leave it alone
    "wine, 32 relu, batch 4": (
        ("wine",),
        lambda d, s: plan(d, hidden=(32,), epochs=150, batch_size=4),
    ),
    "breast cancer, Dropout 0.2, sigmoid": (
        ("breast_cancer",),
        lambda d, s: plan(d, hidden=(32, 16), dropout=0.2, epochs=150),
    ),
    "iris, Dropout 0.5, batch 8": (
        ("iris",),
        lambda d, s: plan(d, hidden=(32, 32), dropout=0.5, epochs=200, batch_size=8),
    ),
    "digits, 128-64, Adam": (
        ("digits",),
        lambda d, s: plan(d, hidden=(128, 64), epochs=60),
    ),
    "blobs, 3 layers, BatchNorm, SGD momentum": (
        ("blobs",),
        lambda d, s: plan(
            d,
            axon.optimizers.SGD(0.01, momentum=0.9),
            hidden=(64, 64, 32),
            batch_norm=True,
            epochs=100,
        ),
    ),
    "eight classes, tanh, RMSprop": (
        ("eight",),
        lambda d, s: plan(
            d,
            axon.optimizers.RMSprop(1e-3),
            hidden=(64, 32),
            activation="tanh",
            epochs=150,
        ),
    ),
    "friedman regression, mse": (
        ("friedman",),
        lambda d, s: plan(d, hidden=(64, 32), epochs=300),
    ),
}


@cache
def tutorial_iris() -> Data:
    """Iris as the tutorial splits it: scaled over all rows, 80/20, seed 42."""
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    iris = load_iris()
    x = StandardScaler().fit_transform(iris.data)
    y = axon.utils.to_categorical(iris.target, 3)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=42
    )
    return Data("tutorial_iris", x_train, y_train, x_test, y_test, iris.data, 3)


def _data(name: str) -> Data:
    return tutorial_iris() if name == "tutorial_iris" else dataset(name)


# -- running and scoring ---------------------------------------------------------------
def run(group: str, kind: str, data_name: str, seed: int) -> dict[str, Any]:
    """Train one run of the zoo and return its record, findings included."""
    if kind == "tutorial NumPy program":
        return _numpy_program(seed)
    recipes = BROKEN if group == "broken" else HEALTHY
    recipe = recipes[kind][1]
    data = _data(data_name)
    axon.utils.set_random_seed(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec = recipe(data, seed)
        monitor = diagnostics.TrainingMonitor()
        started = time.perf_counter()
        history = spec.model.fit(
            spec.x,
            spec.y,
            verbose=0,
            **{**spec.fit, "callbacks": [*spec.fit["callbacks"], monitor]},
        )
        seconds = time.perf_counter() - started
    record = {
        "group": group,
        "kind": kind,
        "data": data_name,
        "seed": seed,
        "seconds": seconds,
        "warnings": sorted({str(w.message)[:80] for w in caught}),
        **history.to_dict(),
    }
    if data.classes and len(data.x_test):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            record["test"] = spec.model.evaluate(
                data.x_test, data.y_test, verbose=0, return_dict=True
            )
    return record


def _numpy_program(seed: int) -> dict[str, Any]:
    """The tutorial's NumPy program: only its loss list exists to be diagnosed."""
    data = tutorial_iris()
    axon.utils.set_random_seed(seed)
    started = time.perf_counter()
    network = axon.NeuralNetwork(input_size=4, hidden_size=16, output_size=3, lr=0.05)
    network.train(data.x_train, data.y_train, epochs=500, verbose=False)
    return {
        "group": "healthy",
        "kind": "tutorial NumPy program",
        "data": "tutorial_iris",
        "seed": seed,
        "seconds": time.perf_counter() - started,
        "warnings": [],
        "history": {"loss": network.losses},
    }


def findings_of(record: dict[str, Any]) -> list[diagnostics.Finding]:
    """Diagnose a saved record (its history and the monitor's record)."""
    history = axon.callbacks.History()
    history.history = record["history"]
    history.best_epoch = record.get("best_epoch")
    history.monitor = record.get("monitor", {})
    return diagnostics.diagnose(history)


def jobs(
    seeds: tuple[int, ...] | None = None, offset: int = 0
) -> list[tuple[str, str, str, int]]:
    """Every run of the zoo: (group, kind, data set, seed), seeds moved by ``offset``."""
    todo = []
    for kind, (names, _) in BROKEN.items():
        for name in names:
            for seed in seeds or SEEDS:
                todo.append(("broken", kind, name, seed + offset))
    for kind, (names, _) in HEALTHY.items():
        tutorial = kind.startswith("tutorial")
        for seed in seeds or (TUTORIAL_SEEDS if tutorial else SEEDS):
            todo.append(("healthy", kind, names[0], seed + offset))
    for seed in seeds or TUTORIAL_SEEDS:
        todo.append(
            ("healthy", "tutorial NumPy program", "tutorial_iris", seed + offset)
        )
    return todo


def _run_job(job: tuple[str, str, str, int]) -> dict[str, Any]:
    return run(*job)


def score(records: list[dict[str, Any]]) -> tuple[list[list[str]], list[list[str]]]:
    """The two tables: recall per broken kind, false alarms per healthy config."""
    broken: dict[str, list[int]] = {}
    others: dict[str, dict[str, int]] = {}
    healthy: dict[str, list[int]] = {}
    alarms: dict[str, dict[str, int]] = {}
    for record in records:
        kinds = [f.kind for f in findings_of(record)]
        record["findings"] = kinds
        if record["group"] == "broken":
            counts = broken.setdefault(record["kind"], [0, 0, 0])
            counts[0] += 1
            counts[1] += record["kind"] in kinds
            counts[2] += bool(kinds) and kinds[0] == record["kind"]
            for other in kinds:
                if other != record["kind"]:
                    tally = others.setdefault(record["kind"], {})
                    tally[other] = tally.get(other, 0) + 1
        else:
            counts = healthy.setdefault(record["kind"], [0, 0])
            counts[0] += 1
            counts[1] += bool(kinds)
            for other in kinds:
                tally = alarms.setdefault(record["kind"], {})
                tally[other] = tally.get(other, 0) + 1
    broken_rows = [
        [
            kind,
            str(runs),
            f"{named}/{runs} ({named / runs:.0%})",
            f"{first}/{runs}",
            ", ".join(f"{k} {n}" for k, n in sorted(others.get(kind, {}).items())),
        ]
        for kind, (runs, named, first) in broken.items()
    ]
    healthy_rows = [
        [
            kind,
            str(runs),
            f"{flagged}/{runs}",
            ", ".join(f"{k} {n}" for k, n in sorted(alarms.get(kind, {}).items())),
        ]
        for kind, (runs, flagged) in healthy.items()
    ]
    return broken_rows, healthy_rows


class _TimedMonitor(diagnostics.TrainingMonitor):
    """The monitor, with the CPU time spent in its own hooks added up."""

    spent = 0.0

    def _timed(name: str) -> Any:  # type: ignore[misc]
        def hook(self: Any, *args: Any, **kwargs: Any) -> None:
            started = time.process_time()
            getattr(diagnostics.TrainingMonitor, name)(self, *args, **kwargs)
            self.spent += time.process_time() - started

        return hook

    on_train_begin = _timed("on_train_begin")
    on_epoch_begin = _timed("on_epoch_begin")
    on_train_batch_begin = _timed("on_train_batch_begin")
    on_train_batch_end = _timed("on_train_batch_end")
    on_epoch_end = _timed("on_epoch_end")
    on_train_end = _timed("on_train_end")


def monitor_cost(repeats: int = 3) -> None:
    """The monitor's cost on an epoch of the large benchmark, in CPU time.

    60,000 x 784 -> 256 -> 128 -> 10, ReLU, batch 128, Adam (benchmarks/bench_large.py).
    CPU time of this process (one BLAS thread), so that other work on a busy machine
    does not count; the runs with and without the monitor are interleaved. Reports
    the epoch's CPU time both ways, and the time spent inside the monitor's hooks.
    """
    rng = np.random.default_rng(0)
    x = rng.random((60_000, 784), dtype=np.float32)
    labels = (x @ rng.normal(size=(784, 10)).astype(np.float32)).argmax(1)
    y = np.eye(10, dtype=np.float32)[labels]
    times: dict[bool, list[float]] = {False: [], True: []}
    inside: list[float] = []
    for _ in range(repeats):
        for watched in (False, True):
            axon.utils.set_random_seed(0)
            model = axon.Sequential(
                [
                    axon.layers.Input((784,)),
                    axon.layers.Dense(256, activation="relu"),
                    axon.layers.Dense(128, activation="relu"),
                    axon.layers.Dense(10, activation="softmax"),
                ]
            )
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            monitor = _TimedMonitor()
            callbacks = [monitor] if watched else []
            started = time.process_time()
            model.fit(x, y, batch_size=128, epochs=1, callbacks=callbacks, verbose=0)
            times[watched].append(time.process_time() - started)
            if watched:
                inside.append(monitor.spent)
    plain, watched_time = np.median(times[False]), np.median(times[True])
    hooks = float(np.median(inside))
    print(
        f"CPU time of an epoch: {plain:.2f} s without the monitor, {watched_time:.2f} s "
        f"with it ({(watched_time - plain) / plain:+.1%}); inside its hooks "
        f"{hooks:.3f} s ({hooks / plain:.2%} of the epoch). Each run: "
        f"{[round(t, 2) for t in times[False]]} / {[round(t, 2) for t in times[True]]}"
    )


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default=None, help="comma-separated seeds")
    parser.add_argument(
        "--offset",
        type=int,
        default=0,
        help="add this to every seed: --offset 100 is the held-out check",
    )
    parser.add_argument("--jobs", type=int, default=1, help="processes")
    parser.add_argument("--save", default=None, help="write every record here")
    parser.add_argument("--replay", default=None, help="diagnose saved records")
    parser.add_argument("--only", default=None, help="comma-separated kinds")
    parser.add_argument(
        "--cost", action="store_true", help="time the monitor on the large benchmark"
    )
    args = parser.parse_args(argv)
    if args.cost:
        monitor_cost()
        return 0
    started = time.perf_counter()
    if args.replay:
        with open(args.replay) as handle:
            records = json.load(handle)
    else:
        seeds = tuple(int(s) for s in args.seeds.split(",")) if args.seeds else None
        todo = jobs(seeds, args.offset)
        if args.only:
            wanted = set(args.only.split(","))
            todo = [job for job in todo if job[1] in wanted]
        if args.jobs > 1:
            from multiprocessing import Pool

            with Pool(args.jobs) as pool:
                records = pool.map(_run_job, todo, chunksize=1)
        else:
            records = []
            for done, job in enumerate(todo, 1):
                records.append(_run_job(job))
                if done % 25 == 0:
                    print(f"  {done}/{len(todo)} runs", file=sys.stderr)
    broken_rows, healthy_rows = score(records)
    print(
        markdown(
            ["broken kind", "runs", "named", "named first", "other findings"],
            broken_rows,
        )
    )
    print()
    print(
        markdown(
            ["healthy configuration", "runs", "runs with a finding", "findings"],
            healthy_rows,
        )
    )
    print(f"\n{len(records)} runs, {time.perf_counter() - started:.0f} s")
    if args.save:
        with open(args.save, "w") as handle:
            json.dump(records, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
