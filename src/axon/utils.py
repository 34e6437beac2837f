"""Small helpers with Keras's names: one-hot encoding, seeding, resetting names."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import config
from axon.config import Array, set_random_seed
from axon.layers.base import clear_session

__all__ = ["clear_session", "set_random_seed", "to_categorical"]


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
