"""The callbacks against Keras 3's own (PyTorch backend), fed the same logs.

Each pair sees the same sequence of monitored values; their decisions (learning
rates, saves, CSV rows) and their printed messages must be the same.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import axon
from axon import callbacks as axon_callbacks

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")

# Keras's torch backend raises NumPy 2 copy-keyword deprecations from inside Keras.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Holder:
    """A model stand-in with an optimizer and a save that records its paths."""

    def __init__(self, optimizer: Any) -> None:
        self.optimizer = optimizer
        self.stop_training = False
        self.saved: list[str] = []

    def save(self, path: str, **kwargs: Any) -> None:
        self.saved.append(path)

    save_weights = save


def drive(
    callback: Any, optimizer: Any, values: list[float], key: str, hook: str
) -> tuple[list[dict[str, float]], list[str], Holder]:
    model = Holder(optimizer)
    callback.set_model(model)
    callback.on_train_begin()
    logged = []
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        logs = {key: value}
        getattr(callback, hook)(epoch, logs)
        logged.append(logs)
    return logged, model.saved, model


PLATEAU_VALUES = [1.0, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.79995, 0.8, 0.7, 0.7]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"factor": 0.5, "patience": 1},
        {"factor": 0.5, "patience": 2, "cooldown": 2},
        {"factor": 0.5, "patience": 0, "cooldown": 1, "min_lr": 0.125},
        {"factor": 0.25, "patience": 1, "min_delta": 0.05},
        {"monitor": "val_accuracy", "factor": 0.5, "patience": 1, "mode": "min"},
    ],
)
def test_reduce_lr_on_plateau_matches_keras(
    kwargs: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    key = kwargs.get("monitor", "val_loss")
    ours = axon_callbacks.ReduceLROnPlateau(verbose=1, **kwargs)
    our_logs, _, our_model = drive(
        ours, axon.optimizers.SGD(1.0), PLATEAU_VALUES, key, "on_epoch_end"
    )
    our_out = capsys.readouterr().out
    theirs = keras.callbacks.ReduceLROnPlateau(verbose=1, **kwargs)
    their_logs, _, their_model = drive(
        theirs, keras.optimizers.SGD(1.0), PLATEAU_VALUES, key, "on_epoch_end"
    )
    assert our_logs == their_logs
    assert our_out == capsys.readouterr().out and "reducing" in our_out
    assert our_model.optimizer.learning_rate == float(
        their_model.optimizer.learning_rate.numpy()
    )


def test_learning_rate_scheduler_matches_keras(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def schedule(epoch: int, lr: float) -> float:
        return lr if epoch < 2 else lr / 4

    runs = []
    for module, optimizers in (
        (axon_callbacks, axon.optimizers),
        (keras.callbacks, keras.optimizers),
    ):
        callback = module.LearningRateScheduler(schedule, verbose=1)
        logged, _, _ = drive(
            callback, optimizers.SGD(2.0), [0.0] * 5, "loss", "on_epoch_end"
        )
        runs.append((logged, capsys.readouterr().out))
    assert runs[0] == runs[1]
    assert runs[0][0][-1]["learning_rate"] == 2.0 / 64


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"save_best_only": True},
        {"save_best_only": True, "monitor": "val_accuracy", "mode": "max"},
        {"save_best_only": True, "initial_value_threshold": 0.85},
        {"save_best_only": True, "mode": "max"},
    ],
)
def test_model_checkpoint_matches_keras(
    kwargs: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    values = [0.9, 0.8, 0.85, 0.7, 0.7, 0.95, 0.6]
    key = kwargs.get("monitor", "val_loss")
    results = []
    for module in (axon_callbacks, keras.callbacks):
        callback = module.ModelCheckpoint("ckpt-{epoch:02d}.keras", verbose=1, **kwargs)
        _, saved, _ = drive(callback, None, values, key, "on_epoch_end")
        results.append((saved, capsys.readouterr().out))
    assert results[0] == results[1]
    assert results[0][0]  # it saved something


def test_model_checkpoint_batch_frequency_matches_keras() -> None:
    results = []
    for module in (axon_callbacks, keras.callbacks):
        callback = module.ModelCheckpoint(
            "b-{epoch}-{batch}.weights.h5", save_weights_only=True, save_freq=3
        )
        model = Holder(None)
        callback.set_model(model)
        callback.on_train_begin()
        for epoch in range(3):
            callback.on_epoch_begin(epoch)
            for batch in range(4):
                callback.on_train_batch_end(batch, {"loss": 1.0})
            callback.on_epoch_end(epoch, {"loss": 1.0})
        results.append(model.saved)
    assert (
        results[0]
        == results[1]
        == [
            "b-1-3.weights.h5",
            "b-2-2.weights.h5",
            "b-3-1.weights.h5",
            "b-3-4.weights.h5",
        ]
    )


def test_csv_logger_matches_keras(tmp_path: Path) -> None:
    epochs = [
        {"loss": 0.5, "accuracy": 0.75, "learning_rate": 0.01},
        {"loss": 0.25, "accuracy": 1.0, "learning_rate": 0.001},
    ]
    contents = []
    for module, separator, append in [
        (axon_callbacks, ";", False),
        (keras.callbacks, ";", False),
    ]:
        path = tmp_path / f"{module.__name__}.csv"
        for _ in range(2):  # a second run appends (or overwrites)
            logger = module.CSVLogger(str(path), separator=separator, append=append)
            logger.on_train_begin()
            for epoch, logs in enumerate(epochs):
                logger.on_epoch_end(epoch, dict(logs))
            logger.on_train_end()
            append = True
        contents.append(path.read_bytes())
    assert contents[0] == contents[1]
    assert contents[0].count(b"epoch;") == 1
