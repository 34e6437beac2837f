"""F-scores: the harmonic mean of precision and recall, per class or averaged."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import config
from axon.metrics.base import Metric, sample_weights

AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """``(1 + b^2) P R / (b^2 P + R)`` from the epoch's counts, per class or averaged.

    Each class keeps its true positives, false positives, false negatives and the
    (weighted) number of its targets; ``epsilon`` (1e-7) is added to every
    denominator, as in Keras, so a class never predicted scores 0 rather than NaN.

    Parameters
    ----------
    average : {None, "micro", "macro", "weighted"}
        None: one score per class (an array). ``"micro"``: one score from the counts
        pooled over classes. ``"macro"``: the mean of the classes' scores.
        ``"weighted"``: their mean weighted by each class's number of targets.
    beta : float
        How many times recall weighs more than precision (1.0).
    threshold : float, optional
        A score above it predicts the class. None: each row predicts its largest
        score (ties all count), unless that score is 0.

    Examples
    --------
    >>> f = FBetaScore(average="macro", beta=1.0, threshold=0.5)
    >>> round(f([[1, 0], [0, 1], [1, 0]], [[0.9, 0.2], [0.6, 0.7], [0.3, 0.1]]), 4)
    0.75
    """

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str | None = "fbeta_score",
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if average not in AVERAGES:
            raise ValueError(
                f"Expected average in {AVERAGES}. Received: average={average!r}"
            )
        if not isinstance(beta, float) or beta <= 0:
            raise ValueError(f"Expected a float > 0. Received: beta={beta!r}")
        if threshold is not None and (
            not isinstance(threshold, float) or not 0 < threshold <= 1
        ):
            raise ValueError(
                f"Expected a float in (0, 1]. Received: threshold={threshold!r}"
            )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.counts: np.ndarray[Any, Any] | None = (
            None  # (4, classes): tp, fp, fn, true
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = np.asarray(y_pred, dtype=self.dtype)
        y_true = np.asarray(y_true, dtype=np.float64)
        if y_pred.ndim != 2 or y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__name__} expects y_true and y_pred of shape "
                f"(batch_size, classes). Received: y_true of shape {y_true.shape}, "
                f"y_pred of shape {y_pred.shape}"
            )
        if self.threshold is None:
            top = y_pred.max(axis=-1, keepdims=True)
            predicted = (y_pred >= top) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        hits = predicted.astype(np.float64)
        weights = (
            np.ones(len(y_true))
            if sample_weight is None
            else sample_weights(sample_weight, len(y_true))
        )
        if self.counts is None:
            self.counts = np.zeros((4, y_pred.shape[1]))
        self.counts += np.stack(
            [
                weights @ (hits * y_true),
                weights @ (hits * (1 - y_true)),
                weights @ ((1 - hits) * y_true),
                weights @ y_true,
            ]
        )

    def result(self) -> Any:
        if self.counts is None:
            return 0.0
        tp, fp, fn, true = self.counts
        if self.average == "micro":
            tp, fp, fn, true = tp.sum(), fp.sum(), fn.sum(), true.sum()
        eps = config.epsilon()
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        b2 = self.beta**2
        score = (1 + b2) * precision * recall / (b2 * precision + recall + eps)
        if self.average == "weighted":
            return float(np.sum(score * true / (true.sum() + eps)))
        if self.average is not None:
            return float(np.mean(score))
        return score

    def reset_state(self) -> None:
        if self.counts is not None:
            self.counts[...] = 0

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """The F-score with ``beta=1``: ``2 P R / (P + R)``.

    Parameters as :class:`FBetaScore`, without ``beta``. Its inputs are
    ``(batch_size, classes)``; for one sigmoid output pass a ``threshold`` (without
    one, a single column always predicts its class when its score is non-zero).

    Examples
    --------
    >>> f1 = F1Score(average="micro", threshold=0.5)
    >>> round(f1([[1], [0], [1], [1]], [[0.9], [0.8], [0.2], [0.7]]), 4)
    0.6667
    """

    def __init__(
        self,
        average: str | None = None,
        threshold: float | None = None,
        name: str | None = "f1_score",
        dtype: str | None = None,
    ) -> None:
        super().__init__(
            average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype
        )

    def get_config(self) -> dict[str, Any]:
        config_ = super().get_config()
        del config_["beta"]
        return config_
