"""Data larger than memory: dask arrays and memory-mapped arrays, a chunk at a time.

``fit``, ``evaluate`` and ``predict`` take a ``dask.array.Array`` or a ``numpy.memmap``
(``np.load(path, mmap_mode="r")`` returns one) for ``x`` and ``y``, and read them one
chunk at a time: the rows are checked and cast chunk by chunk, never all at once.

**Chunks.** A dask array's row chunks (``x``'s; ``y`` and the sample weights are read
by the same row ranges, however ``y`` is chunked), or ``CHUNK_BYTES`` of a memmap's
rows. An array of at most ``WHOLE_BYTES`` is read whole into memory, and data that
small train exactly as the same NumPy arrays do.

**An epoch** (``shuffle=True``): the model's generator draws a permutation of the
chunks, then, as each chunk is read, a permutation of its rows; batches are cut
from the permuted chunk in order, and the rows left at a chunk's end open the next
chunk's first batch, so an epoch has ``ceil(n / batch_size)`` batches as in memory.
The same seed and the same chunks give the same batches (a memmap and a dask array
of the same rows and chunks train to the same weights). This is not the in-memory
order: there one permutation mixes all rows, here a batch holds rows of one chunk
(two at a chunk's end). With ``shuffle=False`` the batches are the in-memory ones,
row for row, and training is bit for bit the same; so is shuffled training on data
within one chunk (the one permutation is then the in-memory one).

**Memory**: a chunk of ``x`` and ``y`` as read, and its permuted copy. A memmap's
pages are handed back to the kernel after each chunk is copied out
(``madvise(MADV_DONTNEED)``; the file stays in the page cache, outside the
process's resident memory), except for a copy-on-write memmap (mode ``"c"``),
whose pages may hold changes the caller made. Sample and class weights are held in
memory, one float per row.

**Validation**: ``validation_split`` takes the last rows, as in Keras, as a row
range of the same array; validation data are read a chunk at a time at each
evaluation, as ``evaluate`` and ``predict`` read theirs.
"""

from __future__ import annotations

import bisect
import itertools
import math
import mmap
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from axon.config import Array
from axon.models import data

CHUNK_BYTES = 32 * 2**20
"""Bytes of a memmap's rows read at once."""
WHOLE_BYTES = 4 * 2**20
"""Arrays up to this size are read whole into memory (a small ``y`` too: beyond,
it would be as tall as ``x`` in memory, which grows with the file)."""


def is_dask_array(x: Any) -> bool:
    """Whether ``x`` is a ``dask.array.Array`` (without importing dask)."""
    return type(x).__module__.startswith("dask.array") and hasattr(x, "chunks")


def is_out_of_core(x: Any) -> bool:
    """Whether ``x`` is read a chunk at a time: a memmap or a dask array."""
    return data._out_of_core(x)


def _known_chunks(array: Any, name: str) -> tuple[int, ...]:
    """The row bounds of a dask array's chunks, refusing unknown (nan) sizes."""
    if any(math.isnan(size) for sizes in array.chunks for size in sizes):
        raise ValueError(
            f"Expected {name} with known chunk sizes. Received: a dask array whose "
            "chunk sizes are unknown (nan), as after boolean indexing or a "
            f"DataFrame's .values. Call {name} = {name}.compute_chunk_sizes() first, "
            "or take a DataFrame's rows with .to_dask_array(lengths=True)."
        )
    return tuple(int(b) for b in np.cumsum([0, *array.chunks[0]]))


def _mapping(array: Any) -> mmap.mmap | None:
    """The memmap's ``mmap``, where its pages can be handed back to the kernel."""
    if getattr(array, "mode", "c") == "c" or not hasattr(mmap, "MADV_DONTNEED"):
        return None  # copy-on-write: dropping a page would drop the caller's changes
    base = array
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    return base


class Source:
    """An out-of-core array's rows, read as fresh NumPy arrays a range at a time."""

    def __init__(self, array: Any, name: str) -> None:
        self.array, self.name = array, name
        self.dask = is_dask_array(array)
        if self.dask:
            self.bounds = _known_chunks(array, name)
        else:
            n = int(array.shape[0]) if array.ndim else 0
            row_bytes = max(1, array.dtype.itemsize * math.prod(array.shape[1:]))
            step = max(1, CHUNK_BYTES // row_bytes)
            self.bounds = (*range(0, n, step), n)
        self.shape = tuple(int(d) for d in array.shape)
        self.dtype = np.dtype(array.dtype)
        self.nbytes = self.dtype.itemsize * math.prod(self.shape)
        self._pages = None if self.dask else _mapping(array)
        self._delayed: dict[tuple[int, int], Any] | None = None

    def _blocks(self) -> dict[tuple[int, int], Any]:
        """A dask array's row chunks as ``Delayed`` objects, by row range.

        Computing a chunk this way hands back the chunk itself; ``x[a:b].compute()``
        assembles a copy (measured: 35 against 42-52 ms for 32 MiB). Only where each
        row chunk is one block (one chunk across the columns).
        """
        if self._delayed is None:
            self._delayed = {}
            if all(len(sizes) == 1 for sizes in self.array.chunks[1:]):
                blocks = self.array.to_delayed().reshape(-1)
                pairs = itertools.pairwise(self.bounds)
                self._delayed = dict(zip(pairs, blocks, strict=True))
        return self._delayed

    def read(
        self,
        start: int,
        stop: int,
        order: Array | None = None,
        out: Array | None = None,
    ) -> Array:
        """Rows ``[start, stop)`` in memory, in ``order`` (indices into them) if given.

        A memmap's rows are gathered in ``order`` straight from the mapping (into
        ``out`` when it has their type): no second copy of the chunk.
        """
        if self.dask:
            block = self._blocks().get((start, stop))
            whole = self.array[start:stop] if block is None else block
            rows = np.asarray(whole.compute())
            return rows if order is None else _take(rows, order, out)
        part = self.array[start:stop]
        rows = np.array(part) if order is None else _take(part, order, out)
        if self._pages is not None and rows.size:
            # The whole mapping: the kernel maps pages around each fault too (64 KiB
            # windows, larger folios), beyond the rows read; a range unmapped costs
            # only a walk over its page tables.
            self._pages.madvise(mmap.MADV_DONTNEED)
        return rows


def _take(rows: Any, order: Array, out: Array | None) -> Array:
    """``rows[order]``, into ``out`` when it fits.

    ``mode="clip"``: a permutation is always in range, and NumPy's checked mode is
    several times slower with ``out=``.
    """
    if out is None or out.dtype != rows.dtype or out.shape[1:] != rows.shape[1:]:
        # a plain array: a memmap's take is a memmap instance backed by nothing
        return np.take(rows, order, axis=0).view(np.ndarray)
    return np.take(rows, order, axis=0, out=out[: len(order)], mode="clip")


class Rows:
    """Rows ``[lo, hi)`` of an out-of-core array, checked and cast as they are read.

    What the training loop, ``evaluate`` and ``predict`` index: ``len``, ``shape``
    and slices of consecutive rows (served from one cached chunk). ``np.asarray``
    reads every row at once (a batch as large as the data asks for that).
    """

    def __init__(
        self,
        source: Source,
        convert: Callable[[Array, str], Array],
        lo: int = 0,
        hi: int | None = None,
        sample: tuple[tuple[int, ...], np.dtype[Any]] | None = None,
    ) -> None:
        self.source, self.convert = source, convert
        self.lo, self.hi = lo, source.shape[0] if hi is None else hi
        if sample is None:  # the checked form of one row: its shape and type
            head = self.read(0, 1)
            sample = (head.shape[1:], head.dtype)
        self.sample = sample
        self._cached: tuple[int, int, Array] | None = None

    def __len__(self) -> int:
        return self.hi - self.lo

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self), *self.sample[0])

    @property
    def ndim(self) -> int:
        return 1 + len(self.sample[0])

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.sample[1]

    def ranges(self) -> list[tuple[int, int]]:
        """The chunks' row ranges, relative to this view."""
        cuts = [b for b in self.source.bounds if self.lo < b < self.hi]
        edges = [self.lo, *cuts, self.hi]
        return [(a - self.lo, b - self.lo) for a, b in itertools.pairwise(edges)]

    def read(
        self,
        start: int,
        stop: int,
        order: Array | None = None,
        out: Array | None = None,
    ) -> Array:
        """Rows ``[start, stop)`` of this view, checked and cast, in ``order`` if given."""
        a, b = self.lo + start, self.lo + stop
        where = f"{self.source.name}[{a}:{b}]"
        try:
            return self.convert(self.source.read(a, b, order, out), where)
        except ValueError:
            if order is None:
                raise
            # Say where the bad value is in the file's order, not the shuffled one.
            self.convert(self.source.read(a, b), where)
            raise

    def part(self, start: int, stop: int) -> Rows:
        """Rows ``[start, stop)`` of this view, as a view (nothing is read)."""
        return Rows(
            self.source, self.convert, self.lo + start, self.lo + stop, self.sample
        )

    def __getitem__(self, rows: Any) -> Array:
        if not isinstance(rows, slice) or rows.step not in (None, 1):
            raise TypeError(
                "Expected a slice of consecutive rows: out-of-core data are read a "
                f"range at a time. Received: {rows!r}"
            )
        start, stop, _ = rows.indices(len(self))
        pieces = []
        while start < stop:
            first, last, chunk = self._chunk(start)
            pieces.append(chunk[start - first : min(stop, last) - first])
            start = last
        if len(pieces) == 1:
            return pieces[0]
        if not pieces:
            return np.empty((0, *self.sample[0]), self.dtype)
        return np.concatenate(pieces)

    def _chunk(self, row: int) -> tuple[int, int, Array]:
        """The chunk holding ``row``: ``(first, stop, rows)``, read once and kept."""
        cached = self._cached
        if cached is None or not cached[0] <= row < cached[1]:
            ranges = self.ranges()
            index = bisect.bisect_right([a for a, _ in ranges], row) - 1
            first, last = ranges[index]
            cached = self._cached = (first, last, self.read(first, last))
        return cached

    def __array__(self, dtype: Any = None, copy: Any = None) -> Array:
        whole = self.read(0, len(self))
        return whole if dtype is None else whole.astype(dtype, copy=False)

    def class_of(self) -> Array:
        """:func:`axon.models.data.class_of` of every row, read chunk by chunk."""
        return np.concatenate(
            [data.class_of(self.read(a, b)) for a, b in self.ranges()]
        )

    def classes(self) -> Array:
        """The distinct classes of the rows, without holding one value per row."""
        found = [np.unique(data.class_of(self.read(a, b))) for a, b in self.ranges()]
        return np.unique(np.concatenate(found))


def in_memory(values: Any, name: str) -> Any:
    """A memmap's or a dask array's rows, all in memory (other values as they are)."""
    if not is_out_of_core(values):
        return values
    source = Source(values, name)
    return source.read(0, source.shape[0])


def _check_source(source: Source, name: str) -> None:
    if source.dtype.kind not in "biuf":
        raise TypeError(
            f"Expected {name} to hold real numbers. Received: an out-of-core array of "
            f"dtype {source.dtype}"
        )
    if source.shape[0] == 0 or source.nbytes == 0:
        raise ValueError(f"Expected a non-empty {name}. Received: shape {source.shape}")


def inputs(x: Any, n_features: int | None, name: str) -> Any:
    """``x`` as :class:`Rows` of checked inputs (an array when it fits one chunk)."""
    source = Source(x, name)
    _check_source(source, name)
    data.check_input_shape(tuple(source.shape), n_features, name)

    def convert(rows: Array, where: str) -> Array:
        return data.as_inputs(rows, n_features, where)

    if source.nbytes <= WHOLE_BYTES:
        return convert(source.read(0, source.shape[0]), name)
    return Rows(source, convert)


def targets(y: Any, loss: Any, n_outputs: int, name: str) -> Any:
    """``y`` as :class:`Rows` of checked targets (an array when it fits one chunk)."""
    source = Source(y, name)
    _check_source(source, name)

    def convert(rows: Array, where: str) -> Array:
        return data.as_targets(rows, loss, n_outputs, where)

    if source.nbytes <= WHOLE_BYTES:
        return convert(source.read(0, source.shape[0]), name)
    return Rows(source, convert)


def _rows(values: Any, start: int, stop: int, order: Any, out: Any) -> Any:
    """Rows ``[start, stop)`` of an array or of :class:`Rows`, in memory, in order."""
    if values is None or not isinstance(values, np.ndarray):
        return None if values is None else values.read(start, stop, order, out)
    part = values[start:stop]
    return part if order is None else _take(part, order, out)


class Batcher(data.Batcher):
    """One epoch after another of ``(x, y)`` batches from out-of-core rows.

    Chunks in a new random order each epoch and rows permuted within each chunk
    (module docstring); ``weights`` follows each batch as in
    :class:`axon.models.weights.WeightedBatcher`.
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        weights: Array | None,
        batch_size: int,
        shuffle: bool,
        rng: np.random.Generator,
    ) -> None:
        self.x, self.y, self.all_weights = x, y, weights
        self.batch_size, self.shuffle, self.rng = batch_size, shuffle, rng
        self.chunks = (x if isinstance(x, Rows) else y).ranges()
        self.weights: Array | None = None
        self._buffers: list[Array | None] = [None, None, None]

    @property
    def steps(self) -> int:
        """Batches per epoch."""
        return math.ceil(len(self.x) / self.batch_size)

    def _read(self, start: int, stop: int) -> list[Any]:
        """One chunk's ``[x, y, weights]``, its rows permuted when shuffling.

        The permuted rows are gathered into buffers reused from chunk to chunk (the
        trainer is done with a batch before it asks for the next).
        """
        if not self.shuffle:
            sources = (self.x, self.y, self.all_weights)
            return [_rows(v, start, stop, None, None) for v in sources]
        order = self.rng.permutation(stop - start)
        longest = max(b - a for a, b in self.chunks)
        parts = []
        for i, values in enumerate((self.x, self.y, self.all_weights)):
            part = _rows(values, start, stop, order, self._buffers[i])
            buffer = self._buffers[i]
            if part is not None and (buffer is None or part.base is not buffer):
                # a first chunk, or a cast changed the type: buffer the checked form
                self._buffers[i] = np.empty((longest, *part.shape[1:]), part.dtype)
            parts.append(part)
        return parts

    def epoch(self) -> Iterator[tuple[Array, Array]]:
        """Yield ``(x_batch, y_batch)``, with ``self.weights`` set to the batch's."""
        size, chunks = self.batch_size, self.chunks
        order = (
            self.rng.permutation(len(chunks))
            if self.shuffle and len(chunks) > 1
            else range(len(chunks))
        )
        held: list[list[Any]] = []  # rows carried into the next chunk's first batch
        count = 0
        for index in order:
            parts = self._read(*chunks[int(index)])
            n, at = len(parts[0]), 0
            if held:
                at = min(size - count, n)
                held.append([None if p is None else p[:at] for p in parts])
                count += at
                if count == size:
                    yield self._joined(held)
                    held, count = [], 0
            while at + size <= n:
                self.weights = None if parts[2] is None else parts[2][at : at + size]
                yield parts[0][at : at + size], parts[1][at : at + size]
                at += size
            if at < n:
                held.append([None if p is None else p[at:].copy() for p in parts])
                count += n - at
        if held:
            yield self._joined(held)

    def _joined(self, held: list[list[Any]]) -> tuple[Array, Array]:
        """One batch of the rows carried from chunk to chunk (weights: ``weights``)."""
        x, y, w = (list(p) for p in zip(*held, strict=True))
        self.weights = None if w[0] is None else np.concatenate(w)
        return np.concatenate(x), np.concatenate(y)
