"""Progress display for ``fit``: a live bar per epoch (verbose=1) or a line (verbose=2)."""

from __future__ import annotations

import sys
import time
from typing import Any

from axon.callbacks.base import Callback, Logs


def format_logs(logs: Logs) -> str:
    """``loss: 0.1234 - accuracy: 0.9500`` with Keras's order and four decimals."""
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())


class EpochLogger(Callback):
    """Print one line per epoch: ``Epoch 3/100 - 0.01s - loss: ... - val_loss: ...``."""

    def __init__(self, stream: Any = None) -> None:
        super().__init__()
        self.stream = stream

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        seconds = time.perf_counter() - self._start
        took = f"{seconds:.2f}s" if seconds >= 1 else f"{seconds * 1000:.0f}ms"
        line = f"Epoch {epoch + 1}/{self.params.get('epochs', '?')} - {took}"
        if logs:
            line += " - " + format_logs(logs)
        print(line, file=self.stream or sys.stdout, flush=True)


class ProgressBar(Callback):
    """A live progress bar per epoch, drawn by ``rich``, with the running metrics.

    On a terminal the bar moves batch by batch; when the output is a file or a pipe
    (a log, CI) each epoch is written as one plain line instead, as with ``verbose=2``.
    """

    def __init__(self, stream: Any = None, force_terminal: bool | None = None) -> None:
        super().__init__()
        self.stream = stream
        self.force_terminal = force_terminal
        self._progress: Any = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        from rich.console import Console  # imported here: `import axon` stays fast

        self._console = Console(
            file=self.stream or sys.stdout,
            highlight=False,
            force_terminal=self.force_terminal,
            width=120 if self.force_terminal else None,
        )
        self._plain: EpochLogger | None = None
        if not self._console.is_terminal:
            self._plain = EpochLogger(self.stream)
            self._plain.set_params(self.params)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        if self._plain is not None:
            self._plain.on_epoch_begin(epoch, logs)
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            TextColumn(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[metrics]}"),
            console=self._console,
            transient=False,
            auto_refresh=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(
            "", total=self.params.get("steps"), metrics=""
        )
        self._last_refresh = 0.0

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if self._plain is not None:
            return
        self._progress.update(self._task, advance=1, metrics=format_logs(logs or {}))
        now = time.perf_counter()
        if (
            now - self._last_refresh > 0.1
        ):  # redrawing every batch would cost more than training
            self._progress.refresh()
            self._last_refresh = now

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self._plain is not None:
            self._plain.on_epoch_end(epoch, logs)
            return
        self._progress.update(self._task, metrics=format_logs(logs or {}))
        self._progress.refresh()
        self._progress.stop()

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._progress is not None and not self._progress.finished:
            self._progress.stop()
