"""How training stops early: Ctrl-C (finish the batch, then stop), a non-finite loss.

Moved out of the trainer (which is at its line budget); ``fit`` and the scikit-learn
solvers use it.
"""

from __future__ import annotations

import signal
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def deferred_interrupt() -> Iterator[list[bool]]:
    """Turn Ctrl-C into a flag that the loop checks between batches.

    Training then ends after the current batch with consistent weights, the history
    so far and ``on_train_end`` called, instead of dying halfway through an update.
    A second Ctrl-C interrupts at once.
    """
    flag = [False]
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: Any) -> None:
        if flag[0]:
            raise KeyboardInterrupt
        flag[0] = True
        print("\nInterrupted: training stops after this batch (Ctrl-C again to abort).")

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def stop_on_non_finite(model: Any, loss: float, epoch: int, step: int) -> None:
    """Stop ``fit`` after a non-finite loss, saying why it likely happened."""
    model.stop_training = True
    warnings.warn(
        f"The loss became {loss} at epoch {epoch + 1}, batch {step + 1}; training "
        "stopped and the model keeps its last finite weights. Likely causes: a "
        "learning rate too large (the loss diverges), or unscaled inputs (try "
        "sklearn's StandardScaler).",
        RuntimeWarning,
        stacklevel=3,
    )
