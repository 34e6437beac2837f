"""Metrics: per-batch means that ``fit`` averages over an epoch, weighted by batch size.

``"accuracy"`` is resolved from the loss as Keras does: categorical accuracy for
categorical cross-entropy, sparse categorical accuracy for the sparse loss, binary
accuracy for binary cross-entropy; for other losses it looks at the output width (one
column means binary).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from axon.config import Array
from axon.registry import Registry

METRICS: Registry[type[Metric]] = Registry("metric")


class Metric:
    """Base class: ``metric(y_true, y_pred)`` returns the batch mean as a float."""

    default_name: ClassVar[str] = "metric"

    def __init__(self, name: str | None = None) -> None:
        self.name = name or self.default_name

    def __call__(self, y_true: Array, y_pred: Array) -> float:
        values = self.per_sample(np.asarray(y_true), np.asarray(y_pred))
        if values.dtype == bool:  # hits: counting is cheaper than averaging
            return np.count_nonzero(values) / len(values)
        return float(np.mean(values))

    def per_sample(self, y_true: Array, y_pred: Array) -> Array:
        """Return one value per sample."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


@METRICS.decorator("categorical_accuracy")
class CategoricalAccuracy(Metric):
    """Fraction of rows whose largest output is at the one-hot target's class."""

    default_name = "categorical_accuracy"

    def per_sample(self, y_true: Array, y_pred: Array) -> Array:
        return y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)


@METRICS.decorator("sparse_categorical_accuracy")
class SparseCategoricalAccuracy(Metric):
    """Fraction of rows whose largest output is at the integer target class."""

    default_name = "sparse_categorical_accuracy"

    def per_sample(self, y_true: Array, y_pred: Array) -> Array:
        return y_pred.argmax(axis=-1) == y_true.reshape(-1)


@METRICS.decorator("binary_accuracy")
class BinaryAccuracy(Metric):
    """Fraction of outputs on the target's side of ``threshold`` (0.5)."""

    default_name = "binary_accuracy"

    def __init__(self, name: str | None = None, threshold: float = 0.5) -> None:
        super().__init__(name)
        self.threshold = threshold

    def per_sample(self, y_true: Array, y_pred: Array) -> Array:
        hits = (y_pred > self.threshold) == (y_true > self.threshold)
        return hits.reshape(len(hits), -1).mean(axis=-1)


@METRICS.decorator("mean_squared_error", "mse")
class MeanSquaredError(Metric):
    """Mean of ``(y_pred - y_true)^2``."""

    default_name = "mean_squared_error"

    def per_sample(self, y_true: Array, y_pred: Array) -> Array:
        return np.square(y_pred - y_true).reshape(len(y_pred), -1).mean(axis=-1)


@METRICS.decorator("mean_absolute_error", "mae")
class MeanAbsoluteError(Metric):
    """Mean of ``|y_pred - y_true|``."""

    default_name = "mean_absolute_error"

    def per_sample(self, y_true: Array, y_pred: Array) -> Array:
        return np.abs(y_pred - y_true).reshape(len(y_pred), -1).mean(axis=-1)


def resolve_accuracy(
    loss_name: str, loss_target: str, output_width: int | None, name: str
) -> Metric:
    """Pick the accuracy that fits the loss, as Keras does for ``metrics=['accuracy']``.

    ``loss_target`` is the loss's ``target`` (``"index"`` for sparse labels).
    """
    if loss_target == "index":
        return SparseCategoricalAccuracy(name)
    if loss_name == "binary_crossentropy" or output_width == 1:
        return BinaryAccuracy(name)
    return CategoricalAccuracy(name)


def get(
    identifier: str | Metric,
    loss_name: str | None = None,
    loss_target: str = "value",
    output_width: int | None = None,
) -> Metric:
    """Return a metric from a name or an instance; ``"accuracy"`` follows the loss."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc"):
            if loss_name is None:
                raise ValueError("'accuracy' needs the loss to choose its kind")
            return resolve_accuracy(loss_name, loss_target, output_width, identifier)
        return METRICS.lookup(identifier)(identifier)
    raise TypeError(
        f"Expected a metric name (accuracy, {', '.join(METRICS.names())}) or an "
        f"axon.metrics.Metric instance. Received: metric={identifier!r}"
    )
