"""EarlyStopping: stop when the monitored quantity stops improving."""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable

from axon.callbacks.base import Callback, Logs
from axon.callbacks.history import History
from axon.config import Array

_MAXIMISED = ("acc", "auc", "precision", "recall")


def maximised(monitor: str, mode: str) -> bool:
    """Whether a larger ``monitor`` is better: ``mode``, or for "auto" the key's name."""
    if mode == "auto":
        return any(word in monitor for word in _MAXIMISED)
    return mode == "max"


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    Keras 3's behaviour, step by step, at the end of each epoch from
    ``start_from_epoch`` on: a value improves on the best so far when it beats it by
    more than ``min_delta``; an improvement resets the wait (if it also beats
    ``baseline``), otherwise the wait grows, and once it reaches ``patience`` training
    stops. With ``restore_best_weights`` the weights of the best epoch are put back at
    the end of training, also when training ran all its epochs without stopping.

    Parameters
    ----------
    monitor : str
        Log key to watch, ``"val_loss"`` by default.
    min_delta : float
        Smallest change that counts as an improvement.
    patience : int
        Epochs without improvement after which training stops.
    verbose : int
        1 prints when training stops and when weights are restored.
    mode : {"auto", "min", "max"}
        Direction of improvement; ``"auto"`` maximises accuracy-like keys and
        minimises everything else.
    baseline : float, optional
        Training stops unless the monitored value beats this within ``patience``.
    restore_best_weights : bool
        Put back the weights of the best epoch at the end of training.
    start_from_epoch : int
        Epochs to wait before monitoring starts (a warm-up).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(
                f"Expected mode to be one of 'auto', 'min', 'max'. Received: mode={mode!r}"
            )
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(
                f"Expected a non-negative integer. Received: patience={patience!r}"
            )
        if not isinstance(start_from_epoch, int) or start_from_epoch < 0:
            raise ValueError(
                "Expected a non-negative integer. "
                f"Received: start_from_epoch={start_from_epoch!r}"
            )
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        maximise = maximised(monitor, mode)
        self.monitor_op: Callable[[float, float], bool] = (
            operator.gt if maximise else operator.lt
        )
        self._signed_delta = self.min_delta if maximise else -self.min_delta
        self.on_train_begin()

    def on_train_begin(self, logs: Logs | None = None) -> None:
        # Reset, so one instance can serve several fits.
        self.wait = 0
        self.stopped_epoch = 0
        self.best: float | None = None
        self.best_weights: list[Array] | None = None
        self.best_epoch = 0
        self._warned = False

    def _is_improvement(self, value: float, reference: float | None) -> bool:
        if reference is None:
            return True
        return self.monitor_op(value - self._signed_delta, reference)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.monitor not in logs:
            if self._warned:
                return
            self._warned = True
            warnings.warn(
                f"EarlyStopping is watching {self.monitor!r}, which is not in the logs. "
                f"Available: {', '.join(logs) or 'none'}",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        current = float(logs[self.monitor])
        if epoch < self.start_from_epoch or math.isnan(current):
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)
            history = getattr(self.model, "history", None)
            if isinstance(history, History):
                history.best_epoch = self.best_epoch
