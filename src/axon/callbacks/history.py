"""The History callback that ``fit`` always adds and returns."""

from __future__ import annotations

from typing import Any

from axon.callbacks.base import Callback, Logs


class History(Callback):
    """Record each epoch's logs: ``history.history["val_loss"][epoch]``.

    Attributes
    ----------
    history : dict of str to list of float
        One list per log key (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``...).
    epoch : list of int
        The epochs that ran, counted from 0.
    best_epoch : int or None
        The epoch whose weights an ``EarlyStopping(restore_best_weights=True)`` restored.
    monitor : dict
        What an ``axon.diagnostics.TrainingMonitor`` recorded inside the network (per
        layer and epoch: gradients, step sizes, dead and saturated units; the inputs'
        statistics); empty without one. Not in Keras.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.best_epoch: int | None = None
        self.monitor: dict[str, Any] = {}

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        if self.model is not None:
            self.model.history = self

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready record of the run: the logs, epochs, parameters."""
        params = {
            k: v for k, v in self.params.items() if isinstance(v, (int, float, str))
        }
        record = {
            "history": self.history,
            "epoch": self.epoch,
            "best_epoch": self.best_epoch,
            "params": params,
        }
        return {**record, "monitor": self.monitor} if self.monitor else record

    def plot(self) -> Any:
        """Draw loss and metrics, training against validation (``axon.plot.history``)."""
        from axon import plot  # imported on use: plotting sits above callbacks

        return plot.history(self)

    def __repr__(self) -> str:
        return f"<History epochs={len(self.epoch)} keys={list(self.history)}>"
