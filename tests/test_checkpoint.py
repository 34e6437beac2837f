from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.callbacks import ModelCheckpoint, TerminateOnNaN


def model_and_data() -> tuple[axon.Sequential, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3))
    y = axon.utils.to_categorical((x[:, 0] > 0).astype(int), 2)
    model = axon.Sequential(
        [axon.layers.Dense(2, activation="softmax", input_shape=(3,))]
    )
    model.compile(
        optimizer=axon.optimizers.Adam(0.05),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model, x, y


def test_saves_every_epoch_with_the_pattern_filled_in(tmp_path: Path) -> None:
    model, x, y = model_and_data()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.3f}.axon")
    checkpoint = ModelCheckpoint(pattern)
    history = model.fit(
        x, y, epochs=3, validation_split=0.25, callbacks=[checkpoint], verbose=0
    )
    names = sorted(p.name for p in tmp_path.iterdir())
    expected = [
        f"ckpt-{e + 1:02d}-{history.history['val_loss'][e]:.3f}.axon" for e in range(3)
    ]
    assert names == sorted(expected)
    last = axon.models.load_model(tmp_path / expected[-1])
    for a, b in zip(last.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_save_best_only_keeps_the_best_epoch(tmp_path: Path) -> None:
    model, x, y = model_and_data()
    path = tmp_path / "best.axon"
    checkpoint = ModelCheckpoint(str(path), monitor="val_accuracy", save_best_only=True)

    class Snapshot(axon.callbacks.Callback):
        weights: list[list[np.ndarray]] = []  # noqa: RUF012

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.weights.append(self.model.get_weights())

    snapshot = Snapshot()
    history = model.fit(
        x,
        y,
        epochs=6,
        validation_split=0.25,
        callbacks=[checkpoint, snapshot],
        verbose=0,
    )
    accuracies = history.history["val_accuracy"]
    best = int(np.argmax(accuracies))  # the first epoch that reached the maximum
    saved = axon.models.load_model(path).get_weights()
    np.testing.assert_array_equal(saved[0], snapshot.weights[best][0])
    assert len(checkpoint.saved) == len(
        {i for i in range(6) if accuracies[i] > max(accuracies[:i], default=-1)}
    )


def test_save_weights_only_writes_a_weights_file(tmp_path: Path) -> None:
    model, x, y = model_and_data()
    path = tmp_path / "weights.axon"
    model.fit(
        x,
        y,
        epochs=1,
        callbacks=[ModelCheckpoint(str(path), save_weights_only=True)],
        verbose=0,
    )
    twin, _, _ = model_and_data()
    twin.load_weights(str(path))
    np.testing.assert_array_equal(twin.get_weights()[0], model.get_weights()[0])
    assert axon.models.load_model(path).optimizer is None  # no compile settings inside


def test_a_pattern_naming_a_missing_key_is_explained(tmp_path: Path) -> None:
    model, x, y = model_and_data()
    checkpoint = ModelCheckpoint(str(tmp_path / "{val_auc}.axon"))
    with pytest.raises(ValueError, match=r"cannot fill in filepath=.*val_auc"):
        model.fit(x, y, epochs=1, callbacks=[checkpoint], verbose=0)


def test_terminate_on_nan_stops_at_the_first_bad_batch(
    capsys: pytest.CaptureFixture[str],
) -> None:
    callback = TerminateOnNaN()

    class Model:
        stop_training = False

    callback.set_model(Model())  # type: ignore[arg-type]
    callback.on_train_batch_end(0, {"loss": 1.0})
    assert not callback.model.stop_training
    callback.on_train_batch_end(1, {"loss": float("nan")})
    assert callback.model.stop_training
    assert "Batch 1: invalid loss" in capsys.readouterr().out


class Recorder:
    """A model stand-in that records what ModelCheckpoint asks it to save."""

    stop_training = False

    def __init__(self) -> None:
        self.saved: list[tuple[str, str]] = []

    def save(self, path: str) -> None:
        self.saved.append(("model", path))

    def save_weights(self, path: str) -> None:
        self.saved.append(("weights", path))


def feed(
    checkpoint: ModelCheckpoint, values: list[float], key: str = "val_loss"
) -> Recorder:
    model = Recorder()
    checkpoint.set_model(model)  # type: ignore[arg-type]
    checkpoint.on_train_begin()
    for epoch, value in enumerate(values):
        checkpoint.on_epoch_begin(epoch)
        checkpoint.on_epoch_end(epoch, {key: value})
    return model


def test_save_freq_in_batches_fills_in_epoch_and_batch(tmp_path: Path) -> None:
    model, x, y = model_and_data()  # 60 training rows: 4 batches of 16 per epoch
    pattern = str(tmp_path / "b-{epoch}-{batch}.axon")
    checkpoint = ModelCheckpoint(pattern, save_freq=3)
    model.fit(
        x,
        y,
        epochs=2,
        batch_size=16,
        validation_split=0.25,
        callbacks=[checkpoint],
        verbose=0,
    )
    # batches are counted across epochs, as in Keras: the 3rd and the 6th
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b-1-3.axon", "b-2-2.axon"]


def test_save_best_only_messages_are_keras_messages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    checkpoint = ModelCheckpoint(
        "best.keras", save_best_only=True, verbose=1, initial_value_threshold=0.5
    )
    model = feed(checkpoint, [0.6, 0.4, 0.45, float("nan"), 0.3])
    assert model.saved == [("model", "best.keras")] * 2
    assert capsys.readouterr().out == (
        "\nEpoch 1: val_loss did not improve from 0.50000\n"
        "\nEpoch 2: val_loss improved from 0.50000 to 0.40000, saving model to "
        "best.keras\n"
        "\nEpoch 2: finished saving model to best.keras\n"
        "\nEpoch 3: val_loss did not improve from 0.40000\n"
        "\nEpoch 4: val_loss did not improve from 0.40000\n"
        "\nEpoch 5: val_loss improved from 0.40000 to 0.30000, saving model to "
        "best.keras\n"
        "\nEpoch 5: finished saving model to best.keras\n"
    )
    assert checkpoint.best == 0.3


def test_every_epoch_messages(capsys: pytest.CaptureFixture[str]) -> None:
    model = feed(
        ModelCheckpoint("w-{epoch}.weights.h5", save_weights_only=True, verbose=1),
        [1.0],
    )
    assert model.saved == [("weights", "w-1.weights.h5")]
    assert capsys.readouterr().out == (
        "\nEpoch 1: saving model to w-1.weights.h5\n"
        "\nEpoch 1: finished saving model to w-1.weights.h5\n"
    )


def test_best_only_without_the_monitor_warns_once_and_saves() -> None:
    checkpoint = ModelCheckpoint("m.axon", save_best_only=True)
    with pytest.warns(RuntimeWarning, match="only with val_loss available"):
        model = feed(checkpoint, [1.0, 2.0], key="loss")
    assert len(model.saved) == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"filepath": "m.h5"},
            r"ending in '.keras' or '.axon'. Received: filepath='m.h5'",
        ),
        ({"filepath": "m.weights.h5"}, "filepath='m.weights.h5'"),
        (
            {"filepath": "m.keras", "save_weights_only": True},
            "'.weights.h5' or '.axon'",
        ),
        ({"filepath": ""}, "Expected a file path"),
        ({"filepath": "m.keras", "save_freq": "batch"}, "save_freq='batch'"),
        ({"filepath": "m.keras", "save_freq": 0}, "save_freq=0"),
        ({"filepath": "m.keras", "mode": "best"}, "mode='best'"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ModelCheckpoint(**kwargs)


def test_a_directory_in_the_way_is_explained(tmp_path: Path) -> None:
    (tmp_path / "m.axon").mkdir()
    with pytest.raises(IsADirectoryError, match="non-directory filepath"):
        feed(ModelCheckpoint(str(tmp_path / "m.axon")), [1.0])


def test_keras_names_write_keras_files(tmp_path: Path) -> None:
    import importlib

    try:
        keras_format = importlib.import_module("axon.models.keras_format")
    except ImportError:
        keras_format = None
    if getattr(keras_format, "save_model", None) is None:
        pytest.skip("axon.models.keras_format.save_model is not there yet")
    pytest.importorskip("h5py")
    model, x, y = model_and_data()
    model.fit(
        x,
        y,
        epochs=2,
        callbacks=[
            ModelCheckpoint(str(tmp_path / "m-{epoch}.keras")),
            ModelCheckpoint(str(tmp_path / "w.weights.h5"), save_weights_only=True),
        ],
        verbose=0,
    )
    import zipfile

    with zipfile.ZipFile(tmp_path / "m-2.keras") as archive:
        assert "config.json" in archive.namelist()
    assert (tmp_path / "w.weights.h5").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    assert (tmp_path / "m-1.keras").exists()
