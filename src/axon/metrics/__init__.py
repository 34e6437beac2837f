"""Metrics as stateful objects: ``update_state`` per batch, ``result`` per epoch.

``fit`` resets each metric at the start of every epoch and ``evaluate`` at its start,
updates it with every batch and logs ``result()``: the value over every sample seen
since the reset, as Keras reports it (the AUC of the epoch's predictions, not a mean of
batch AUCs). Subclass :class:`Metric` for a custom metric.

``"accuracy"`` (or ``"acc"``) in ``compile`` is resolved from the loss: categorical
accuracy for categorical cross-entropy, sparse categorical accuracy for the sparse
loss, binary accuracy for binary cross-entropy and, for other losses, binary accuracy
when the output has one column and categorical accuracy otherwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Any

from axon.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
)
from axon.metrics.auc import AUC
from axon.metrics.base import (
    Mean,
    MeanMetricWrapper,
    Metric,
    Sum,
    Variable,
    scalar_result,
    snake_case,
)
from axon.metrics.confusion import Precision, Recall
from axon.metrics.f_score import F1Score, FBetaScore
from axon.metrics.regression import (
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    R2Score,
    RootMeanSquaredError,
)
from axon.registry import Registry, build

__all__ = [
    "AUC",
    "METRICS",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "F1Score",
    "FBetaScore",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "Metric",
    "MetricList",
    "Precision",
    "R2Score",
    "Recall",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "Sum",
    "TopKCategoricalAccuracy",
    "Variable",
    "for_loss",
    "get",
    "identifiers",
    "resolve_accuracy",
    "scalar_result",
    "serialize",
    "unique_names",
    "warn_accuracy_for_regression",
]

METRICS: Registry[type[Metric]] = Registry("metric")

# Keras 3's names: the class name in snake case and as written, and the short aliases
# it accepts. "rmse" is not one of them, nor here.
for _cls, _aliases in [
    (Accuracy, ("acc",)),
    (BinaryAccuracy, ()),
    (CategoricalAccuracy, ()),
    (SparseCategoricalAccuracy, ()),
    (TopKCategoricalAccuracy, ()),
    (SparseTopKCategoricalAccuracy, ()),
    (AUC, ()),
    (Precision, ()),
    (Recall, ()),
    (F1Score, ()),
    (FBetaScore, ()),
    (MeanSquaredError, ("mse", "MSE")),
    (MeanAbsoluteError, ("mae", "MAE")),
    (MeanAbsolutePercentageError, ("mape", "MAPE")),
    (RootMeanSquaredError, ()),
    (R2Score, ()),
    (Mean, ()),
    (Sum, ()),
]:
    METRICS.register(snake_case(_cls.__name__), _cls, _cls.__name__, *_aliases)

# Losses for real-valued targets: "accuracy" with one of them is almost always a
# mistake (it compares targets with thresholded predictions exactly).
REGRESSION_LOSSES = frozenset(
    {
        "mean_squared_error",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error",
        "huber",
        "log_cosh",
    }
)


def resolve_accuracy(
    loss_name: str, loss_target: str, output_width: int | None, name: str
) -> Metric:
    """Pick the accuracy that fits the loss, for ``metrics=['accuracy']``.

    ``loss_target`` is the loss's ``target`` (``"index"`` for sparse labels). Keras 3
    decides from the shapes alone, and so picks categorical accuracy for a
    multi-column output trained with binary cross-entropy (multi-label); axon picks
    binary accuracy there, which is what such a model means by accuracy.
    """
    if loss_target == "index":
        return SparseCategoricalAccuracy(name)
    if loss_name == "binary_crossentropy" or output_width == 1:
        return BinaryAccuracy(name)
    return CategoricalAccuracy(name)


def warn_accuracy_for_regression(identifiers: Iterable[Any], loss_name: str) -> None:
    """Warn when ``"accuracy"`` meets a regression loss: it would report about 0."""
    asked = [m for m in identifiers if isinstance(m, str) and m in ("accuracy", "acc")]
    if asked and loss_name in REGRESSION_LOSSES:
        warnings.warn(
            f"metrics=[{asked[0]!r}] with loss={loss_name!r}: accuracy counts the "
            "predictions that, thresholded at 0.5 (or by argmax), equal their targets "
            "exactly, which real-valued targets almost never do, so it reads 0. For "
            "regression use metrics=['mae'] or ['mse']; for 0/1 labels use a "
            "cross-entropy loss, or name the metric, metrics=['binary_accuracy'].",
            UserWarning,
            stacklevel=4,  # the user's compile (or fit, when compile came before build)
        )


def get(
    identifier: str | Metric | type[Metric] | dict[str, Any] | Callable[..., Any],
    loss_name: str | None = None,
    loss_target: str = "value",
    output_width: int | None = None,
) -> Metric:
    """Return a metric from a name, a class, a config dict, a function or an instance.

    A name makes a metric called by that name (``"mse"`` logs as ``mse``, as in
    Keras). ``"accuracy"`` and ``"acc"`` follow the loss when ``loss_name`` is given
    (as ``compile`` does) and mean :class:`Accuracy` otherwise. A function
    ``fn(y_true, y_pred)`` returning per-sample values is averaged by
    :class:`MeanMetricWrapper`.

    Examples
    --------
    >>> get("mse").name, type(get("mse")).__name__
    ('mse', 'MeanSquaredError')
    >>> type(get("accuracy", "categorical_crossentropy", "one_hot", 3)).__name__
    'CategoricalAccuracy'
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc") and loss_name is not None:
            return resolve_accuracy(loss_name, loss_target, output_width, identifier)
        return METRICS.lookup(identifier)(name=identifier)
    if isinstance(identifier, dict) and "class_name" in identifier:
        cls = METRICS.lookup(str(identifier["class_name"]))
        return cls.from_config(dict(identifier.get("config") or {}))
    if isinstance(identifier, dict):
        return build(METRICS, identifier, "metric", "")
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(
        f"Expected a metric name (one of {', '.join(METRICS.names())}), an "
        "axon.metrics.Metric, or a function fn(y_true, y_pred). "
        f"Received: metric={identifier!r} of type {type(identifier).__name__}"
    )


def serialize(metric: Any) -> str | dict[str, Any]:
    """A ``compile`` metric as JSON that :func:`get` turns back into it.

    A name stays a name; a metric object becomes ``{"class_name": ..., "config":
    metric.get_config()}``, its class looked up in :data:`METRICS` (register a custom
    metric's class there to save it).

    Examples
    --------
    >>> serialize(AUC(curve="PR", name="pr"))["config"]["curve"]
    'PR'
    >>> get(serialize(AUC(curve="PR", name="pr"))).name
    'pr'
    """
    if isinstance(metric, str):
        return metric
    names = [n for n in METRICS if METRICS.lookup(n) is type(metric)]
    names.sort(
        key=lambda n: n != type(metric).__name__
    )  # "MeanSquaredError", not "MSE"
    if not isinstance(metric, Metric) or not names:
        raise ValueError(
            f"Cannot save the metric {metric!r}: register its class first, "
            "axon.metrics.METRICS.register(name, cls)"
        )
    return {"class_name": names[0], "config": metric.get_config()}


def unique_names(items: Iterable[Any]) -> list[str]:
    """The names the logs use, for metrics or ``compile``'s identifiers.

    A repeated name is numbered, as Keras does.

    Examples
    --------
    >>> unique_names([Precision(name="p"), Recall(name="p"), "mse", AUC])
    ['p', 'p_1', 'mse', 'auc']
    """
    if isinstance(items, MetricList):
        return items.names()
    seen: dict[str, int] = {}
    names = []
    for item in items:
        if isinstance(item, (Metric, str)):
            name = item if isinstance(item, str) else item.name
        elif isinstance(item, type):
            name = snake_case(item.__name__)
        else:
            name = getattr(item, "__name__", type(item).__name__)
        count = seen.get(name, 0)
        seen[name] = count + 1
        names.append(f"{name}_{count}" if count else name)
    return names


class MetricList(list[Metric]):
    """The metrics ``compile`` asked for, reset, updated and read together.

    The trainer's ``model.metrics``: a list, so ``model.metrics[0]`` is the first
    metric (Keras groups them in one ``CompileMetrics`` object instead). The
    ``weighted`` metrics (``compile(weighted_metrics=...)``) come after the others
    and receive each batch's sample weights (from ``sample_weight`` or
    ``class_weight``); the others never do, as in Keras 3.

    Examples
    --------
    >>> import numpy as np
    >>> both = MetricList([Accuracy()], weighted=[Accuracy()])
    >>> both.update(np.array([1, 0]), np.array([1, 1]), np.array([3.0, 1.0]))
    >>> both.logs(0.5)
    {'loss': 0.5, 'accuracy': 0.5, 'weighted_accuracy': 0.75}
    """

    def __init__(self, metrics: Iterable[Metric] = (), weighted: Iterable[Metric] = ()):
        super().__init__(metrics)
        weighted = list(weighted)
        self.extend(weighted)
        self.weighted = {id(metric) for metric in weighted}

    def reset(self) -> None:
        """Reset every metric (at each epoch's start and each evaluation's)."""
        for metric in self:
            metric.reset_state()

    def update(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add one batch to every metric; the weighted ones take ``sample_weight``."""
        if not self.weighted or sample_weight is None:
            for metric in self:
                metric.update_state(y_true, y_pred)
            return
        for metric in self:
            if id(metric) in self.weighted:
                metric.update_state(y_true, y_pred, sample_weight)
            else:
                metric.update_state(y_true, y_pred)

    def names(self) -> list[str]:
        """The keys of the logs, as Keras 3 makes them.

        A repeated name is numbered (``mse``, ``mse_1``); a weighted metric whose
        name is taken is called ``weighted_<name>`` first (``<output>_weighted_<name>``
        for a metric of one of several outputs).
        """
        seen: dict[str, int] = {}
        names = []
        for metric in self:
            name = metric.name
            if id(metric) in self.weighted and name in seen:
                name = getattr(metric, "weighted_name", f"weighted_{name}")
            count = seen.get(name, 0)
            seen[name] = count + 1
            names.append(f"{name}_{count}" if count else name)
        return names

    def logs(self, loss: float) -> dict[str, float]:
        """``{"loss": loss, name: result, ...}``, named by :meth:`names`."""
        results = [scalar_result(metric) for metric in self]
        return {"loss": float(loss), **dict(zip(self.names(), results, strict=True))}

    def batch(
        self, y_true: Any, y_pred: Any, loss: float, sample_weight: Any = None
    ) -> dict[str, float]:
        """One batch's logs, from fresh state (``train_on_batch``, as in Keras 3)."""
        self.reset()
        self.update(y_true, y_pred, sample_weight)
        return self.logs(loss)


def identifiers(value: Any, argument: str) -> list[Any]:
    """``compile``'s list of metrics as a new list; anything else is a TypeError."""
    if value is not None and not isinstance(value, (list, tuple)):
        raise TypeError(f"Expected a list of metrics. Received: {argument}={value!r}")
    return list(value or [])


def for_loss(
    identifiers: Iterable[Any], loss: Any, output_width: int | None
) -> list[Metric]:
    """``compile``'s metric identifiers as metrics for an output trained with ``loss``.

    ``"accuracy"`` follows the loss (:func:`resolve_accuracy`).
    """
    name = getattr(type(loss), "registered_name", None) or loss.name
    return [get(m, name, loss.target, output_width) for m in identifiers]
