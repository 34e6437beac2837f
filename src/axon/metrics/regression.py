"""Regression metrics: mean errors over the epoch's samples, and the R² score."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.metrics.base import Mean, Metric, same_rank, sample_weights


class _Errors(Mean):
    """A Mean of per-entry errors computed by :meth:`errors`, averaged per sample."""

    def update_state(  # type: ignore[override]
        self, y_true: Any, y_pred: Any, sample_weight: Any = None
    ) -> None:
        y_pred = np.asarray(y_pred, dtype=self.dtype)
        y_true, y_pred = same_rank(np.asarray(y_true, dtype=self.dtype), y_pred)
        self.add(self.errors(y_true, y_pred), sample_weight)

    def errors(self, y_true: Array, y_pred: Array) -> Array:
        """One error per entry."""
        raise NotImplementedError


class MeanSquaredError(_Errors):
    """``mean((y_pred - y_true)^2)`` over the samples seen.

    Examples
    --------
    >>> MeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    0.25
    """

    def __init__(
        self, name: str | None = "mean_squared_error", dtype: str | None = None
    ) -> None:
        super().__init__(name=name, dtype=dtype)

    def errors(self, y_true: Array, y_pred: Array) -> Array:
        return np.square(y_pred - y_true)


class RootMeanSquaredError(MeanSquaredError):
    """``sqrt(mean((y_pred - y_true)^2))`` over the samples seen (not a mean of roots).

    Examples
    --------
    >>> RootMeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    0.5
    """

    def __init__(
        self, name: str | None = "root_mean_squared_error", dtype: str | None = None
    ) -> None:
        super().__init__(name=name, dtype=dtype)

    def result(self) -> float:
        return float(np.sqrt(super().result()))


class MeanAbsoluteError(_Errors):
    """``mean(|y_pred - y_true|)`` over the samples seen.

    Examples
    --------
    >>> MeanAbsoluteError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    0.25
    """

    def __init__(
        self, name: str | None = "mean_absolute_error", dtype: str | None = None
    ) -> None:
        super().__init__(name=name, dtype=dtype)

    def errors(self, y_true: Array, y_pred: Array) -> Array:
        return np.abs(y_pred - y_true)


class MeanAbsolutePercentageError(_Errors):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, epsilon))``, epsilon 1e-7.

    Examples
    --------
    >>> MeanAbsolutePercentageError()([[1.0, 2.0], [4.0, 5.0]], [[1.5, 2.0], [5.0, 5.0]])
    18.75
    """

    def __init__(
        self,
        name: str | None = "mean_absolute_percentage_error",
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)

    def errors(self, y_true: Array, y_pred: Array) -> Array:
        floor = config.constant(config.epsilon(), y_true.dtype)
        return 100 * np.abs((y_true - y_pred) / np.maximum(np.abs(y_true), floor))


class R2Score(Metric):
    """The coefficient of determination, per output column, over the samples seen.

    ``R2 = 1 - sum(w (y - p)^2) / sum(w (y - mean_w(y))^2)``, from running sums, so the
    epoch's value is the R² of all its samples (not a mean of batch scores). A column
    whose targets are all equal scores 0, as in Keras.

    Parameters
    ----------
    class_aggregation : {"uniform_average", "variance_weighted_average", None}
        How the columns' scores combine: their mean, their mean weighted by the
        targets' variance, or no combination (an array per column).
    num_regressors : int
        For the adjusted R², ``1 - (1 - R2) (n - 1) / (n - p - 1)``, where ``n``
        counts target entries (rows times columns, as in Keras). 0: plain R².

    Examples
    --------
    >>> R2Score()([[1.0], [2.0], [3.0], [4.0]], [[1.0], [2.0], [3.0], [5.0]])
    0.8
    """

    AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str | None = "r2_score",
        dtype: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in self.AGGREGATIONS:
            raise ValueError(
                f"Expected class_aggregation in {self.AGGREGATIONS}. "
                f"Received: class_aggregation={class_aggregation!r}"
            )
        if not isinstance(num_regressors, (int, np.integer)) or num_regressors < 0:
            raise ValueError(
                f"Expected an integer >= 0. Received: num_regressors={num_regressors!r}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = int(num_regressors)
        self.sums: Array | None = (
            None  # (4, columns): sum, squared sum, residual, count
        )
        self.num_samples = 0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = np.asarray(y_pred, dtype=np.float64)
        y_true, y_pred = same_rank(np.asarray(y_true, dtype=np.float64), y_pred)
        if y_pred.ndim == 1:  # one column (Keras asks for 2-D inputs)
            y_true, y_pred = y_true[:, None], y_pred[:, None]
        if y_pred.ndim != 2:
            raise ValueError(
                "R2Score expects inputs of shape (batch_size, output_dim). "
                f"Received: y_pred of shape {y_pred.shape}"
            )
        if self.sums is None:
            self.sums = np.zeros((4, y_pred.shape[1]))
        if self.sums.shape[1] != y_pred.shape[1]:
            raise ValueError(
                f"R2Score was updated with {self.sums.shape[1]} columns. "
                f"Received: y_pred of shape {y_pred.shape}"
            )
        n = len(y_true)
        weights = (
            np.ones(n) if sample_weight is None else sample_weights(sample_weight, n)
        )
        self.sums += np.stack(
            [
                weights @ y_true,
                weights @ np.square(y_true),
                weights @ np.square(y_true - y_pred),
                np.full(y_true.shape[1], weights.sum()),
            ]
        )
        self.num_samples += y_true.size

    def result(self) -> Any:
        if self.sums is None:
            return 0.0
        total, squares, residual, count = self.sums
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = squares - total * (total / count)
            scores = 1 - residual / spread
        scores = np.where(np.isinf(scores), 0.0, scores)
        if self.class_aggregation is None:
            return scores
        if self.class_aggregation == "uniform_average":
            score = float(scores.mean())
        else:
            score = float((spread * scores).sum() / spread.sum())
        return self._adjusted(score) if self.num_regressors else score

    def _adjusted(self, score: float) -> float:
        n, p = self.num_samples, self.num_regressors
        if p >= n - 1:
            warnings.warn(
                f"The adjusted R2 needs more samples than num_regressors + 1 ({p + 1}); "
                f"it has {n}. Returning the plain R2.",
                UserWarning,
                stacklevel=3,
            )
            return score
        return 1 - (1 - score) * (n - 1) / (n - p - 1)

    def reset_state(self) -> None:
        if self.sums is not None:
            self.sums[...] = 0
        self.num_samples = 0

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }
