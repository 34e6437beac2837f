"""Small helpers with Keras's names: one-hot encoding, seeding, resetting names."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import config
from axon.config import Array, set_random_seed
from axon.layers.base import clear_session

__all__ = [
    "PyDataset",
    "Sequence",
    "clear_session",
    "set_random_seed",
    "to_categorical",
]


class PyDataset:
    """Batches served by index, as Keras 3's ``keras.utils.PyDataset``.

    Subclass it with ``__len__`` (batches per epoch) and ``__getitem__(index)``
    returning ``(x, y)`` or ``(x, y, sample_weight)`` for batch ``index``;
    ``on_epoch_end`` runs after each epoch (reshuffle there). ``fit``, ``evaluate``
    and ``predict`` take it in place of arrays. ``workers``, ``use_multiprocessing``
    and ``max_queue_size`` are accepted for Keras's signature; axon reads batches in
    the calling thread (a NumPy step leaves no time to overlap on two cores).
    """

    def __init__(
        self,
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ) -> None:
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def on_epoch_end(self) -> None:
        """Called after each epoch; does nothing unless overridden."""

    @property
    def num_batches(self) -> int:
        """Batches per epoch (Keras 3's name for ``len``)."""
        return len(self)


Sequence = PyDataset  # Keras 3 keeps the old name as an alias


def to_categorical(x: Any, num_classes: int | None = None) -> Array:
    """One-hot encode integer class labels: row ``i`` has a 1 in column ``x[i]``.

    Examples
    --------
    >>> to_categorical([0, 2, 1], 3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    try:
        labels = np.asarray(x)
    except ValueError:
        raise ValueError(
            "Expected a 1-D array of class labels. Received: ragged data"
        ) from None
    if num_classes is not None and (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, (int, np.integer))
        or num_classes < 1
    ):
        raise ValueError(
            f"Expected a positive integer. Received: num_classes={num_classes!r}"
        )
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(
            f"Expected a non-empty 1-D array of class labels. Received: shape {labels.shape}"
        )
    if not np.issubdtype(labels.dtype, np.number) or not np.all(
        labels == np.round(labels)
    ):
        raise ValueError("Expected integer class labels. Received: non-integer values")
    labels = labels.astype(np.int64)
    if labels.min() < 0:
        raise ValueError(f"Expected labels >= 0. Received: a label {labels.min()}")
    if num_classes is None:
        num_classes = int(labels.max()) + 1
    if labels.max() >= num_classes:
        raise ValueError(
            f"Expected labels below num_classes={num_classes}. "
            f"Received: a label {labels.max()}"
        )
    one_hot = np.zeros((len(labels), num_classes), dtype=config.floatx())
    one_hot[np.arange(len(labels)), labels] = 1
    return one_hot
