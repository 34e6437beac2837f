"""What ``fit`` is fed beyond arrays: generators, PyDatasets, ``validation_freq``.

``validation_freq`` follows Keras 3: an int ``N`` validates after every ``N``-th epoch
(epochs counted from 1, so ``N=2`` validates after epochs 2, 4, ...); a list validates
after the epochs it names.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from axon.config import Array
from axon.models import data


def validation_schedule(validation_freq: Any) -> Callable[[int], bool]:
    """Return ``should_validate(epoch)`` for 0-based ``epoch``, checking the argument.

    Examples
    --------
    >>> should = validation_schedule(2)
    >>> [should(epoch) for epoch in range(4)]
    [False, True, False, True]
    >>> validation_schedule([1, 3])(2)
    True
    """
    if isinstance(validation_freq, (int, np.integer)) and not isinstance(
        validation_freq, bool
    ):
        if validation_freq < 1:
            raise ValueError(
                "Expected validation_freq to be a positive integer or a list of "
                f"epochs. Received: validation_freq={validation_freq!r}"
            )
        every = int(validation_freq)
        return lambda epoch: (epoch + 1) % every == 0
    if isinstance(validation_freq, (list, tuple)) and all(
        isinstance(e, (int, np.integer)) and not isinstance(e, bool)
        for e in validation_freq
    ):
        epochs = {int(e) for e in validation_freq}
        return lambda epoch: epoch + 1 in epochs
    raise ValueError(
        "Expected validation_freq to be a positive integer or a list of epochs. "
        f"Received: validation_freq={validation_freq!r}"
    )


def is_stream(x: Any) -> bool:
    """Whether ``x`` is fed batch by batch: a PyDataset, a generator or an iterator."""
    from axon.utils import PyDataset

    return isinstance(x, PyDataset) or (
        hasattr(x, "__next__") and not isinstance(x, np.ndarray)
    )


def _unpack(batch: Any, index: int) -> tuple[Any, Any, Any]:
    if isinstance(batch, np.ndarray):  # inputs alone: what predict needs
        return batch, None, None
    if not isinstance(batch, (tuple, list)) or len(batch) not in (1, 2, 3):
        raise ValueError(
            f"Expected batch {index} as (x, y) or (x, y, sample_weight). "
            f"Received: {type(batch).__name__}"
        )
    x, y, w = (*batch, None, None)[:3]
    return x, y, w


class Stream:
    """Batches read from a PyDataset or a generator, checked as they come.

    The first batch is read at once (it builds the model and fixes each sample's
    shape); a later batch whose samples have another shape is a ValueError naming
    the batch. A plain generator needs ``steps`` (Keras's ``steps_per_epoch``):
    axon does not run one to exhaustion to find an epoch's end.
    """

    def __init__(self, source: Any, steps: Any, argument: str = "steps_per_epoch"):
        from axon.utils import PyDataset

        self.source = source
        self.indexed = isinstance(source, PyDataset)
        if steps is not None and (
            isinstance(steps, bool)
            or not isinstance(steps, (int, np.integer))
            or steps < 1
        ):
            raise ValueError(
                f"Expected a positive integer. Received: {argument}={steps!r}"
            )
        if steps is None and not self.indexed:
            raise ValueError(
                f"Expected {argument}, the number of batches to draw from a generator "
                f"per epoch. Received: {argument}=None"
            )
        self.steps = int(steps) if steps is not None else len(source)
        self.first = _unpack(self._read(0), 0)
        self._pending = True
        self.shape: tuple[int, ...] | None = None

    def _read(self, index: int) -> Any:
        if self.indexed:
            return self.source[index % len(self.source)]
        return next(self.source)

    def batches(self, order: Any = None) -> Iterator[tuple[int, Any, Any, Any]]:
        """One epoch of ``(index, x, y, sample_weight)``, raw as the source gives them.

        ``order``: the PyDataset's batch indices in the order to read them.
        """
        for index in range(self.steps):
            if self._pending and (order is None or order[index] == 0):
                self._pending = False
                x, y, w = self.first
            else:
                try:
                    read = index if order is None else int(order[index])
                    x, y, w = _unpack(self._read(read), read)
                except StopIteration:
                    warnings.warn(
                        f"The generator ran out of data at batch {index} of "
                        f"{self.steps}; the epoch ends there.",
                        UserWarning,
                        stacklevel=3,
                    )
                    return
            yield index, x, y, w
        if self.indexed:
            self.source.on_epoch_end()

    def check(self, index: int, x: Array) -> Array:
        """Refuse a batch whose samples differ in shape from the first batch's."""
        if self.shape is None:
            self.shape = x.shape[1:]
        elif x.shape[1:] != self.shape:
            raise ValueError(
                f"Expected every batch's samples to have shape {self.shape}, as the "
                f"first batch's. Received: batch {index} with shape {x.shape[1:]}"
            )
        return x


class StreamBatcher(data.Batcher):
    """What the training loop needs from a :class:`Stream`: ``steps`` and ``epoch``.

    As in Keras 3, ``shuffle`` reads a PyDataset's batches in a new random order each
    epoch; a generator shuffles in its own code.
    """

    def __init__(
        self, model: Any, stream: Stream, class_weight: Any, shuffle: bool
    ) -> None:
        self.model, self.stream, self.class_weight = model, stream, class_weight
        self.shuffle = shuffle and stream.indexed

    @property
    def steps(self) -> int:
        """Batches per epoch."""
        return self.stream.steps

    def epoch(self) -> Iterator[tuple[Array, Array]]:
        """Yield ``(x_batch, y_batch)``, with ``self.weights`` set to the batch's."""
        from axon.models import weights as weighting

        model = self.model
        order = self.model.rng.permutation(self.steps) if self.shuffle else None
        for index, x, y, w in self.stream.batches(order):
            xb = self.stream.check(index, model._as_inputs(x, f"batch {index}"))
            yb = model._as_targets(y, model.loss, f"batch {index}")
            self.weights = weighting.prepare(model, yb, w, self.class_weight)
            yield xb, yb


def materialize(model: Any, stream: Stream) -> tuple[Array, Array, Array | None]:
    """All of a stream's batches for one pass, stacked: evaluation's input."""
    xs, ys, ws = [], [], []
    for index, x, y, w in stream.batches():
        xs.append(stream.check(index, model._as_inputs(x, f"batch {index}")))
        ys.append(model._as_targets(y, model.loss, f"batch {index}"))
        ws.append(w)
    if all(w is None for w in ws):
        return np.concatenate(xs), np.concatenate(ys), None
    from axon.models import weights as weighting  # a column per output for several

    weights = [
        weighting.prepare(model, y, np.ones(len(y)) if w is None else w)
        for y, w in zip(ys, ws, strict=True)
    ]
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(weights)  # type: ignore[arg-type]


def open_fit(x: Any, steps: Any, validation_split: float) -> Stream | None:
    """The stream ``fit`` reads, or None for arrays."""
    if not is_stream(x):
        return None
    if validation_split:
        raise ValueError(
            "Expected validation_data with a generator or a PyDataset: "
            "validation_split needs arrays to split. "
            f"Received: validation_split={validation_split!r}"
        )
    return Stream(x, steps)


def evaluation_arrays(
    model: Any, x: Any, steps: Any, argument: str = "steps"
) -> tuple[Array, Array, Array | None]:
    """A stream read once into arrays (the first batch builds the model)."""
    stream = Stream(x, steps, argument)
    model._prepare(*stream.first[:2], "evaluate")
    return materialize(model, stream)


def evaluation_data(model: Any, x: Any, steps: Any) -> tuple[Any, Any, Any]:
    """``evaluate``'s stream read once, as data it takes (it checks and packs them).

    Several inputs or outputs come back as a list or dict, not side by side.
    """
    x, y, w = evaluation_arrays(model, x, steps)
    unpacked = getattr(model, "_unpacked", None)
    return (*unpacked(x, y), w) if unpacked else (x, y, w)


def predict_stream(model: Any, x: Any, steps: Any) -> Any:
    """``predict`` over a stream's batches, their outputs stacked (per output)."""
    stream = Stream(x, steps, "steps")
    outputs = []
    for index, xb, _, _ in stream.batches():
        rows = len(stream.check(index, model._as_inputs(xb, f"batch {index}")))
        outputs.append(model.predict(xb, batch_size=rows, verbose=0))
    if isinstance(outputs[0], dict):  # several outputs
        return {key: np.concatenate([o[key] for o in outputs]) for key in outputs[0]}
    if isinstance(outputs[0], list):
        return [np.concatenate(parts) for parts in zip(*outputs, strict=True)]
    return np.concatenate(outputs)


def validation(
    model: Any,
    training: tuple[Array, Array, Array | None, Any],
    validation_data: Any,
    validation_split: float,
    validation_steps: Any,
) -> tuple[Array, Array, Array | None, Any, Any, Array | None]:
    """``fit``'s training and validation sets: ``(x, y, w, x_val, y_val, w_val)``.

    As in Keras, ``validation_data`` (``(x, y)``, ``(x, y, sample_weight)`` or a
    stream) takes precedence over ``validation_split``, which holds out the *last*
    fraction of the rows before any shuffling; sample weights split with their rows,
    class weights weigh training only. A stream given as ``validation_data`` is read
    once and reused every epoch (Keras draws ``validation_steps`` fresh batches each
    time; the same for a PyDataset or a generator that repeats its data).
    """
    from axon.models import weights as weighting

    x, y, sw, class_weight = training
    if is_stream(validation_data):
        x_val, y_val, w_val = evaluation_arrays(
            model, validation_data, validation_steps, "validation_steps"
        )
        return x, y, sw, x_val, y_val, w_val
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(
            validation_data
        ) not in (2, 3):
            raise ValueError(
                "Expected validation_data=(x_val, y_val[, sample_weight_val]). "
                f"Received: {type(validation_data).__name__}"
            )
        x_val, y_val = model._prepare(
            *validation_data[:2],
            "fit",
            ("validation_data[0]", "validation_data[1]"),
        )
        w_val = weighting.prepare(
            model, y_val, (*validation_data, None)[2], name="validation_data[2]"
        )
        return x, y, sw, x_val, y_val, w_val
    if not validation_split:
        return x, y, sw, None, None, None
    loss = model.loss
    classifying = loss.target != "value" or loss.name == "binary_crossentropy"
    x, y, x_val, y_val = data.split_validation(x, y, validation_split, classifying)
    w_val = None
    if sw is not None:
        sw, w_val = sw[: len(x)], sw[len(x) :]
        w_val = w_val if class_weight is None else None
    return x, y, sw, x_val, y_val, w_val


def batcher(
    model: Any,
    stream: Stream | None,
    x: Array,
    y: Array,
    sw: Array | None,
    batch_size: int,
    shuffle: bool,
    class_weight: Any,
) -> data.Batcher:
    """The batches of an epoch: from a stream, or arrays with or without weights."""
    from axon.models import weights as weighting

    if stream is not None:
        return StreamBatcher(model, stream, class_weight, shuffle)
    if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
        from axon.models import chunked  # a memmap or a dask array, chunk by chunk

        return chunked.Batcher(x, y, sw, batch_size, shuffle, model.rng)
    if sw is None:
        return data.Batcher(x, y, batch_size, shuffle, model.rng)
    return weighting.WeightedBatcher(x, y, sw, batch_size, shuffle, model.rng)
