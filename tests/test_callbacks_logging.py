"""CSVLogger and LambdaCallback."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.callbacks import CSVLogger, LambdaCallback


def model_and_data() -> tuple[axon.Sequential, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = axon.utils.to_categorical((x[:, 0] > 0).astype(int), 2)
    model = axon.Sequential(
        [axon.layers.Dense(2, activation="softmax", input_shape=(3,))]
    )
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    return model, x, y


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def read_lines(path: Path) -> list[str]:
    return path.read_bytes().decode().splitlines()


def test_csv_rows_are_the_history(tmp_path: Path) -> None:
    model, x, y = model_and_data()
    path = tmp_path / "log.csv"
    history = model.fit(
        x, y, epochs=3, validation_split=0.25, callbacks=[CSVLogger(path)], verbose=0
    )
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == 4  # the csv module's dialect, as Keras writes it
    rows = read_rows(path)
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    for epoch, row in enumerate(rows[1:]):
        assert row[0] == str(epoch)
        for key, cell in zip(rows[0][1:], row[1:], strict=True):
            assert float(cell) == history.history[key][epoch]  # repr: no rounding


def test_csv_without_validation_adds_na_columns(tmp_path: Path) -> None:
    logger = CSVLogger(tmp_path / "log.csv", separator=";")
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.75})
    logger.on_epoch_end(1, {"loss": 0.25, "accuracy": 1.0, "val_loss": 9.0})
    logger.on_train_end()
    assert read_lines(tmp_path / "log.csv") == [
        "epoch;accuracy;loss;val_accuracy;val_loss",
        "0;0.75;0.5;NA;NA",
        "1;1.0;0.25;NA;9.0",
    ]


def test_csv_append_writes_the_header_once(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("")  # an empty file gets a header
    for _ in range(2):
        logger = CSVLogger(path, append=True)
        logger.on_train_begin()
        logger.on_epoch_end(0, {"loss": 1.0})
        logger.on_train_end()
    lines = read_lines(path)
    assert lines == ["epoch,loss,val_loss", "0,1.0,NA", "0,1.0,NA"]
    logger = CSVLogger(path)  # without append: a fresh file
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 2.0})
    logger.on_train_end()
    assert read_lines(path)[1:] == ["0,2.0,NA"]


def test_csv_writes_sequences_as_keras_does(tmp_path: Path) -> None:
    logger = CSVLogger(tmp_path / "log.csv")
    logger.on_epoch_end(0, {"loss": 1.0, "per_class": np.array([0.5, 0.25])})  # type: ignore[dict-item]
    logger.on_epoch_end(1, {"loss": np.float32(0.5), "per_class": "n/a"})  # type: ignore[dict-item]
    logger.on_train_end()
    rows = read_rows(tmp_path / "log.csv")
    assert rows[1] == ["0", "1.0", '"[0.5, 0.25]"', "NA", "NA"]
    assert rows[2][1:3] == ["0.5", "n/a"]


def test_csv_flushes_every_epoch(tmp_path: Path) -> None:
    logger = CSVLogger(tmp_path / "log.csv")
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 1.0})
    assert (tmp_path / "log.csv").read_text().count("\n") == 2  # readable mid-run
    logger.on_train_end()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"filename": 3}, TypeError, "filename=3"),
        ({"filename": "x.csv", "separator": ";;"}, ValueError, "separator=';;'"),
        ({"filename": "x.csv", "separator": 1}, ValueError, "separator=1"),
    ],
)
def test_csv_bad_arguments(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        CSVLogger(**kwargs)


# -- LambdaCallback -----------------------------------------------------------------
def test_lambda_hooks_are_called_with_their_arguments() -> None:
    model, x, y = model_and_data()
    calls: list[tuple[Any, ...]] = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin",)),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(
            ("batch_end", batch, sorted(logs))
        ),
        on_epoch_end=lambda epoch, logs: calls.append(
            ("epoch_end", epoch, logs["loss"])
        ),
        on_train_end=lambda logs: calls.append(("train_end",)),
    )
    history = model.fit(x, y, epochs=2, batch_size=20, callbacks=[callback], verbose=0)
    assert calls == [
        ("train_begin",),
        ("epoch_begin", 0),
        ("batch_begin", 0),
        ("batch_end", 0, ["accuracy", "loss"]),
        ("batch_begin", 1),
        ("batch_end", 1, ["accuracy", "loss"]),
        ("epoch_end", 0, history.history["loss"][0]),
        ("epoch_begin", 1),
        ("batch_begin", 0),
        ("batch_end", 0, ["accuracy", "loss"]),
        ("batch_begin", 1),
        ("batch_end", 1, ["accuracy", "loss"]),
        ("epoch_end", 1, history.history["loss"][1]),
        ("train_end",),
    ]


def test_lambda_batch_aliases_and_missing_hooks() -> None:
    seen: list[int] = []
    callback = LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch))
    callback.on_train_batch_end(4, {})
    callback.on_train_batch_begin(5, {})  # not given: nothing happens
    callback.on_epoch_end(0, {})
    assert seen == [4]


def test_lambda_refuses_unknown_hooks_and_non_functions() -> None:
    with pytest.raises(TypeError, match="no hook 'on_test_begin'"):
        LambdaCallback(on_test_begin=print)
    with pytest.raises(TypeError, match="on_epoch_end=3"):
        LambdaCallback(on_epoch_end=3)  # type: ignore[arg-type]
