"""The tutorial's Keras configuration on Iris: fit 100 epochs, batch 16, validation 0.2.

Same architecture everywhere (Dense 64 relu he_normal, BatchNorm, Dropout 0.3, Dense 32
relu, Dropout 0.2, Dense 3 softmax; Adam 1e-3; categorical cross-entropy), 100 full
epochs (no early stopping, so every framework does the same work), validation loss and
accuracy computed after every epoch. scikit-learn's MLPClassifier has no BatchNorm or
Dropout and no validation pass: it is a floor, not a twin.
"""

from __future__ import annotations

import argparse
import statistics
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from common import interleaved, median_time, peer, ratio_rows, table, torch_epoch

import axon
from axon.cli import load_iris_split

EPOCHS, BATCH = 100, 16


def keras_api_fit(lib: Any, data: tuple, accuracies: list[float]) -> Callable[[], None]:
    """The tutorial's program, for axon or Keras: both speak the same API."""
    x_train, x_test, y_train, y_test, _ = data

    def fit() -> None:
        model = lib.Sequential(
            [
                lib.layers.Input((4,)),
                lib.layers.Dense(64, activation="relu", kernel_initializer="he_normal"),
                lib.layers.BatchNormalization(),
                lib.layers.Dropout(0.3),
                lib.layers.Dense(32, activation="relu"),
                lib.layers.Dropout(0.2),
                lib.layers.Dense(3, activation="softmax"),
            ]
        )
        model.compile(
            optimizer=lib.optimizers.Adam(0.001),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        model.fit(
            x_train,
            y_train,
            epochs=EPOCHS,
            batch_size=BATCH,
            validation_split=0.2,
            verbose=0,
        )
        accuracies.append(model.evaluate(x_test, y_test, verbose=0)[1])

    return fit


def keras_fit(data: tuple, repeats: int) -> tuple[float, float] | None:
    keras = peer("keras")
    if keras is None:
        return None
    accuracies: list[float] = []
    seconds = median_time(keras_api_fit(keras, data, accuracies), repeats)
    return seconds, statistics.median(accuracies)


def torch_fit(data: tuple, accuracies: list[float]) -> Callable[[], None] | None:
    torch = peer("torch")
    if torch is None:
        return None
    x_train, x_test, y_train, y_test, _ = data
    split = int(len(x_train) * 0.8)
    xt = torch.tensor(x_train[:split], dtype=torch.float32)
    yt = torch.tensor(y_train[:split].argmax(1))
    xv = torch.tensor(x_train[split:], dtype=torch.float32)
    yv = torch.tensor(y_train[split:].argmax(1))

    def fit() -> None:
        net = torch.nn.Sequential(
            torch.nn.Linear(4, 64),
            torch.nn.ReLU(),
            torch.nn.BatchNorm1d(64, momentum=0.01, eps=1e-3),
            torch.nn.Dropout(0.3),
            torch.nn.Linear(64, 32),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(32, 3),
        )
        torch.nn.init.kaiming_normal_(net[0].weight)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        loss_fn = torch.nn.CrossEntropyLoss()
        for _ in range(EPOCHS):
            net.train()
            torch_epoch(torch, net, opt, loss_fn, xt, yt, BATCH)
            net.eval()
            with torch.no_grad():
                out = net(xv)
                loss_fn(out, yv).item()
                (out.argmax(1) == yv).float().mean().item()
        with torch.no_grad():
            pred = net(torch.tensor(x_test, dtype=torch.float32)).argmax(1).numpy()
        accuracies.append(float((pred == y_test.argmax(1)).mean()))

    return fit


def sklearn_fit(data: tuple, repeats: int) -> tuple[float, float] | None:
    if peer("sklearn") is None:
        return None
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x_train, x_test, y_train, y_test, _ = data
    split = int(len(x_train) * 0.8)
    accuracies = []

    def fit() -> None:
        clf = MLPClassifier(
            (64, 32),
            batch_size=BATCH,
            max_iter=EPOCHS,
            solver="adam",
            learning_rate_init=1e-3,
            tol=0,
            n_iter_no_change=10**9,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(x_train[:split], y_train[:split].argmax(1))
        accuracies.append(float((clf.predict(x_test) == y_test.argmax(1)).mean()))

    return median_time(fit, repeats), statistics.median(accuracies)


def run(repeats: int) -> list[dict[str, object]]:
    data = load_iris_split()
    for array in data[:4]:
        assert array.dtype == np.float64 or array.dtype == np.float32
    # axon and the PyTorch loop take turns, so that the load's drift hits both alike
    # (their ratio moved between 1/6 and 1/11 when each was timed in a block of its
    # own); a round is five axon fits, then one PyTorch fit.
    accuracies: dict[str, list[float]] = {"axon": [], "torch": []}
    axon_fit = keras_api_fit(axon, data, accuracies["axon"])
    fns = {"axon": lambda: [axon_fit() for _ in range(5)]}
    pytorch = torch_fit(data, accuracies["torch"])
    if pytorch is not None:
        fns["torch"] = pytorch
    times = interleaved(fns, max(3, repeats // 2))
    results: dict[str, tuple[float, float] | None] = {
        "axon": (times["axon"] / 5, statistics.median(accuracies["axon"])),
        "keras 3 (torch backend)": keras_fit(data, max(3, repeats // 5)),
        "pytorch loop (hand-written)": None
        if pytorch is None
        else (times["torch"], statistics.median(accuracies["torch"])),
        "scikit-learn MLPClassifier (no BN/dropout/val)": sklearn_fit(data, repeats),
    }
    rows = ratio_rows({name: r[0] if r else None for name, r in results.items()})
    for row in rows:
        row["test accuracy"] = f"{results[row['framework']][1]:.4f}"  # type: ignore[index]
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=25)
    rows = run(parser.parse_args().repeats)
    print(table(rows, ["framework", "time", "axon / peer", "test accuracy"]))
