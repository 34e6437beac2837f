"""Progress display for ``fit``: a live bar per epoch (verbose=1) or a line (verbose=2)."""

from __future__ import annotations

import sys
import time
from typing import Any

from axon.callbacks.base import Callback, Logs


def format_logs(logs: Logs) -> str:
    """``loss: 0.1234 - accuracy: 0.9500`` with Keras's order and four decimals."""
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())


def pack(parts: list[str], width: int, separator: str = " - ") -> list[str]:
    """Join ``parts`` into lines of at most ``width`` characters, never splitting one.

    Examples
    --------
    >>> pack(["Epoch 1/5", "loss: 0.1234", "val_loss: 0.2345"], 30)
    ['Epoch 1/5 - loss: 0.1234 -', '  val_loss: 0.2345']
    """
    lines: list[str] = []
    line = ""
    for part in parts:
        candidate = f"{line}{separator}{part}" if line else part
        if line and len(candidate) > width:
            lines.append(line + separator.rstrip())
            line = "  " + part
        else:
            line = candidate
    return [*lines, line] if line else lines


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

    On a terminal the bar moves batch by batch, and a finished epoch stays as one line
    of numbers that wraps at the terminal's width (never cut). The bar shrinks, or goes,
    when the terminal is too narrow for it and the metrics. When the output is a file
    or a pipe (a log, CI) each epoch is written as one plain line instead, as with
    ``verbose=2``.
    """

    def __init__(
        self,
        stream: Any = None,
        force_terminal: bool | None = None,
        width: int | None = None,
    ) -> None:
        super().__init__()
        self.stream = stream
        self.force_terminal = force_terminal
        self.width = width
        self._progress: Any = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        from rich.console import Console  # imported here: `import axon` stays fast

        self._console = Console(
            file=self.stream or sys.stdout,
            highlight=False,
            force_terminal=self.force_terminal,
            width=self.width or (120 if self.force_terminal else None),
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
        from rich.table import Column

        title = f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}"
        steps = self.params.get("steps") or 0
        # What the numbers need: "name: 0.1234" per metric, " - " between them.
        names = self.params.get("metrics") or ["loss"]
        numbers = sum(len(n) + 8 for n in names) + 3 * (len(names) - 1)
        fixed = len(title) + 2 * len(str(steps)) + 1 + len("0:00:00") + 4
        bar_width = min(30, self._console.width - fixed - numbers - 1)
        columns: list[Any] = [TextColumn(title)]
        if bar_width >= 8:  # a narrower bar still says something; below, drop it
            columns.append(BarColumn(bar_width=bar_width))
        columns += [
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[metrics]}", table_column=Column(overflow="fold")),
        ]
        self._title = title
        self._started = time.perf_counter()
        self._progress = Progress(
            *columns,
            console=self._console,
            transient=True,  # replaced by the epoch's line of numbers at its end
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
        self._progress.stop()
        seconds = time.perf_counter() - self._started
        took = f"{seconds:.2f}s" if seconds >= 1 else f"{seconds * 1000:.0f}ms"
        steps = self.params.get("steps") or "?"
        parts = [
            self._title,
            f"{steps}/{steps}",
            took,
            *format_logs(logs or {}).split(" - "),
        ]
        for line in pack(parts, self._console.width):
            self._console.print(line, overflow="fold", highlight=False)

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._progress is not None and not self._progress.finished:
            self._progress.stop()
