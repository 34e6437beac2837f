"""CSVLogger: one row of logs per epoch, in a CSV file."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from axon.callbacks.base import Callback, Logs


def _cell(value: Any) -> Any:
    """A log value as Keras writes it: a sequence as ``"[a, b]"``, the rest as is."""
    scalar = isinstance(value, str) or getattr(value, "ndim", None) == 0
    if isinstance(value, Iterable) and not scalar:
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file, as Keras 3 does.

    The columns are ``epoch`` (counted from 0) and the log keys in sorted order,
    chosen at the first epoch. When that epoch has no validation keys, ``val_``
    twins of every key are added anyway and filled with ``NA``, so files from runs
    with and without validation line up. Rows end in CR LF (the csv module's
    default dialect) and the file is flushed after every epoch, so it can be watched
    while training runs.

    Parameters
    ----------
    filename : str or path-like
        The CSV file.
    separator : str
        The one character between columns; ``","`` by default.
    append : bool
        Add rows to an existing file (writing the header only if it is empty)
        instead of overwriting it.

    Examples
    --------
    >>> from axon.callbacks import CSVLogger
    >>> logger = CSVLogger("training.csv", separator=";", append=True)
    """

    def __init__(
        self,
        filename: str | os.PathLike[str],
        separator: str = ",",
        append: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(filename, (str, os.PathLike)) or not str(filename):
            raise TypeError(f"Expected a file path. Received: filename={filename!r}")
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(
                f"Expected a one-character string. Received: separator={separator!r}"
            )
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys: list[str] | None = None
        self.csv_file: IO[str] | None = None
        self._writer: Any = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        path = Path(self.filename)
        header = True
        if self.append and path.exists():
            with path.open(newline="") as existing:
                header = not existing.readline()
        self._close()
        self.csv_file = path.open("a" if self.append else "w", newline="")
        self._header = header
        self.keys = None
        self._writer = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.csv_file is None:  # used outside fit: open as fit would
            self.on_train_begin()
        assert self.csv_file is not None
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self._writer is None:
            self._writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch", *self.keys], delimiter=self.sep
            )
            if self._header:
                self._writer.writeheader()
        row = {"epoch": epoch}
        row.update({key: _cell(logs.get(key, "NA")) for key in self.keys})
        self._writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._close()

    def _close(self) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self._writer = None
