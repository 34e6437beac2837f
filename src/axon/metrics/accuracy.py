"""The accuracy family: running counts of hits, never stored predictions.

Each is a :class:`~axon.metrics.base.Mean` of a per-sample hit (1 or 0), so its
epoch value is ``hits / samples`` (weighted by ``sample_weight`` when given), as Keras
reports it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from axon.config import Array
from axon.metrics.base import Mean, same_rank


class _Hits(Mean):
    """A Mean of per-sample hits computed by :meth:`hits`."""

    def update_state(  # type: ignore[override]
        self, y_true: Any, y_pred: Any, sample_weight: Any = None
    ) -> None:
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        if len(y_true) != len(y_pred):
            raise ValueError(
                "Expected y_true and y_pred with as many rows. Received: y_true of "
                f"shape {y_true.shape}, y_pred of shape {y_pred.shape}"
            )
        self.add(self.hits(y_true, y_pred), sample_weight)

    def hits(self, y_true: Array, y_pred: Array) -> Array:
        """One hit (bool) per sample, or per entry (averaged per sample)."""
        raise NotImplementedError


class Accuracy(_Hits):
    """How often predictions equal the targets exactly: ``mean(y_pred == y_true)``.

    ``compile(metrics=["accuracy"])`` does not make this one: it picks the accuracy
    that fits the loss (see :func:`axon.metrics.resolve_accuracy`).

    Examples
    --------
    >>> Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    0.75
    """

    def hits(self, y_true: Array, y_pred: Array) -> Array:
        y_true, y_pred = same_rank(y_true, y_pred)
        return y_true.astype(y_pred.dtype, copy=False) == y_pred


class BinaryAccuracy(_Hits):
    """How often ``y_pred > threshold`` equals the target: ``mean(y_true == [p > t])``.

    As in Keras, the target is compared as it is (0 or 1), not thresholded: a target
    of 0.7 never counts as a hit, which is why accuracy is near zero on regression
    targets.

    Parameters
    ----------
    threshold : float
        A prediction above it counts as 1 (0.5).

    Examples
    --------
    >>> BinaryAccuracy()([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    0.75
    """

    def __init__(
        self,
        name: str | None = "binary_accuracy",
        dtype: str | None = None,
        threshold: float = 0.5,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self.threshold = threshold

    def hits(self, y_true: Array, y_pred: Array) -> Array:
        if y_true.ndim != y_pred.ndim:
            y_true, y_pred = same_rank(y_true, y_pred)
        return (y_pred > self.threshold) == y_true

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(_Hits):
    """How often the largest output is at the one-hot target's class.

    Examples
    --------
    >>> CategoricalAccuracy()([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    0.5
    """

    def __init__(
        self, name: str | None = "categorical_accuracy", dtype: str | None = None
    ) -> None:
        super().__init__(name=name, dtype=dtype)

    def hits(self, y_true: Array, y_pred: Array) -> Array:
        return y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)


class SparseCategoricalAccuracy(_Hits):
    """How often the largest output is at the integer target class.

    Examples
    --------
    >>> SparseCategoricalAccuracy()([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    0.5
    """

    def __init__(
        self,
        name: str | None = "sparse_categorical_accuracy",
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)

    def hits(self, y_true: Array, y_pred: Array) -> Array:
        return y_pred.argmax(axis=-1) == y_true.reshape(len(y_true))


def _in_top_k(labels: Array, y_pred: Array, k: int) -> Array:
    """Whether each row's ``labels`` class scores at least the row's k-th largest score.

    Ties at the k-th score count as hits, as in Keras.
    """
    k = min(k, y_pred.shape[-1])
    kth = np.partition(y_pred, -k, axis=-1)[:, -k]  # (batch,)
    scores = np.take_along_axis(y_pred, labels.reshape(-1, 1).astype(np.intp), axis=1)
    return scores[:, 0] >= kth


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"Expected a positive integer. Received: k={k!r}")
    return int(k)


class TopKCategoricalAccuracy(_Hits):
    """How often the one-hot target's class is among the ``k`` largest outputs.

    Parameters
    ----------
    k : int
        How many of the largest outputs count (5).

    Examples
    --------
    >>> TopKCategoricalAccuracy(k=1)([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    0.5
    >>> TopKCategoricalAccuracy(k=2)([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    1.0
    """

    def __init__(
        self,
        k: int = 5,
        name: str | None = "top_k_categorical_accuracy",
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self.k = _check_k(k)

    def hits(self, y_true: Array, y_pred: Array) -> Array:
        return _in_top_k(y_true.argmax(axis=-1), y_pred, self.k)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "k": self.k}


class SparseTopKCategoricalAccuracy(_Hits):
    """How often the integer target class is among the ``k`` largest outputs.

    Parameters
    ----------
    k : int
        How many of the largest outputs count (5).
    from_sorted_ids : bool
        ``y_pred`` already holds class ids sorted by score (best first), as from
        ``argsort``; a hit is a target among its first ``k`` columns.

    Examples
    --------
    >>> SparseTopKCategoricalAccuracy(k=1)([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    0.5
    >>> SparseTopKCategoricalAccuracy(k=1, from_sorted_ids=True)([2, 1], [[2, 0], [0, 1]])
    0.5
    """

    def __init__(
        self,
        k: int = 5,
        name: str | None = "sparse_top_k_categorical_accuracy",
        dtype: str | None = None,
        from_sorted_ids: bool = False,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self.k = _check_k(k)
        self.from_sorted_ids = bool(from_sorted_ids)

    def hits(self, y_true: Array, y_pred: Array) -> Array:
        labels = y_true.reshape(len(y_true))
        if self.from_sorted_ids:
            return (y_pred[:, : self.k] == labels[:, None]).any(axis=1)
        return _in_top_k(labels, y_pred, self.k)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "k": self.k}
        return {**config, "from_sorted_ids": True} if self.from_sorted_ids else config
