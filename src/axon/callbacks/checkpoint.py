"""ModelCheckpoint and TerminateOnNaN, with Keras's names and behaviour."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from axon.callbacks.base import Callback, Logs
from axon.callbacks.early_stopping import maximised


class ModelCheckpoint(Callback):
    """Save the model (or its weights) at the end of epochs.

    Parameters
    ----------
    filepath : str
        Where to save; may hold ``{epoch}`` (counted from 1) and any log key, formatted
        as in Python: ``"ckpt-{epoch:02d}-{val_loss:.3f}.axon"``.
    monitor : str
        Log key that decides "best" when ``save_best_only``.
    save_best_only : bool
        Save only when ``monitor`` improves on the best value so far.
    save_weights_only : bool
        ``model.save_weights`` instead of ``model.save``.
    mode : {"auto", "min", "max"}
        Direction of improvement, as in EarlyStopping.
    initial_value_threshold : float, optional
        A value the monitored quantity must beat before the first save.

    Every save is atomic (a temporary file, then a rename), so an interrupted run
    leaves the previous checkpoint intact.
    """

    def __init__(
        self,
        filepath: str,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(filepath, str) or not filepath:
            raise ValueError(f"Expected a file path. Received: filepath={filepath!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(
                f"Expected mode to be one of 'auto', 'min', 'max'. Received: mode={mode!r}"
            )
        self.filepath, self.monitor, self.verbose = filepath, monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.monitor_op: Callable[[float, float], bool] = (
            operator.gt if maximised(monitor, mode) else operator.lt
        )
        self.best = initial_value_threshold
        self.saved: list[str] = []

    def path_for(self, epoch: int, logs: Logs) -> str:
        """The file name for ``epoch`` (counted from 0), with the pattern filled in."""
        try:
            return self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"ModelCheckpoint cannot fill in filepath={self.filepath!r} with "
                f"epoch and the logs ({', '.join(logs)}): {error}"
            ) from None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None or math.isnan(current):
                return
            if self.best is not None and not self.monitor_op(current, self.best):
                return
            self.best = current
        path = self.path_for(epoch, logs)
        model: Any = self.model
        if self.save_weights_only:
            model.save_weights(path)
        else:
            model.save(path)
        self.saved.append(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved the model to {path}")


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
