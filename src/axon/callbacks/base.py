"""Callbacks: hooks that ``fit`` calls at the start and end of training, epochs and batches.

Callbacks see the model through the small :class:`ModelLike` protocol, so this package
does not import the models package (see the level table in docs/design.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from axon.config import Array

Logs = dict[str, float]


class ModelLike(Protocol):
    """What a callback may use of the model it is attached to."""

    stop_training: bool

    def get_weights(self) -> list[Array]: ...

    def set_weights(self, weights: list[Array]) -> None: ...


class Callback:
    """Base class: override the hooks you need; ``self.model`` and ``self.params`` are set.

    ``params`` holds ``epochs``, ``steps`` (batches per epoch), ``verbose`` and
    ``metrics`` (the names that will appear in the logs).
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: ModelLike) -> None:
        """Attach the model being trained."""
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        """Receive the run's parameters (epochs, steps, verbose, metrics)."""
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Called once before the first epoch."""

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Called once after the last epoch, also when training stopped early."""

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Called before each epoch (counted from 0)."""

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Called after each epoch with its training and validation logs."""

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before each training batch."""

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after each training batch with the epoch's running averages."""


class CallbackList(Callback):
    """Fan every hook out to a list of callbacks, in order."""

    def __init__(self, callbacks: Iterable[Callback] = ()) -> None:
        super().__init__()
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    "Expected axon.callbacks.Callback instances in callbacks. "
                    f"Received: {callback!r} of type {type(callback).__name__}"
                )

    def set_model(self, model: ModelLike) -> None:
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        for callback in self.callbacks:
            callback.on_train_begin(logs)

    def on_train_end(self, logs: Logs | None = None) -> None:
        for callback in self.callbacks:
            callback.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        for callback in self.callbacks:
            callback.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        for callback in self.callbacks:
            callback.on_train_batch_end(batch, logs)
