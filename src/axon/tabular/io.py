"""Reading a table: CSV, TSV or Parquet in, a pandas DataFrame out, or one clear error.

Every problem with the file itself is a :class:`TableError` (a ValueError) whose
message is one line naming the file, and where it applies the line or the column:

- the file does not exist, or is a folder;
- it is binary (a NUL byte in its first 8 KiB), or not UTF-8 text (the line named);
- it is empty, or has a header and no rows;
- a row has more or fewer fields than the header (the line named; pandas would fill
  a short row with missing values without a word);
- two columns share a name (pandas would rename the second ``x.1`` without a word).

CSV is read in one pass by pandas' C parser through :class:`_CheckedReader`, which
sees the same bytes first and, with a few NumPy calls per 256 KiB block (never a
Python loop over rows), counts the fields of every record outside quotes, checks the
UTF-8 and advances a progress bar on big files.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["TableError", "read_table"]

SEPARATORS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": ","}
PARQUET = (".parquet", ".pq")
PROGRESS_MIN_BYTES = 32 * 2**20  # a progress bar for files above 32 MiB
_SNIFF_BYTES = 8192
_NEWLINE, _QUOTE = 10, 34


class TableError(ValueError):
    """A table that cannot be used as it is; the message names the file and where."""


class _Stop(Exception):
    """Raised inside ``read`` to stop pandas at the first bad record or byte."""


def pandas() -> Any:
    """Import pandas, or say how to install it."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is in the dev extra
        raise ImportError(
            "Reading tables needs pandas: pip install 'axon[table]'"
        ) from None
    return pd


class _CheckedReader:
    """A binary file object that checks the CSV bytes pandas reads through it.

    It keeps, across blocks: whether the position is inside quotes, the number of
    separators and bytes of the record being read, and the physical line number, so a
    record's field count is exact even when a quoted field holds separators or line
    breaks. The header's fields set the count every later record must have.
    """

    def __init__(self, handle: Any, separator: str, progress: Any = None) -> None:
        self.handle = handle
        self.separator = ord(separator)
        self.progress = progress
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.in_quotes = 0
        self.separators = 0  # in the record being read
        self.length = 0  # bytes of the record being read
        self.last = 0  # the last byte read
        self.line = 1  # physical line where the record being read starts
        self.lines_seen = 1  # physical line of the current position
        self.expected: int | None = None
        self.header = bytearray()
        self.ragged: tuple[int, int] | None = None
        self.bad_byte: tuple[int, int] | None = None

    def read(self, size: int = -1) -> bytes:
        block: bytes = self.handle.read(size)
        if self.progress is not None:
            self.progress(len(block))
        self._check_utf8(block, final=not block)
        self._scan(block)
        if not block:
            self._end_record()
        if self.ragged is not None or self.bad_byte is not None:
            raise _Stop
        return block

    def _check_utf8(self, block: bytes, final: bool) -> None:
        ascii_only = not block or int(np.frombuffer(block, np.uint8).max()) < 128
        if ascii_only and not final and not self.decoder.getstate()[0]:
            return
        try:
            self.decoder.decode(block, final=final)
        except UnicodeDecodeError as error:
            offset = max(error.start, 0)
            line = self.lines_seen + block[:offset].count(b"\n")
            byte = block[offset] if offset < len(block) else 0
            self.bad_byte = (line, byte)

    def _scan(self, block: bytes) -> None:
        if not block:
            return
        data = np.frombuffer(block, np.uint8)  # (n,)
        newlines = np.flatnonzero(data == _NEWLINE)  # positions, (lines,)
        seps = np.flatnonzero(data == self.separator)
        quotes = np.flatnonzero(data == _QUOTE)
        ends = newlines
        if len(quotes) or self.in_quotes:
            # inside quotes when an odd number of quotes precede ("" toggles twice)
            def outside(at: Any) -> Any:
                return at[(np.searchsorted(quotes, at) + self.in_quotes) % 2 == 0]

            ends, seps = outside(newlines), outside(seps)
        # Per record ending in this block; the first one began in earlier blocks.
        before = np.searchsorted(seps, ends)  # separators before each end
        record_seps = np.diff(before, prepend=0)
        record_seps[:1] += self.separators
        lengths = np.diff(ends, prepend=-1) - 1  # bytes, without the "\n"
        lengths[:1] += self.length
        last_bytes = data[np.maximum(ends - 1, 0)]
        last_bytes[:1] = data[ends[0] - 1] if len(ends) and ends[0] else self.last
        lengths -= last_bytes == 13  # "\r\n" ends a line too
        lines = np.searchsorted(newlines, ends[:-1], side="right")
        start_lines = np.concatenate(([self.line], self.lines_seen + lines))
        start_lines = start_lines[: len(ends)]
        if self.expected is None:  # the header: the first record that is not blank
            first = np.flatnonzero((record_seps > 0) | (lengths > 0))
            begin = int(ends[first[0] - 1]) + 1 if len(first) and first[0] else 0
            if begin or (len(ends) and not len(first)):
                self.header = bytearray()  # what came before was blank lines
            if len(first):
                self.header += block[begin : int(ends[first[0]]) + 1]
                self.expected = int(record_seps[first[0]]) + 1
                keep = slice(int(first[0]) + 1, None)
            else:
                self.header += block[int(ends[-1]) + 1 :] if len(ends) else block
                keep = slice(len(ends), None)
            record_seps, lengths, start_lines = (
                record_seps[keep],
                lengths[keep],
                start_lines[keep],
            )
        self._check_records(record_seps, lengths, start_lines)
        if len(ends):
            last = int(ends[-1])
            self.separators = len(seps) - int(before[-1])
            self.length = len(data) - last - 1
            self.line = self.lines_seen + int(
                np.searchsorted(newlines, last, side="right")
            )
        else:
            self.separators += len(seps)
            self.length += len(data)
        self.in_quotes = (len(quotes) + self.in_quotes) % 2
        self.lines_seen += len(newlines)
        self.last = int(data[-1])

    def _check_records(self, seps: Any, lengths: Any, lines: Any) -> None:
        if self.expected is None or self.ragged is not None:
            return
        # A blank line is skipped by pandas, so it is no record.
        wrong = np.flatnonzero((seps + 1 != self.expected) & (lengths > 0))
        if len(wrong):
            first = wrong[0]
            self.ragged = (int(lines[first]), int(seps[first]) + 1)

    def _end_record(self) -> None:
        if self.length > 0:
            if self.expected is None:
                self.expected = self.separators + 1
            else:
                self._check_records(
                    np.array([self.separators]),
                    np.array([self.length]),
                    np.array([self.line]),
                )
        self.separators = self.length = 0


def _header_names(header: bytes, separator: str) -> list[str]:
    text = header.decode("utf-8", errors="replace").lstrip("\ufeff")
    return next(csv.reader(io.StringIO(text), delimiter=separator), [])


def _check_unique(names: list[str], where: str) -> None:
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    repeated = [name for name, count in seen.items() if count > 1 and name != ""]
    if repeated:
        name = repeated[0]
        raise TableError(
            f"{where}: the column name {name!r} appears {seen[name]} times in the "
            "header; column names must be unique"
        )


def _progress_bar(path: Path, size: int) -> tuple[Any, Any]:
    """A rich progress bar on standard error, and the function that advances it."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn(f"Reading {path.name}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
    )
    task = bar.add_task("read", total=size)
    return bar, lambda n: bar.advance(task, n)


def _first_ragged(path: Path, separator: str) -> tuple[int, int, int] | None:
    """(line, fields, expected) of the first ragged record, by Python's csv module.

    The slow, exact check, run only when the fast scan saw a ragged record: a quote
    inside an unquoted field (``12" pipe``) is a plain character to pandas and to
    this reader, but it flips the fast scan's quote parity.
    """
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=separator)
        expected, line = None, 1
        for record in reader:
            if record:
                if expected is None:
                    expected = len(record)
                elif len(record) != expected:
                    return line, len(record), expected
            line = reader.line_num + 1
    return None


def _read_csv(path: Path, separator: str, progress: bool) -> Any:
    pd = pandas()
    size = path.stat().st_size
    with path.open("rb") as handle:
        start = handle.read(_SNIFF_BYTES)
        if b"\x00" in start:
            raise TableError(f"{path} is a binary file, not {_kind(path)} text")
        if not start.strip(b"\xef\xbb\xbf \t\r\n"):
            raise TableError(f"{path} is empty")
        handle.seek(0)
        bar, advance = (
            _progress_bar(path, size)
            if progress and size >= PROGRESS_MIN_BYTES
            else (None, None)
        )
        reader = _CheckedReader(handle, separator, advance)
        frame, failure = None, ""
        try:
            if bar is not None:
                bar.start()
            with warnings.catch_warnings():
                # A column whose blocks parse differently ends as text; it is then
                # read by the column inference, so pandas' warning says nothing new.
                warnings.simplefilter("ignore", pd.errors.DtypeWarning)
                frame = pd.read_csv(reader, sep=separator, encoding="utf-8")
        except (_Stop, UnicodeDecodeError):
            pass
        except pd.errors.ParserError as error:
            failure = str(error).strip().splitlines()[-1]
        except pd.errors.EmptyDataError:
            raise TableError(f"{path} is empty") from None
        finally:
            if bar is not None:
                bar.stop()
    if reader.bad_byte is not None:
        line, byte = reader.bad_byte
        raise TableError(
            f"{path} is not UTF-8 text (byte 0x{byte:02x} on line {line}); save it "
            "as UTF-8 (in a spreadsheet: CSV UTF-8)"
        )
    if frame is None or reader.ragged is not None:
        ragged = _first_ragged(path, separator)
        if ragged is not None:
            line, fields, expected = ragged
            raise TableError(
                f"{path}, line {line}: {fields} field(s) where the header has "
                f"{expected}; every row needs one value per column (an empty one "
                "for a missing value)"
            )
        if failure:
            raise TableError(f"{path} cannot be read as {_kind(path)}: {failure}")
        frame = pd.read_csv(path, sep=separator, encoding="utf-8", low_memory=False)
    _check_unique(_header_names(bytes(reader.header), separator), str(path))
    return frame


def _kind(path: Path) -> str:
    return "TSV" if SEPARATORS.get(path.suffix.lower()) == "\t" else "CSV"


def _read_parquet(path: Path) -> Any:
    pd = pandas()
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            "Reading Parquet needs pyarrow: pip install 'axon[table]'"
        ) from None
    try:
        schema = pq.read_schema(path)
        _check_unique(list(schema.names), str(path))
        return pd.read_parquet(path)
    except TableError:
        raise
    except Exception as error:  # pyarrow raises several classes for a bad file
        raise TableError(
            f"{path} is not a Parquet file ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else 'unreadable'})"
        ) from None


def check_frame(frame: Any, where: str) -> Any:
    """Check what every table needs: unique column names, at least one row."""
    _check_unique([str(c) for c in frame.columns], where)
    if len(frame.columns) == 0:
        raise TableError(f"{where} is empty")
    if len(frame) == 0:
        names = ", ".join(map(str, frame.columns[:10]))
        more = ", ..." if len(frame.columns) > 10 else ""
        raise TableError(f"{where} has a header ({names}{more}) but no rows")
    return frame


def read_table(path: str | os.PathLike[str], progress: bool = False) -> Any:
    r"""Read a CSV, TSV or Parquet file into a pandas DataFrame.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (or ``.txt``) separated by commas, ``.tsv`` (or ``.tab``) by tabs,
        ``.parquet`` (or ``.pq``; needs pyarrow). Text must be UTF-8.
    progress : bool
        Show a progress bar on standard error for files above 32 MiB.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    TableError
        A ValueError whose one-line message names the file and the problem.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "t.csv").write_text("size,colour\n1.5,red\n2.0,\n")
    >>> read_table(folder / "t.csv").shape
    (2, 2)
    >>> _ = (folder / "bad.csv").write_text("size,colour\n1.5,red\n2.0\n")
    >>> read_table(folder / "bad.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    axon.tabular.io.TableError: .../bad.csv, line 3: 1 field(s) where the header has 2; ...
    """
    path = Path(path)
    if not path.exists():
        raise TableError(f"{path}: no such file")
    if path.is_dir():
        raise TableError(f"{path} is a folder, not a table")
    suffix = path.suffix.lower()
    if suffix in PARQUET:
        frame = _read_parquet(path)
    elif suffix in SEPARATORS:
        frame = _read_csv(path, SEPARATORS[suffix], progress)
    else:
        raise TableError(
            f"{path}: expected a .csv, .tsv or .parquet file. Received: "
            f"{suffix or 'no extension'}"
        )
    return check_frame(frame, str(path))
