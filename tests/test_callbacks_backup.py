"""BackupAndRestore: a run killed mid-fit and started again ends bit-identical."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.callbacks import BackupAndRestore, Callback

SCRIPT = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import axon

    backup_dir, seed, save_freq, kill_at, out = sys.argv[1:6]
    save_freq = save_freq if save_freq == "epoch" else int(save_freq)
    kill_epoch, kill_batch = map(int, kill_at.split(","))
    axon.utils.set_random_seed(int(seed))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 4))
    y = axon.utils.to_categorical((x[:, 0] + x[:, 1] > 0).astype(int), 2)
    model = axon.Sequential([
        axon.layers.Dense(8, activation="relu", input_shape=(4,)),
        axon.layers.Dropout(0.3),
        axon.layers.BatchNormalization(),
        axon.layers.Dense(2, activation="softmax"),
    ])
    model.compile(axon.optimizers.Adam(0.01), "categorical_crossentropy")

    class Kill(axon.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if (self.epoch, batch) == (kill_epoch, kill_batch):
                os._exit(17)  # no cleanup at all, as a SIGKILL

    callbacks = [Kill()]
    if backup_dir != "-":
        callbacks.insert(0, axon.callbacks.BackupAndRestore(backup_dir, save_freq))
    history = model.fit(x, y, epochs=5, batch_size=16, validation_split=0.2,
                        callbacks=callbacks, verbose=0)
    np.savez(out, *model.get_weights(), epochs=np.array(history.epoch))
    """
)


def run(tmp_path: Path, *args: str) -> int:
    script = tmp_path / "job.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True
    )
    assert done.returncode in (0, 17), done.stderr
    return done.returncode


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The uninterrupted run, without the callback, with the first run's seed."""
    folder = tmp_path_factory.mktemp("baseline")
    assert run(folder, "-", "1", "epoch", "-1,-1", str(folder / "a")) == 0
    return folder / "a.npz"


def weights(path: Path) -> tuple[list[np.ndarray], list[int]]:
    with np.load(path) as archive:
        arrays = [archive[f"arr_{i}"] for i in range(len(archive.files) - 1)]
        return arrays, archive["epochs"].tolist()


@pytest.mark.parametrize(
    ("save_freq", "kill_at", "resumed_epochs"),
    [
        ("epoch", "2,3", [2, 3, 4]),  # killed mid-epoch 2: epoch 1's backup
        ("3", "2,3", [2, 3, 4]),  # backup after batch 2 of epoch 2: resumes mid-epoch
        ("3", "2,4", [3, 4]),  # backup after the last batch of epoch 2
        # killed before any backup: the restart is a fresh run (so the same seed)
        ("3", "0,1", [0, 1, 2, 3, 4]),
    ],
)
def test_a_killed_job_resumes_bit_identical(
    tmp_path: Path,
    baseline: Path,
    save_freq: str,
    kill_at: str,
    resumed_epochs: list[int],
) -> None:
    backup = tmp_path / "backup"
    killed = run(tmp_path, str(backup), "1", save_freq, kill_at, str(tmp_path / "x"))
    assert killed == 17 and not (tmp_path / "x.npz").exists()
    # Started again with another seed: everything must come from the backup.
    seed = "1" if resumed_epochs[0] == 0 else "2"
    assert (
        run(tmp_path, str(backup), seed, save_freq, "-1,-1", str(tmp_path / "b")) == 0
    )
    expected, _ = weights(baseline)
    resumed, epochs = weights(tmp_path / "b.npz")
    assert epochs == resumed_epochs
    for a, b in zip(expected, resumed, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not backup.exists()  # deleted once the run finished


# -- in-process: the same guarantees, and the edges ---------------------------------
def make_model(seed: int) -> tuple[axon.Sequential, np.ndarray, np.ndarray]:
    axon.utils.set_random_seed(seed)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = axon.utils.to_categorical((x[:, 0] > 0).astype(int), 2)
    model = axon.Sequential(
        [
            axon.layers.Dense(6, activation="relu", input_shape=(3,)),
            axon.layers.Dropout(0.25),
            axon.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(axon.optimizers.Adam(0.02), "categorical_crossentropy")
    return model, x, y


class Interrupt(Callback):
    """Raise (as Keras's own example does) or press Ctrl-C at a given batch."""

    def __init__(self, epoch: int, batch: int, how: str = "raise") -> None:
        super().__init__()
        self.at, self.how = (epoch, batch), how

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if (self.epoch, batch) != self.at:
            return
        if self.how == "raise":
            raise RuntimeError("Interrupting!")
        os.kill(os.getpid(), signal.SIGINT)  # fit stops after this batch


def fit(model: axon.Sequential, x: Any, y: Any, callbacks: list[Callback]) -> Any:
    return model.fit(x, y, epochs=4, batch_size=8, callbacks=callbacks, verbose=0)


def uninterrupted() -> list[np.ndarray]:
    model, x, y = make_model(5)
    fit(model, x, y, [])
    return model.get_weights()


@pytest.mark.parametrize(
    ("how", "save_freq"),
    [("raise", "epoch"), ("raise", 2), ("sigint", "epoch"), ("sigint", 3)],
)
def test_resumes_after_an_exception_or_ctrl_c(
    tmp_path: Path, how: str, save_freq: str | int, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = BackupAndRestore(tmp_path / "b", save_freq=save_freq)
    model, x, y = make_model(5)
    if how == "raise":
        with pytest.raises(RuntimeError, match="Interrupting"):
            fit(model, x, y, [backup, Interrupt(2, 3, how)])
    else:
        fit(model, x, y, [backup, Interrupt(2, 3, how)])
        assert "Interrupted" in capsys.readouterr().out
    assert (tmp_path / "b" / "training_metadata.json").exists()  # kept: not finished
    model, x, y = make_model(6)
    history = fit(model, x, y, [backup])
    assert history.epoch == [2, 3]
    for a, b in zip(uninterrupted(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not (tmp_path / "b").exists()


def test_ctrl_c_in_the_last_epoch_keeps_the_backup(tmp_path: Path) -> None:
    backup = BackupAndRestore(tmp_path / "b")
    model, x, y = make_model(5)
    fit(model, x, y, [backup, Interrupt(3, 2, "sigint")])
    assert (tmp_path / "b" / "training_metadata.json").exists()
    model, x, y = make_model(6)
    assert fit(model, x, y, [backup]).epoch == [3]
    for a, b in zip(uninterrupted(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_metadata_says_where_training_stands(tmp_path: Path) -> None:
    model, x, y = make_model(5)
    backup = BackupAndRestore(tmp_path, save_freq=3, delete_checkpoint=False)
    with pytest.raises(RuntimeError):
        fit(model, x, y, [backup, Interrupt(1, 4)])  # 8 batches per epoch
    metadata = json.loads((tmp_path / "training_metadata.json").read_text())
    # the last backup: batch 12 of the run, the 4th of epoch 1
    assert (metadata["epoch"], metadata["batches_done"]) == (1, 4)
    assert metadata["file"] in {p.name for p in tmp_path.glob("backup-*.axon")}
    assert metadata["shuffle_state"]["bit_generator"] == "PCG64"


def test_last_batch_of_an_epoch_resumes_at_the_next_epoch(tmp_path: Path) -> None:
    model, x, y = make_model(5)
    backup = BackupAndRestore(tmp_path, save_freq=8, delete_checkpoint=False)
    with pytest.raises(RuntimeError):
        fit(model, x, y, [backup, Interrupt(1, 1)])
    metadata = json.loads((tmp_path / "training_metadata.json").read_text())
    assert (metadata["epoch"], metadata["batches_done"]) == (1, 0)
    assert metadata["shuffle_state"] is None


def test_delete_checkpoint_false_keeps_the_files(tmp_path: Path) -> None:
    model, x, y = make_model(5)
    fit(model, x, y, [BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    names = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert names == ["backup-0.axon", "backup-1.axon", "training_metadata.json"]
    # a later fit with the same backup has nothing left to do
    history = fit(model, x, y, [BackupAndRestore(tmp_path / "b")])
    assert history.epoch == [] and not (tmp_path / "b").exists()


def test_delete_leaves_other_files_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    model, x, y = make_model(5)
    fit(model, x, y, [BackupAndRestore(tmp_path)])
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path: Path) -> None:
    model, x, y = make_model(5)
    backup = BackupAndRestore(tmp_path, double_checkpoint=True)
    with pytest.raises(RuntimeError):
        fit(model, x, y, [backup, Interrupt(3, 0)])
    metadata = json.loads((tmp_path / "training_metadata.json").read_text())
    assert metadata["epoch"] == 3
    (tmp_path / metadata["file"]).write_bytes(b"garbage")  # the latest is lost
    model, x, y = make_model(5)
    history = fit(model, x, y, [backup])
    assert history.epoch == [2, 3]  # from the previous backup, the end of epoch 1


def test_without_double_checkpoint_a_broken_backup_is_an_error(tmp_path: Path) -> None:
    model, x, y = make_model(5)
    backup = BackupAndRestore(tmp_path)
    with pytest.raises(RuntimeError):
        fit(model, x, y, [backup, Interrupt(1, 0)])
    metadata = json.loads((tmp_path / "training_metadata.json").read_text())
    (tmp_path / metadata["file"]).write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not a valid axon model file"):
        fit(model, x, y, [backup])
    (tmp_path / "training_metadata.json").write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="is not a backup axon wrote"):
        fit(model, x, y, [backup])
    (tmp_path / "training_metadata.json").write_text(
        json.dumps({**metadata, "file": "../elsewhere.axon"})
    )
    with pytest.raises(ValueError, match=r"not a backup axon wrote|unexpected file"):
        fit(model, x, y, [backup])


def test_restores_a_learning_rate_changed_during_training(tmp_path: Path) -> None:
    model, x, y = make_model(5)
    halve = axon.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: setattr(
            model.optimizer, "learning_rate", model.optimizer.learning_rate / 2
        )
    )
    backup = BackupAndRestore(tmp_path)
    with pytest.raises(RuntimeError):
        fit(model, x, y, [halve, backup, Interrupt(2, 0)])
    fresh, x, y = make_model(5)
    with pytest.raises(RuntimeError):
        fit(fresh, x, y, [backup, Interrupt(2, 0)])
    assert fresh.optimizer is not None and fresh.optimizer.learning_rate == 0.005


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"backup_dir": ""}, "backup_dir=''"),
        ({"backup_dir": "b", "save_freq": 0}, "save_freq=0"),
        ({"backup_dir": "b", "save_freq": False}, "save_freq=False"),
        ({"backup_dir": "b", "save_freq": "batch"}, "save_freq='batch'"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        BackupAndRestore(**kwargs)
