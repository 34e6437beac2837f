"""The tutorial's model as a functional ``axon.Model`` against the same ``Sequential``.

The issue's bar: a functional model costs at most 10% more per training step than its
Sequential twin. Both are the tutorial's network (Dense 64 relu he_normal, BatchNorm,
Dropout 0.3, Dense 32 relu, Dropout 0.2, Dense 3 softmax; Adam 1e-3; categorical
cross-entropy) with the same weights, trained on the tutorial's Iris training rows,
batch 16, shuffled, with the accuracy metric: a user's loop, as ``fit`` runs it. Two
more rows show what a graph with branches costs: the same layers with a second path
(a Dense 32 beside the first), merged by ``concatenate``, and the same with a layer
shared by both paths. Runs alternate between the models, in short runs whose order
rotates, so that the bursts of other work on a busy machine hit them alike; the time
per step is the median run over its steps, next to the fastest run (the least
disturbed) and the Python calls per step (machine-independent: a small network's step
costs its calls; they include fit's own calls, shared out over the run's steps).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from common import format_seconds, table

import axon
from axon import layers
from axon.cli import load_iris_split

EPOCHS, BATCH, BLOCKS = 5, 16, 4  # each repeat: four runs of five epochs per model
COLUMNS = [
    "model",
    "time per step",
    "vs Sequential",
    "fastest run",
    "Python calls per step",
]


def tutorial_layers() -> list[layers.Layer]:
    return [
        layers.Dense(64, activation="relu", kernel_initializer="he_normal"),
        layers.BatchNormalization(),
        layers.Dropout(0.3),
        layers.Dense(32, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(3, activation="softmax"),
    ]


def sequential() -> axon.Model:
    return axon.Sequential([axon.Input((4,)), *tutorial_layers()])


def functional() -> axon.Model:
    x = inputs = axon.Input((4,))
    for layer in tutorial_layers():
        x = layer(x)
    return axon.Model(inputs, x)


def branched(shared: bool = False) -> axon.Model:
    inputs = axon.Input((4,))
    dense, norm, drop, dense_2, drop_2, out = tutorial_layers()
    h = drop(norm(dense(inputs)))
    side = dense_2 if shared else layers.Dense(32, activation="relu")
    merged = layers.concatenate([drop_2(dense_2(h)), side(h)])
    return axon.Model(inputs, out(merged))


def calls_per_step(model: axon.Model, x: Any, y: Any, steps: int) -> float:
    count = [0]

    def profile(frame: Any, event: str, arg: Any) -> None:
        count[0] += event == "call"

    sys.setprofile(profile)
    try:
        model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, verbose=0)
    finally:
        sys.setprofile(None)
    return count[0] / steps


def run(repeats: int) -> list[dict[str, Any]]:
    x_train, _, y_train, _, _ = load_iris_split()
    steps = EPOCHS * -(-len(x_train) // BATCH)
    builders: dict[str, Callable[[], axon.Model]] = {
        "Sequential": sequential,
        "functional Model, same chain": functional,
        "functional, a branch and concatenate": branched,
        "functional, a shared layer on both paths": lambda: branched(shared=True),
    }
    axon.utils.set_random_seed(0)
    models = {name: build() for name, build in builders.items()}
    start_weights = models["Sequential"].get_weights()
    models["functional Model, same chain"].set_weights(start_weights)
    for model in models.values():
        model.compile(
            optimizer=axon.optimizers.Adam(0.001),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        model.fit(x_train, y_train, epochs=1, batch_size=BATCH, verbose=0)  # warm
    times: dict[str, list[float]] = {name: [] for name in models}
    names = list(models)
    for block in range(repeats * BLOCKS):
        # Short runs, the order rotated each time: on a busy machine the load comes
        # and goes in bursts, and a fixed order would hand them to one model.
        shift = block % len(names)
        for name in names[shift:] + names[:shift]:
            begin = time.perf_counter()
            models[name].fit(
                x_train, y_train, epochs=EPOCHS, batch_size=BATCH, verbose=0
            )
            times[name].append((time.perf_counter() - begin) / steps)
    base = statistics.median(times["Sequential"])
    fastest = min(times["Sequential"])
    calls = {n: calls_per_step(m, x_train, y_train, steps) for n, m in models.items()}
    rows = []
    for name, measured in times.items():
        seconds = statistics.median(measured)
        rows.append(
            {
                "model": name,
                "time per step": format_seconds(seconds),
                "seconds": seconds,
                "vs Sequential": f"{seconds / base - 1:+.1%}",
                "fastest run": f"{format_seconds(min(measured))} "
                f"({min(measured) / fastest - 1:+.1%})",
                "Python calls per step": f"{calls[name]:.1f} "
                f"({calls[name] - calls['Sequential']:+.1f})",
            }
        )
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    rows = run(parser.parse_args().repeats)
    print(table(rows, COLUMNS))
