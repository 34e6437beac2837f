"""Turning what users pass to ``fit`` into checked arrays, and cutting them into batches.

Inputs are checked and cast to the float type once per call to ``fit``, never per batch.
Every failure is a ValueError or TypeError that names the argument, what was expected
and what was given.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.losses import Loss


def _to_array(data: Any, name: str) -> Array:
    if data is None:
        raise ValueError(f"Expected an array for {name}. Received: {name}=None")
    if hasattr(data, "dtypes") and hasattr(data, "columns"):  # a pandas DataFrame
        _check_numeric_columns(data, name)
    if hasattr(data, "to_numpy"):  # pandas DataFrame / Series
        data = data.to_numpy()
    try:
        array = np.asarray(data)
    except ValueError as error:  # ragged nested lists
        raise ValueError(
            f"Expected {name} to be a rectangular array. Received: ragged data ({error})"
        ) from None
    if array.dtype.kind not in "biuf":  # booleans, integers, floats
        strings = _first_string(array)
        if strings is not None:
            raise TypeError(
                f"Expected {name} to hold real numbers. Received: strings such as "
                f"{strings!r}. {_ENCODE_HINT}"
            )
        raise TypeError(
            f"Expected {name} to hold real numbers. Received: an array of dtype {array.dtype}"
            + (" (ragged rows or mixed types?)" if array.dtype == object else "")
        )
    if array.size == 0:
        raise ValueError(f"Expected a non-empty {name}. Received: shape {array.shape}")
    return array


_ENCODE_HINT = (
    "Encode labels as integers first, e.g. `names, y = np.unique(y, "
    "return_inverse=True)`, then use loss='sparse_categorical_crossentropy' or "
    "axon.utils.to_categorical(y); encode string features with pandas.get_dummies "
    "or scikit-learn's OneHotEncoder."
)


def _first_string(array: Array) -> str | None:
    """The first string in a string or object array, or None if it holds none."""
    if array.dtype.kind in "US":
        return str(array.flat[0])
    if array.dtype == object:
        return next((v for v in array.flat if isinstance(v, str)), None)
    return None


def _check_numeric_columns(frame: Any, name: str) -> None:
    """Name the columns of a DataFrame that do not hold numbers."""
    bad = [
        str(column)
        for column, dtype in zip(frame.columns, frame.dtypes, strict=True)
        if getattr(dtype, "kind", "O") not in "biuf"
    ]
    if bad:
        raise TypeError(
            f"Expected {name} to hold real numbers. Received: a DataFrame whose "
            f"column(s) {', '.join(map(repr, bad))} hold text or other non-numbers. "
            f"{_ENCODE_HINT}"
        )


def check_finite(array: Array, name: str) -> None:
    """Raise a ValueError pointing at the first NaN or infinity in ``array``."""
    if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        count = int((~np.isfinite(array)).sum())
        raise ValueError(
            f"Expected finite values in {name}. Received: {count} NaN or infinite "
            f"value(s), the first at index {where} ({array[where]})"
        )


def _out_of_core(data: Any) -> bool:
    """A memmap or a dask array (read a chunk at a time: :mod:`axon.models.chunked`).

    A memmap's copy (``np.memmap`` by type, backed by no file: no ``base``) is not.
    """
    return (isinstance(data, np.memmap) and data.base is not None) or (
        type(data).__module__.startswith("dask.array") and hasattr(data, "chunks")
    )


def as_inputs(x: Any, n_features: int | None = None, name: str = "x") -> Array:
    """Return ``x`` as a 2-D float array of the model's float type (copied only if needed).

    A memmap or a dask array becomes :class:`axon.models.chunked.Rows`, read a chunk
    at a time (an array when it fits one chunk).
    """
    if type(x) is not np.ndarray and _out_of_core(x):
        from axon.models import chunked

        return chunked.inputs(x, n_features, name)
    array = _to_array(x, name)
    check_input_shape(array.shape, n_features, name)
    return _cast_finite(array, name)


def check_input_shape(
    shape: tuple[int, ...], n_features: int | None, name: str = "x"
) -> None:
    """Refuse inputs that are not ``(samples, n_features)``, in memory or on disk."""
    if len(shape) != 2:
        hint = (
            " Reshape a single feature with x.reshape(-1, 1)."
            if len(shape) == 1
            else ""
        )
        raise ValueError(
            f"Expected {name} of shape (samples, features). Received: shape "
            f"{shape}.{hint}"
        )
    if n_features is not None and shape[1] != n_features:
        raise ValueError(
            f"The model expects {n_features} feature(s) per sample. Received: {name} "
            f"with {shape[1]} column(s), shape {shape}"
        )


def _all_finite(array: Array) -> bool:
    """Whether every value is finite, by one sum where it can.

    NaN and infinities carry through a sum, so a finite sum proves them absent; a
    sum that overflows is checked value by value. One pass and no temporary, where
    ``isfinite(a).all()`` writes a boolean array as large as a quarter of the data:
    a 100,000 x 784 ``predict`` spent 5% of its time there.
    """
    if array.size < 4096:  # small: two calls beat the sum's own overhead
        return bool(np.isfinite(array).all())
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(array, axis=None)
    return bool(np.isfinite(total)) or bool(np.isfinite(array).all())


def _cast_finite(array: Array, name: str) -> Array:
    """Cast to the float type (copying only if needed), then insist on finite values.

    Checked after the cast: a float64 value beyond float32's range becomes infinite.
    """
    dtype = config.floatx()
    if array.dtype == dtype and array.flags.c_contiguous:
        cast = array  # the common case: nothing to convert
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            cast = np.ascontiguousarray(array, dtype=dtype)
    if not _all_finite(cast):
        if np.isfinite(array.astype(np.float64, copy=False)).all():
            raise ValueError(
                f"Expected {name} within the range of {config.floatx()}. Received: values "
                f"up to {np.abs(array).max():.3g}; scale the data, or "
                "axon.config.set_floatx('float64')"
            )
        check_finite(array, name)
    return cast


def as_targets(y: Any, loss: Loss, n_outputs: int, name: str = "y") -> Array:
    """Return ``y`` in the form ``loss`` needs, checking it fits the model's output."""
    if type(y) is not np.ndarray and _out_of_core(y):
        from axon.models import chunked

        return chunked.targets(y, loss, n_outputs, name)
    array = _to_array(y, name)
    check_finite(array.astype(float, copy=False), name)
    if loss.target == "index":
        return _as_class_indices(array, n_outputs, loss.name, name)
    if array.ndim == 1 and n_outputs == 1:
        array = array.reshape(-1, 1)
    if loss.target == "one_hot" and (array.ndim == 1 or array.shape[-1] != n_outputs):
        integral = array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1)
        hint = (
            " These look like integer class labels: use "
            "loss='sparse_categorical_crossentropy', or one-hot encode them with "
            "axon.utils.to_categorical(y, num_classes)."
            if integral
            else ""
        )
        raise ValueError(
            f"{loss.name} expects one-hot {name} of shape (samples, {n_outputs}). "
            f"Received: shape {array.shape}.{hint}"
        )
    if array.ndim != 2 or array.shape[1] != n_outputs:
        raise ValueError(
            f"Expected {name} of shape (samples, {n_outputs}) to match the model's output. "
            f"Received: shape {array.shape}"
        )
    if loss.name == "binary_crossentropy" and ((array < 0) | (array > 1)).any():
        raise ValueError(
            f"binary_crossentropy expects {name} between 0 and 1. Received: values from "
            f"{array.min()} to {array.max()}"
        )
    return _cast_finite(array, name)


def _as_class_indices(array: Array, n_classes: int, loss_name: str, name: str) -> Array:
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(
            f"{loss_name} expects integer class labels of shape (samples,). Received: "
            f"{name} of shape {array.shape}. For one-hot targets use "
            "loss='categorical_crossentropy'."
        )
    labels = array.astype(np.int64)
    if not np.array_equal(labels, array):
        raise ValueError(
            f"{loss_name} expects integer class labels in {name}. Received: "
            f"non-integer values such as {array[labels != array][0]}"
        )
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(
            f"{loss_name} expects class labels from 0 to {n_classes - 1} (the model has "
            f"{n_classes} outputs). Received: labels from {labels.min()} to {labels.max()}"
        )
    return labels


def check_same_length(x: Array, y: Array, names: tuple[str, str] = ("x", "y")) -> None:
    """Raise when ``x`` and ``y`` disagree on the number of samples."""
    if len(x) != len(y):
        raise ValueError(
            f"Expected {names[0]} and {names[1]} to have the same number of samples. "
            f"Received: {names[0]} with {len(x)} and {names[1]} with {len(y)}"
        )


def check_batch_size(batch_size: Any) -> int:
    """Return ``batch_size`` (32 if ``None``) as a positive int or raise."""
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(f"Expected an integer. Received: batch_size={batch_size!r}")
    if batch_size < 1:
        raise ValueError(
            f"Expected a positive integer. Received: batch_size={batch_size}"
        )
    return int(batch_size)


def class_of(y: Array) -> Array:
    """Class index of each target row (argmax of one-hot, the value otherwise)."""
    if not isinstance(y, np.ndarray):  # out-of-core rows, read chunk by chunk
        return y.class_of()
    return (
        y.argmax(axis=1)
        if y.ndim == 2 and y.shape[1] > 1
        else y.reshape(len(y), -1)[:, 0]
    )


def split_validation(
    x: Array, y: Array, validation_split: float, classification: bool
) -> tuple[Array, Array, Array, Array]:
    """Keras's ``validation_split``: the last fraction of rows, taken before shuffling.

    ``split_at = floor(n * (1 - validation_split))``. Warns when the validation rows
    hold a single class while the training rows hold several: the sign of sorted data.
    """
    if not (isinstance(validation_split, (int, float)) and 0 <= validation_split < 1):
        raise ValueError(
            f"Expected a float in [0, 1). Received: validation_split={validation_split!r}"
        )
    split_at = math.floor(len(x) * (1.0 - validation_split))
    if split_at == 0 or split_at == len(x):
        raise ValueError(
            f"validation_split={validation_split} leaves {split_at} training and "
            f"{len(x) - split_at} validation samples out of {len(x)}; both need at least one"
        )
    x_train, x_val = _cut(x, split_at)
    y_train, y_val = _cut(y, split_at)
    # A handful of rows may hold one class by chance; ten or more, while the training
    # rows hold several, is the mark of sorted data.
    if classification and len(y_val) >= 10:
        val_classes = _classes(y_val)
        if len(val_classes) == 1 and len(_classes(y_train)) > 1:
            warnings.warn(
                f"validation_split takes the last {len(x_val)} rows before shuffling, and "
                f"they all belong to class {val_classes[0]}. Your data looks sorted: "
                "shuffle it before fit, or pass validation_data.",
                UserWarning,
                stacklevel=3,
            )
    return x_train, y_train, x_val, y_val


def _cut(values: Any, at: int) -> tuple[Any, Any]:
    """Rows before and from ``at``: views of an array or of out-of-core rows."""
    if isinstance(values, np.ndarray):
        return values[:at], values[at:]
    return values.part(0, at), values.part(at, len(values))


def _classes(y: Any) -> Array:
    """The distinct classes of ``y`` (out-of-core rows: chunk by chunk)."""
    return np.unique(class_of(y)) if isinstance(y, np.ndarray) else y.classes()


def batches(n: int, batch_size: int) -> Iterator[slice]:
    """Yield the row slices of consecutive batches."""
    for start in range(0, n, batch_size):
        yield slice(start, start + batch_size)


LATE_VALUES = 1 << 22  # an epoch's outputs kept for its metrics: 16 MiB in float32


def epoch_outputs(model: Any, batcher: Any, late: bool) -> tuple[Array, Array] | None:
    """The epoch's targets and a buffer for its outputs, where the metrics can wait.

    An accuracy by argmax counts each hit exactly, batch by batch or all at once, so
    where nobody reads a batch's logs (``late``) ``fit`` copies each batch's outputs
    here and updates the metrics once an epoch: in the Iris tutorial's fit the update
    took 5.6 us a step (load 1.5), the copy takes 0.3. Only for a plain ``Batcher``,
    whose targets are one array in the epoch's order, and at most ``LATE_VALUES``
    outputs an epoch (sparse labels of many classes would otherwise hold an epoch of
    scores: 4 GB for a million rows of 1,000); else None (every batch counted).
    """
    from axon.metrics import accuracy

    exact = (accuracy.CategoricalAccuracy, accuracy.SparseCategoricalAccuracy)
    if not (
        late
        and type(batcher) is Batcher
        and (batcher.whole_epoch or not batcher.shuffle)
        and model.metrics
        and all(type(metric) in exact for metric in model.metrics)
    ):
        return None
    shape, dtype = (len(batcher.x), *model.output_shape), model.parameters.dtype
    if math.prod(shape) > LATE_VALUES:
        return None
    if (
        batcher.outputs is None
        or batcher.outputs.shape != shape
        or batcher.outputs.dtype != dtype
    ):
        batcher.outputs = np.empty(shape, dtype)
    return batcher._y_buffer if batcher.shuffle else batcher.y, batcher.outputs


class Batcher:
    """Serve shuffled mini-batches of ``(x, y)``, gathering into reused buffers.

    Shuffling permutes indices, never the caller's data. When the data are small
    (``x`` and ``y`` together under ``whole_epoch_bytes``) each epoch gathers all rows
    into one buffer in shuffled order and batches are contiguous slices of it: one
    NumPy call per epoch instead of two per batch. Larger data are gathered batch by
    batch into a buffer of one batch, so memory stays near the data's own size.
    """

    weights: Array | None = None  # the batch's sample weights (WeightedBatcher)
    outputs: Array | None = None  # an epoch's outputs (epoch_outputs)

    def __init__(
        self,
        x: Array,
        y: Array,
        batch_size: int,
        shuffle: bool,
        rng: np.random.Generator,
        whole_epoch_bytes: int = 32 * 2**20,
    ) -> None:
        self.x, self.y = x, y
        self.batch_size, self.shuffle, self.rng = batch_size, shuffle, rng
        self.whole_epoch = x.nbytes + y.nbytes <= whole_epoch_bytes
        rows = len(x) if self.whole_epoch else min(batch_size, len(x))
        self._x_buffer = np.empty((rows, *x.shape[1:]), dtype=x.dtype)
        self._y_buffer = np.empty((rows, *y.shape[1:]), dtype=y.dtype)

    @property
    def steps(self) -> int:
        """Batches per epoch."""
        return math.ceil(len(self.x) / self.batch_size)

    def epoch(self) -> Iterator[tuple[Array, Array]]:
        """Yield one epoch of ``(x_batch, y_batch)``, valid until the next batch."""
        x, y, size = self.x, self.y, self.batch_size
        if not self.shuffle:
            for rows in batches(len(x), size):
                yield x[rows], y[rows]
            return
        order = self.rng.permutation(len(x))
        if self.whole_epoch:
            # mode="clip": the indices are a permutation, so always in range, and
            # NumPy's checked mode is several times slower when given out=. The
            # methods, not np.take, and a loop without the batches() generator: no
            # dispatcher call an epoch, a Python call a batch fewer.
            x.take(order, axis=0, out=self._x_buffer, mode="clip")
            y.take(order, axis=0, out=self._y_buffer, mode="clip")
            xs, ys = self._x_buffer, self._y_buffer
            for start in range(0, len(x), size):
                yield xs[start : start + size], ys[start : start + size]
            return
        for rows in batches(len(x), size):
            picked = order[rows]
            xb, yb = self._x_buffer[: len(picked)], self._y_buffer[: len(picked)]
            np.take(x, picked, axis=0, out=xb, mode="clip")
            np.take(y, picked, axis=0, out=yb, mode="clip")
            yield xb, yb
