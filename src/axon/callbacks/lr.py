"""Learning-rate callbacks: LearningRateScheduler and ReduceLROnPlateau.

Both read and set ``model.optimizer.learning_rate``, and both add the rate the epoch
ran with to its logs under ``"learning_rate"``, so ``History``, ``CSVLogger`` and
``TensorBoard`` record it (as Keras 3 does).
"""

from __future__ import annotations

import inspect
import math
import operator
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from axon.callbacks.base import Callback, Logs
from axon.callbacks.early_stopping import maximised


def get_learning_rate(optimizer: Any) -> float:
    """The rate ``optimizer`` takes its next step with, as a Python float.

    A schedule (anything callable held in ``learning_rate``) is evaluated at the
    optimizer's step count, as Keras does when it reads ``optimizer.learning_rate``.
    """
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(
            'Expected a compiled model whose optimizer has a "learning_rate" '
            f"attribute. Received: optimizer={optimizer!r}"
        )
    rate = optimizer.learning_rate
    if callable(rate):
        rate = rate(optimizer.iterations)
    return float(rate)


def set_learning_rate(optimizer: Any, value: float) -> None:
    """Give ``optimizer`` a new constant learning rate.

    As in Keras, an optimizer that was given a schedule keeps it: setting its rate is
    a TypeError rather than a silent replacement of the schedule.
    """
    if callable(getattr(optimizer, "learning_rate", None)):
        raise TypeError(
            "This optimizer was created with a learning-rate schedule "
            f"({optimizer.learning_rate!r}), so its learning rate cannot be set. "
            "Create the optimizer with a float learning_rate to use this callback."
        )
    optimizer.learning_rate = value


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from ``schedule``.

    At the start of epoch ``e`` (counted from 0) the optimizer's rate becomes
    ``lr = schedule(e, lr)``, or ``schedule(e)`` for a function of the epoch alone.

    Parameters
    ----------
    schedule : callable
        ``schedule(epoch, lr) -> float`` or ``schedule(epoch) -> float``. It must
        return a float (a Python float, ``np.float32`` or ``np.float64``), as Keras
        requires; an int such as ``1`` is refused.
    verbose : int
        1 prints ``Epoch 3: LearningRateScheduler setting learning rate to 0.01.``

    Notes
    -----
    Keras calls ``schedule(epoch, lr)`` and falls back to ``schedule(epoch)`` on any
    TypeError, also one raised inside the schedule. axon decides from the function's
    signature instead, so a TypeError inside a schedule reaches you as it is.

    Examples
    --------
    >>> from axon.callbacks import LearningRateScheduler
    >>> halve = LearningRateScheduler(lambda epoch, lr: lr if epoch < 10 else lr / 2)
    """

    def __init__(self, schedule: Callable[..., Any], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                "Expected a function schedule(epoch, lr) -> float. "
                f"Received: schedule={schedule!r}"
            )
        self.schedule = schedule
        self.verbose = verbose

    def _takes_rate(self) -> bool:
        try:
            inspect.signature(self.schedule).bind(0, 0.0)
        except TypeError:
            return False
        except ValueError:  # no signature to read (a builtin): try Keras's call
            return True
        return True

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        optimizer = getattr(self.model, "optimizer", None)
        current = get_learning_rate(optimizer)
        takes_rate = self._takes_rate()
        rate = self.schedule(epoch, current) if takes_rate else self.schedule(epoch)
        if not isinstance(rate, (float, np.float32, np.float64)):
            raise ValueError(
                "The output of the schedule function should be a float. "
                f"Received: {rate!r} (at epoch {epoch})"
            )
        set_learning_rate(optimizer, float(rate))
        if self.verbose > 0:
            print(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate "
                f"to {float(rate)}."
            )

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = get_learning_rate(self.model.optimizer)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    Keras 3's rule, at the end of each epoch: a value improves on the best so far
    when it beats it by more than ``min_delta``; while a cooldown runs, its counter
    goes down by one and the wait is reset. Otherwise, after ``patience`` epochs
    without improvement, the rate becomes::

        lr_new = max(lr * factor, min_lr)       (if lr > min_lr)

    and a cooldown of ``cooldown`` epochs starts, during which the wait does not
    grow. The rate the epoch ran with is added to its logs as ``"learning_rate"``.

    Parameters
    ----------
    monitor : str
        Log key to watch, ``"val_loss"`` by default.
    factor : float
        What the rate is multiplied by, in ``[0, 1)``; default 0.1.
    patience : int
        Epochs without improvement before the rate is reduced; default 10.
    verbose : int
        1 prints ``Epoch 12: ReduceLROnPlateau reducing learning rate to 0.0001.``
    mode : {"auto", "min", "max"}
        Direction of improvement; ``"auto"`` maximises accuracy-like keys.
    min_delta : float
        Smallest change that counts as an improvement; default 1e-4.
    cooldown : int
        Epochs to wait after a reduction before counting again.
    min_lr : float
        The rate never goes below this.

    Notes
    -----
    Where Keras warns and falls back to ``"auto"`` for an unknown ``mode``, axon
    raises a ValueError, as its EarlyStopping does. A negative ``factor`` (which Keras
    accepts and which sets the rate to ``min_lr``) is refused. A NaN in the logs
    counts as an epoch without improvement; Keras would take it as the best value
    and then never see an improvement again.

    Examples
    --------
    >>> from axon.callbacks import ReduceLROnPlateau
    >>> reduce = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        super().__init__()
        if not isinstance(factor, (int, float)) or not 0 <= factor < 1:
            raise ValueError(
                "Expected a factor in [0, 1): ReduceLROnPlateau does not support a "
                f"factor >= 1.0. Received: factor={factor!r}"
            )
        if mode not in ("auto", "min", "max"):
            raise ValueError(
                f"Expected mode to be one of 'auto', 'min', 'max'. Received: mode={mode!r}"
            )
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"Expected a non-negative integer. Received: {name}={value!r}"
                )
        if not isinstance(min_lr, (int, float)) or not min_lr >= 0:
            raise ValueError(
                f"Expected a non-negative float. Received: min_lr={min_lr!r}"
            )
        self.monitor, self.mode, self.verbose = monitor, mode, verbose
        self.factor, self.min_lr = float(factor), float(min_lr)
        self.patience, self.cooldown = patience, cooldown
        self.min_delta = abs(float(min_delta))
        maximise = maximised(monitor, mode)
        self.monitor_op: Callable[[float, float], bool] = (
            operator.gt if maximise else operator.lt
        )
        self._signed_delta = self.min_delta if maximise else -self.min_delta
        self.on_train_begin()

    def on_train_begin(self, logs: Logs | None = None) -> None:
        # Reset, so one instance can serve several fits.
        self.best: float | None = None
        self.wait = 0
        self.cooldown_counter = 0
        self._warned = False

    def in_cooldown(self) -> bool:
        """Whether a cooldown after the last reduction is still running."""
        return self.cooldown_counter > 0

    def _is_improvement(self, value: float) -> bool:
        if self.best is None:
            return True
        return self.monitor_op(value - self._signed_delta, self.best)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = {} if logs is None else logs
        optimizer = self.model.optimizer
        logs["learning_rate"] = get_learning_rate(optimizer)
        current = logs.get(self.monitor)
        if current is None:
            if not self._warned:
                self._warned = True
                warnings.warn(
                    "Learning rate reduction is conditioned on metric "
                    f"{self.monitor!r}, which is not in the logs. "
                    f"Available: {', '.join(logs)}",
                    RuntimeWarning,
                    stacklevel=2,
                )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        # A NaN never improves (Keras would keep it as the best and stop comparing).
        if not math.isnan(current) and self._is_improvement(current):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        old = logs["learning_rate"]
        # Keras compares with min_lr in float32, so a rate that rounds to min_lr
        # counts as having reached it.
        if not old > np.float32(self.min_lr):
            return
        new = max(old * self.factor, self.min_lr)
        set_learning_rate(optimizer, new)
        if self.verbose > 0:
            print(
                f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                f"{new}."
            )
        self.cooldown_counter = self.cooldown
        self.wait = 0
