"""Metrics from confusion counts per threshold: Precision, Recall, AUC.

Each keeps true/false positive/negative counts (weighted by ``sample_weight``) for
each of its thresholds, so memory is O(thresholds) however long the epoch, and the
epoch's value is computed from the epoch's counts, as Keras does: the AUC over all of
the epoch's predictions, not a mean of batch AUCs. A prediction counts as positive
when it is strictly above the threshold; any non-zero target counts as positive.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.metrics.base import Metric, same_rank, sample_weights

NEG_INF = -1e10  # below every score: with top_k, each of the top k counts as positive


def _thresholds(thresholds: Any, default: float) -> list[float]:
    values = [default] if thresholds is None else np.ravel(thresholds).tolist()
    if thresholds is not None and not all(0 <= t <= 1 for t in values):
        raise ValueError(
            f"Expected thresholds between 0 and 1. Received: thresholds={thresholds!r}"
        )
    return [float(t) for t in values]


def _evenly_spaced(thresholds: Array) -> bool:
    """Whether thresholds are ``i / (T - 1)``: then one pass of bucketing counts all."""
    count = len(thresholds)
    even = np.arange(count, dtype=np.float32) / (count - 1) if count > 2 else None
    return even is not None and bool(
        np.allclose(thresholds, even, atol=config.epsilon())
    )


class Confusion(Metric):
    """Counts ``tp``, ``fp``, ``tn``, ``fn`` per threshold (rows) and label (columns).

    With ``multi_label``, each output column keeps its own counts; otherwise every
    entry of the batch is one prediction.
    """

    def __init__(
        self,
        thresholds: Any,
        name: str | None,
        dtype: str | None,
        multi_label: bool = False,
        bucketed: bool | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self._thresholds = np.asarray(thresholds, dtype=np.float64)
        self._bucketed = (
            _evenly_spaced(self._thresholds) if bucketed is None else bucketed
        )
        self.multi_label = bool(multi_label)
        self.counts: dict[str, Array] = {}

    def _inputs(
        self, y_true: Any, y_pred: Any, sample_weight: Any
    ) -> tuple[Array, Array, Array]:
        """Targets (bool), scores and weights, all of the predictions' shape."""
        y_pred = np.asarray(y_pred, dtype=self.dtype)
        y_true, y_pred = same_rank(np.asarray(y_true), y_pred)
        weights = np.ones(y_pred.shape, dtype=np.float64)
        if sample_weight is not None:
            per_sample = sample_weights(sample_weight, len(y_pred))
            weights *= per_sample.reshape(-1, *[1] * (y_pred.ndim - 1))
        return y_true != 0, y_pred, weights

    def _count(self, positive: Array, scores: Array, weights: Array) -> None:
        """Add the batch's counts at every threshold (arrays of equal shape)."""
        if not self.multi_label:
            positive, scores, weights = (
                a.reshape(-1, 1) for a in (positive, scores, weights)
            )
        labels = scores.shape[1]
        n_thresholds = len(self._thresholds)
        true_w = positive * weights  # (n, labels)
        false_w = weights - true_w
        if self._bucketed:
            # threshold i is i / (T - 1): a score in bucket b = ceil(s (T - 1)) - 1 is
            # above thresholds 0..b. Keras's float32 arithmetic, so ties land alike.
            clipped = np.clip(scores, 0, 1)
            bucket = np.ceil(clipped * np.asarray(n_thresholds - 1, scores.dtype)) - 1
            if self._thresholds[0] < 0 or self._thresholds[-1] > 1:
                bucket = np.maximum(bucket, 0)
            keep = bucket >= 0
            index = (bucket.astype(np.intp) * labels + np.arange(labels))[keep]
            size = n_thresholds * labels
            tp = np.bincount(index, true_w[keep], size).reshape(n_thresholds, labels)
            fp = np.bincount(index, false_w[keep], size).reshape(n_thresholds, labels)
            tp, fp = (np.cumsum(a[::-1], axis=0)[::-1] for a in (tp, fp))
        else:
            cuts = self._thresholds.astype(scores.dtype).reshape(-1, 1, 1)
            above = scores[None] > cuts  # (T, n, labels), compared in the scores' dtype
            tp = np.einsum("tnl,nl->tl", above, true_w)
            fp = np.einsum("tnl,nl->tl", above, false_w)
        if not self.counts:
            self.counts = {
                k: np.zeros((n_thresholds, labels)) for k in ("tp", "fp", "tn", "fn")
            }
        self.counts["tp"] += tp
        self.counts["fp"] += fp
        self.counts["tn"] += false_w.sum(axis=0) - fp
        self.counts["fn"] += true_w.sum(axis=0) - tp

    def count(self, name: str) -> Array:
        """Counts of ``"tp"``, ``"fp"``, ``"tn"`` or ``"fn"``: (thresholds,) or (T, labels)."""
        if not self.counts:
            return np.zeros(len(self._thresholds))
        values = self.counts[name]
        return values if self.multi_label else values[:, 0]

    def reset_state(self) -> None:
        for values in self.counts.values():
            values[...] = 0


def _ratio(numerator: Array, denominator: Array) -> Array:
    """``numerator / denominator``, 0 where the denominator is 0 (Keras's divide_no_nan)."""
    safe = np.where(denominator == 0, 1, denominator)
    return np.where(denominator == 0, 0.0, numerator / safe)


class _PrecisionRecall(Confusion):
    """Precision or Recall at ``thresholds``, optionally of ``top_k`` or ``class_id``."""

    def __init__(
        self,
        thresholds: float | list[float] | None = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: str | None = None,
    ) -> None:
        default = 0.5 if top_k is None else NEG_INF
        super().__init__(_thresholds(thresholds, default), name, dtype)
        if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
            raise ValueError(f"Expected a positive integer. Received: top_k={top_k!r}")
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id

    @property
    def thresholds(self) -> list[float]:
        return self._thresholds.tolist()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        positive, scores, weights = self._inputs(y_true, y_pred, sample_weight)
        if self.top_k is not None:
            k = min(self.top_k, scores.shape[-1])
            kth = np.partition(scores, -k, axis=-1)[..., -k : -k + 1 or None]
            scores = np.where(scores >= kth, scores, np.float32(NEG_INF))
        if self.class_id is not None:
            if scores.ndim < 2:
                raise ValueError(
                    "class_id needs y_pred of shape (samples, classes). Received: "
                    f"shape {scores.shape}"
                )
            pick = (..., slice(self.class_id, self.class_id + 1))
            positive, scores, weights = positive[pick], scores[pick], weights[pick]
        self._count(positive, scores, weights)

    def _value(self, other: str) -> Any:
        tp = self.count("tp")
        value = _ratio(tp, tp + self.count(other))
        return float(value[0]) if len(value) == 1 else value

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_PrecisionRecall):
    """``tp / (tp + fp)``: the share of predicted positives that are positive.

    Parameters
    ----------
    thresholds : float or list of float, optional
        A score above it is a predicted positive (0.5). Several give an array.
    top_k : int, optional
        Only each row's ``top_k`` largest scores are predicted positives.
    class_id : int, optional
        Only this column counts (one class of a multi-class output).

    Examples
    --------
    >>> Precision()([0, 1, 1, 1], [1, 0, 1, 1])
    0.6666666666666666
    >>> Precision(top_k=1)([[0, 0, 1], [0, 1, 0]], [[0.1, 0.5, 0.2], [0.1, 0.8, 0.1]])
    0.5
    """

    def result(self) -> Any:
        return self._value("fp")


class Recall(_PrecisionRecall):
    """``tp / (tp + fn)``: the share of positives that are predicted positive.

    Parameters as :class:`Precision`.

    Examples
    --------
    >>> Recall()([0, 1, 1, 1], [1, 0, 1, 1])
    0.6666666666666666
    """

    def result(self) -> Any:
        return self._value("fn")
