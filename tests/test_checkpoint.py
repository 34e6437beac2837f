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
