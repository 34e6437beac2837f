"""ModelCheckpoint and TerminateOnNaN, with Keras's names and behaviour."""

from __future__ import annotations

import math
import operator
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from axon.callbacks.base import Callback, Logs
from axon.callbacks.early_stopping import maximised

MODEL_SUFFIXES = (".keras", ".axon")
WEIGHTS_SUFFIXES = (".weights.h5", ".axon")


def check_save_freq(save_freq: Any) -> str | int:
    """``"epoch"`` or a positive number of batches, else a ValueError."""
    if save_freq == "epoch":
        return "epoch"
    if isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1:
        raise ValueError(
            "Expected save_freq='epoch' or a positive integer (a number of batches). "
            f"Received: save_freq={save_freq!r}"
        )
    return save_freq


class ModelCheckpoint(Callback):
    """Save the model (or its weights) every epoch or every ``save_freq`` batches.

    The file's extension decides its format, as ``model.save`` does: ``.keras`` is
    Keras 3's archive and ``.axon`` axon's own file for whole models;
    ``.weights.h5`` (Keras's weights file) or ``.axon`` with ``save_weights_only``.

    Parameters
    ----------
    filepath : str or path-like
        Where to save; may hold ``{epoch}`` (counted from 1), ``{batch}`` (counted
        from 1, with ``save_freq`` in batches) and any log key, formatted as in
        Python: ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``.
    monitor : str
        Log key that decides "best" when ``save_best_only``.
    verbose : int
        1 prints each decision as Keras does (``Epoch 3: val_loss improved from
        0.41000 to 0.39000, saving model to best.keras``).
    save_best_only : bool
        Save only when ``monitor`` improves on the best value so far (a file name
        without a pattern is then overwritten by each better model).
    save_weights_only : bool
        ``model.save_weights`` instead of ``model.save``.
    mode : {"auto", "min", "max"}
        Direction of improvement, as in EarlyStopping.
    save_freq : "epoch" or int
        Save at the end of every epoch, or after every this many batches (counted
        across epochs; the monitored value is then the epoch's running average).
    initial_value_threshold : float, optional
        The value the monitored quantity must beat before the first save. It stays
        the best value across several ``fit`` calls, as in Keras.

    Notes
    -----
    Every save is atomic (a temporary file, then a rename), so an interrupted run
    leaves the previous checkpoint intact. Deliberate differences from Keras: the
    legacy ``.h5`` whole-model format is refused (axon does not write it); an
    unknown ``mode`` or a pattern naming a key the logs lack is a ValueError (Keras
    warns, or raises a KeyError); a NaN monitored value never counts as an
    improvement (Keras would keep it as the best and never save again).

    Examples
    --------
    >>> from axon.callbacks import ModelCheckpoint
    >>> best = ModelCheckpoint("best.keras", monitor="val_accuracy", save_best_only=True)
    >>> every_100 = ModelCheckpoint("ckpt-{epoch}-{batch}.weights.h5",
    ...                             save_weights_only=True, save_freq=100)
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(filepath, (str, os.PathLike)) or not os.fspath(filepath):
            raise ValueError(f"Expected a file path. Received: filepath={filepath!r}")
        filepath = os.fspath(filepath)
        suffixes = WEIGHTS_SUFFIXES if save_weights_only else MODEL_SUFFIXES
        if not str(filepath).endswith(suffixes):
            what = "weights file" if save_weights_only else "model file"
            raise ValueError(
                f"Expected a {what} name ending in "
                f"{' or '.join(map(repr, suffixes))}"
                f"{' (save_weights_only=True)' if save_weights_only else ''}. "
                f"Received: filepath={filepath!r}"
            )
        if mode not in ("auto", "min", "max"):
            raise ValueError(
                f"Expected mode to be one of 'auto', 'min', 'max'. Received: mode={mode!r}"
            )
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.mode = mode
        self.save_freq = check_save_freq(save_freq)
        self.monitor_op: Callable[[float, float], bool] = (
            operator.gt if maximised(monitor, mode) else operator.lt
        )
        self.best = initial_value_threshold
        self.saved: list[str] = []
        self._batches_since_save = 0
        self._current_epoch = 0
        self._warned = False

    def path_for(self, epoch: int, logs: Logs, batch: int | None = None) -> str:
        """The file name for ``epoch`` (and ``batch``, counted from 0), filled in."""
        fields: dict[str, Any] = {"epoch": epoch + 1, **logs}
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"ModelCheckpoint cannot fill in filepath={self.filepath!r} with "
                f"{', '.join(fields)}: {error}"
            ) from None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._warned = False

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if not isinstance(self.save_freq, int):  # "epoch"
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, logs or {}, batch)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, logs or {}, None)

    def _should_save(self, epoch: int, logs: Logs, path: str) -> bool:
        say = print if self.verbose > 0 else lambda *_: None
        if not self.save_best_only:
            say(f"\nEpoch {epoch + 1}: saving model to {path}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"Can save best model only with {self.monitor} available; "
                    f"the logs hold {', '.join(logs) or 'nothing'}. Saving anyway.",
                    RuntimeWarning,
                    stacklevel=3,
                )
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if not math.isnan(current) and (
            self.best is None or self.monitor_op(current, self.best)
        ):
            say(
                f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                f"{current:.5f}, saving model to {path}"
            )
            self.best = current
            return True
        say(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save(self, epoch: int, logs: Logs, batch: int | None) -> None:
        path = self.path_for(epoch, logs, batch)
        if not self._should_save(epoch, logs, path):
            return
        if Path(path).is_dir():
            raise IsADirectoryError(
                "Please specify a non-directory filepath for ModelCheckpoint. "
                f"Filepath used is an existing directory: {path}"
            )
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        self.saved.append(path)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {path}")


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite.

    axon's ``fit`` already stops on a non-finite loss (and keeps the last finite
    weights); this callback is here for Keras programs that name it.
    """

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: invalid loss, terminating training")
            self.model.stop_training = True
