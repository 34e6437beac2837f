"""BackupAndRestore: a training job that is killed continues where it was."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from axon.callbacks.base import Callback, Logs
from axon.callbacks.checkpoint import check_save_freq

_FORMAT = "axon-backup"
_METADATA = "training_metadata.json"


class BackupAndRestore(Callback):
    """Back up the whole training state, and restore it when ``fit`` starts again.

    At the end of every epoch (or every ``save_freq`` batches) the model is saved to
    ``backup_dir`` with everything that decides how training continues: weights, the
    optimizer's slots and step count, its learning rate, and the state of every random
    generator (shuffling, Dropout masks). When ``fit`` starts with a backup present,
    all of it is put back into the model and training resumes at the saved epoch, and
    after a backup taken mid-epoch at the next batch of that epoch, with the same
    shuffled order. A job killed at any moment and started again with the same
    callback therefore ends with the same weights, bit for bit, as a run that was
    never interrupted.

    Parameters
    ----------
    backup_dir : str or path-like
        A directory for this run's backups only.
    save_freq : "epoch" or int
        Back up at the end of every epoch, or after every this many batches.
    double_checkpoint : bool
        Keep the previous backup too, and fall back to it when the latest cannot be
        read.
    delete_checkpoint : bool
        Delete the backup once training has finished (ran all its epochs, or was
        stopped by a callback). A run that was interrupted keeps it.

    Notes
    -----
    Files: ``training_metadata.json`` names the current model file
    (``backup-<n>.axon``, in axon's format) and where training stands. A new backup
    is written beside the current one, which stays until the metadata, replaced
    atomically, points at the new one: a kill between the two writes leaves a
    consistent pair. Differences from Keras 3: Keras restarts an epoch interrupted
    mid-way from its first batch (with the mid-epoch weights), axon resumes at the
    next batch; Keras deletes ``backup_dir`` with everything in it, axon deletes
    only the files it wrote (and the directory if that leaves it empty), and keeps
    them when ``fit`` ends with an exception. The state of other callbacks (the
    wait of an EarlyStopping, for instance) is not backed up, as in Keras, and the
    logs of a resumed epoch cover the batches run after the restart.

    Examples
    --------
    >>> from axon.callbacks import BackupAndRestore
    >>> backup = BackupAndRestore("/tmp/backup", save_freq=100)
    """

    def __init__(
        self,
        backup_dir: str | os.PathLike[str],
        save_freq: str | int = "epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(backup_dir, (str, os.PathLike)) or not os.fspath(backup_dir):
            raise ValueError(
                f"Expected a directory path. Received: backup_dir={backup_dir!r}"
            )
        self.backup_dir = Path(backup_dir)
        self.save_freq = check_save_freq(save_freq)
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._slots = 3 if double_checkpoint else 2  # never overwrite a live backup
        self._slot = 0
        self._epoch = 0
        self._shuffle_state: dict[str, Any] | None = None
        self._batches_since_save = 0
        self._epochs_done = 0
        self._done = 0  # batches of the current epoch trained so far
        self._resume_done = 0

    @property
    def _metadata(self) -> Path:
        return self.backup_dir / _METADATA

    @property
    def _previous(self) -> Path:
        return self.backup_dir / f"{_METADATA}.bkp"

    # -- restore ------------------------------------------------------------------
    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._batches_since_save = 0
        self._epochs_done = 0
        if not self._metadata.exists():
            return
        try:
            self._restore(self._metadata)
        except (OSError, ValueError):
            if not (self.double_checkpoint and self._previous.exists()):
                raise
            self._restore(self._previous)

    def _restore(self, metadata_path: Path) -> None:
        from axon.models import load_model  # imported on use: models sit above

        try:
            metadata = json.loads(metadata_path.read_text())
            if metadata.get("format") != _FORMAT:
                raise KeyError("format")
            name = str(metadata["file"])
            epoch, done = int(metadata["epoch"]), int(metadata["batches_done"])
            self._slot = int(name.removeprefix("backup-").removesuffix(".axon"))
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, ValueError) as e:
            raise ValueError(
                f"{metadata_path} is not a backup axon wrote ({e!r}); delete the "
                "directory or pass another backup_dir"
            ) from None
        if name != f"backup-{self._slot}.axon":
            raise ValueError(f"{metadata_path} names an unexpected file {name!r}")
        self._copy_state(load_model(self.backup_dir / name))
        model = self.model
        if done:
            # Replay this epoch's shuffle: the generator as it was when it began.
            model.rng.bit_generator.state = metadata["shuffle_state"]
        model._initial_epoch, model._initial_step = epoch, done
        self._epochs_done, self._resume_done = epoch, done

    def _copy_state(self, source: Any) -> None:
        """Put the saved model's weights, optimizer and generator states into ours."""
        model = self.model
        model.set_weights(source.get_weights())
        live, saved = model.optimizer, source.optimizer
        if live is not None and saved is not None:
            live.slots = {name: slot.copy() for name, slot in saved.slots.items()}
            live.iterations = saved.iterations
            # A ReduceLROnPlateau may have changed the rate; a schedule (TypeError)
            # follows the restored step count instead.
            with contextlib.suppress(TypeError):
                live.learning_rate = saved.learning_rate
        model.rng.bit_generator.state = source.rng.bit_generator.state
        for mine, theirs in zip(model.layers, source.layers, strict=True):
            rng = getattr(theirs, "rng", None)
            if isinstance(rng, np.random.Generator):
                mine.rng.bit_generator.state = rng.bit_generator.state

    # -- back up ------------------------------------------------------------------
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch = epoch
        self._done, self._resume_done = self._resume_done, 0
        # Taken before the epoch draws its shuffle, so a restart can draw it again.
        self._shuffle_state = self.model.rng.bit_generator.state

    def _where(self) -> tuple[int, int]:
        """The epoch to resume and its batches already done, from the batches run."""
        if self._done >= self.params.get("steps", self._done):
            return self._epoch + 1, 0
        return self._epoch, self._done

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._done = batch + 1
        if not isinstance(self.save_freq, int):  # "epoch"
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(*self._where())

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        epoch_to_resume, _ = self._where()  # an epoch cut short (Ctrl-C) is not done
        self._epochs_done = epoch_to_resume
        if self.save_freq == "epoch":
            self._save(*self._where())

    def _save(self, epoch: int, batches_done: int) -> None:
        from axon.models.saving import atomic_write  # imported on use

        self._slot = (self._slot + 1) % self._slots
        name = f"backup-{self._slot}.axon"
        self.model.save(self.backup_dir / name)
        metadata = {
            "format": _FORMAT,
            "file": name,
            "epoch": epoch,
            "batches_done": batches_done,
            "shuffle_state": self._shuffle_state if batches_done else None,
        }
        if self.double_checkpoint and self._metadata.exists():
            previous = self._metadata.read_bytes()
            atomic_write(self._previous, lambda handle: handle.write(previous))
        text = json.dumps(metadata).encode()
        atomic_write(self._metadata, lambda handle: handle.write(text))

    # -- clean up -----------------------------------------------------------------
    def on_train_end(self, logs: Logs | None = None) -> None:
        finished = self._epochs_done >= self.params.get("epochs", 0) or bool(
            getattr(self.model, "stop_training", False)
        )
        if not (self.delete_checkpoint and finished):
            return
        for path in [self._metadata, self._previous]:
            path.unlink(missing_ok=True)
        for slot in range(self._slots):
            (self.backup_dir / f"backup-{slot}.axon").unlink(missing_ok=True)
        if self.backup_dir.is_dir() and not any(self.backup_dir.iterdir()):
            self.backup_dir.rmdir()
