"""Ctrl-C during training: finish the batch, then stop cleanly.

Moved out of the trainer (which is at its line budget); ``fit`` and the scikit-learn
solvers use it.
"""

from __future__ import annotations

import signal
import threading
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
