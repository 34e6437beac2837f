"""Several outputs: a loss for each, their weighted sum, their targets and metrics.

Keras 3's rules (checked against Keras 3.15): ``compile(loss=...)`` takes one loss for
every output, a list in the order of ``model.outputs``, or a dict keyed by output name
(the output layer's name, or the key when the outputs were given as a dict); an
output whose loss is ``None`` is not trained. ``loss_weights`` follows the same forms
(missing entries weigh 1). The loss trained and reported is ``sum_k w_k L_k``; the logs
also hold each ``<name>_loss`` (unweighted), then each metric as ``<name>_<metric>``,
from ``metrics`` given as a list with a list per output or a dict keyed by output
name. Targets come as a list in the outputs' order or a dict keyed by output name.
``weighted_metrics`` take the same forms; they follow the metrics in the logs, and
one whose name is taken is logged as ``<name>_weighted_<metric>``.

``sample_weight`` (checked against Keras 3.15): one array weighs every output's
loss; a list in the outputs' order, or a dict keyed by output name, gives each
output its own (``None``, or an output left out of the dict, weighs each sample 1).
Each ``<name>_loss`` is then that output's weighted loss. ``class_weight`` is refused
for several outputs, as in Keras 3. Where axon goes further: Keras 3.15 fails on a
dict of weights for a model whose outputs are a list; axon takes it.

Inside, the targets travel side by side in one float array (as several inputs do), so
batching, shuffling and ``validation_split`` do not change; each loss reads its own
columns (class indices come back as integers). Each output runs the trainer's own
loss code as a one-output :class:`Head`, so the fused softmax/sigmoid + cross-entropy
path applies wherever the graph allows it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from axon import config, losses, metrics
from axon.config import Array
from axon.losses import Loss
from axon.metrics import Metric, MetricList
from axon.models import data
from axon.models import weights as weighting
from axon.models.structure import named_items
from axon.models.trainer import Trainer


def output_names(model: Any) -> list[str]:
    """The names of a model's outputs: the dict's keys, else the output layers' names."""
    if isinstance(model._outputs_struct, dict):
        return [str(key) for key in model._outputs_struct]
    return [tensor.node.layer.name for tensor in model.outputs]


def per_output(value: Any, names: list[str], argument: str, fill: Any) -> list[Any]:
    """One entry per output, from a list in their order or a dict keyed by name.

    A dict may leave outputs out (they get ``fill``); anything else is the same value
    for every output.
    """
    if isinstance(value, dict):
        unknown = [key for key in value if key not in names]
        if unknown:
            raise ValueError(
                f"Expected {argument} keyed by the output names {names}. Received: "
                f"{argument} with the keys {list(value)}"
            )
        return [value.get(name, fill) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(
                f"Expected {argument} as a list of {len(names)}, one per output "
                f"{names}. Received: a list of {len(value)}"
            )
        return list(value)
    return [value] * len(names)


class Head:
    """One output seen as a one-output model, so that the trainer's loss code serves it.

    The trainer's ``_output_path``, ``_loss_value`` and ``_loss_and_gradient`` read
    ``loss``, ``_path`` and ``layers[-1]``; a head has exactly those.
    """

    _output_path: Any = Trainer._output_path
    _loss_value: Any = Trainer._loss_value
    _loss_and_gradient: Any = Trainer._loss_and_gradient

    def __init__(self, loss: Loss, layer: Any, shape: tuple[int, ...]) -> None:
        self.loss, self.layers, self.shape = loss, [layer], shape
        self._path = self._output_path()


class OutputLosses(Loss):
    """The loss of a model with several outputs: ``sum_k w_k L_k(y_k, p_k)``.

    ``values`` holds the last batch's unweighted ``L_k``, for the ``<name>_loss`` logs.
    """

    name = "output_losses"

    def __init__(self, model: Any, loss: Any, loss_weights: Any) -> None:
        super().__init__()
        self.names = output_names(model)
        given = per_output(loss, self.names, "loss", None)
        missing = [n for n in self.names if isinstance(loss, dict) and n not in loss]
        if missing:
            raise ValueError(
                f"Expected a loss for every output name {self.names} (None to train "
                f"one not at all). Received: no loss for {missing}"
            )
        weights = per_output(
            1.0 if loss_weights is None else loss_weights,
            self.names,
            "loss_weights",
            1.0,
        )
        self.weights = []
        for name, weight in zip(self.names, weights, strict=True):
            if not (isinstance(weight, (int, float)) and math.isfinite(weight)):
                raise ValueError(
                    f"Expected a finite number. Received: loss_weights[{name!r}]={weight!r}"
                )
            self.weights.append(float(weight))
        self.heads: list[Head | None] = []
        self.columns: list[slice] = []
        start = 0
        for k, (identifier, tensor) in enumerate(
            zip(given, model.outputs, strict=True)
        ):
            shape = tuple(int(d) for d in tensor.shape[1:])
            if identifier is None:
                self.heads.append(None)
                continue
            fusable = model.graph.fusable(k)
            head = Head(losses.get(identifier), fusable and fusable.layer, shape)
            width = 1 if head.loss.target == "index" else int(np.prod(shape))
            self.columns.append(slice(start, start + width))
            self.heads.append(head)
            start += width
        self.values = [0.0] * len(self.names)

    def split(self, y: Array) -> list[Array]:
        """Each trained output's targets, as its loss takes them."""
        parts = []
        trained = [head for head in self.heads if head is not None]
        for head, cols in zip(trained, self.columns, strict=True):
            part = y[:, cols]
            if head.loss.target == "index":
                part = part[:, 0].astype(np.int64)
            elif len(head.shape) > 1:
                part = part.reshape(len(y), *head.shape)
            parts.append(part)
        return parts

    def value(
        self, y: Array, outputs: list[Array], weights: Array | None = None
    ) -> float:
        """``sum_k w_k L_k``, keeping each ``L_k`` in ``values``.

        ``weights``: sample weights, one column per output (:func:`output_weights`).
        """
        return self._run(y, outputs, None, weights)

    def value_and_gradients(
        self, y: Array, outputs: list[Array], weights: Array | None = None
    ) -> tuple[float, list[Array], list[bool]]:
        """The loss, each output's gradient (scaled by its weight), and where it is."""
        grads: list[Array] = []
        at_logits: list[bool] = []
        total = self._run(y, outputs, (grads, at_logits), weights)
        return total, grads, at_logits

    def _run(
        self, y: Array, outputs: list[Array], into: Any, weights: Array | None
    ) -> float:
        total = 0.0
        targets = iter(self.split(y))
        for k, (head, output) in enumerate(zip(self.heads, outputs, strict=True)):
            if head is None:  # untrained: no loss, a zero gradient
                self.values[k] = 0.0
                if into is not None:
                    into[0].append(np.zeros_like(output))
                    into[1].append(False)
                continue
            target = next(targets)
            w = None if weights is None else weights[:, k]
            if into is None:
                value = (
                    head._loss_value(target, output)
                    if w is None
                    else weighting.loss_value(head, target, output, w)
                )
            else:
                value, grad, logits = (
                    head._loss_and_gradient(target, output)
                    if w is None
                    else weighting.loss_and_gradient(head, target, output, w)
                )
                if self.weights[k] != 1.0:
                    grad = grad * config.constant(self.weights[k], grad.dtype)
                into[0].append(grad)
                into[1].append(logits)
            self.values[k] = value
            total += self.weights[k] * value
        return total

    def get_config(self) -> dict[str, Any]:
        return {
            "loss": [
                None if h is None else losses.serialize(h.loss) for h in self.heads
            ],
            "loss_weights": list(self.weights),
        }


def pack_targets(model: Any, y: Any, name: str) -> Array:
    """Every output's targets, checked against its loss and side by side in one array."""
    loss: OutputLosses = model.loss
    untrained = [n for n, head in zip(loss.names, loss.heads, strict=True) if not head]
    items = named_items(y, loss.names, name, "output", optional=untrained)
    parts: list[Array] = []
    labels: list[str] = []
    for (label, value), head in zip(items, loss.heads, strict=True):
        if head is None:
            continue
        width = int(np.prod(head.shape))
        try:
            array = data.as_targets(value, head.loss, width, label)
        except ValueError as error:  # say which output, where the message does not
            if label in str(error):
                raise
            raise ValueError(f"{label}: {error}") from None
        parts.append(np.asarray(array, dtype=config.floatx()).reshape(len(array), -1))
        labels.append(label)
        data.check_same_length(parts[0], parts[-1], (labels[0], label))
    return np.concatenate(parts, axis=1)


def output_weights(model: Any, n: int, sample_weight: Any, name: str) -> Array:
    """Sample weights for several outputs: ``(n, outputs)``, one column per output.

    From one array for every output, a list in the outputs' order, a dict keyed by
    output name (see the module docstring), or what this function returns.
    """
    names = output_names(model)
    width = (len(names),)
    if isinstance(sample_weight, np.ndarray) and sample_weight.shape[1:] == width:
        sample_weight = list(sample_weight.T)  # as this function returns them
    per_output_given = isinstance(sample_weight, dict) or (
        isinstance(sample_weight, (list, tuple))
        and any(item is None or np.ndim(item) > 0 for item in sample_weight)
    )
    if not per_output_given:
        column = weighting.per_sample(sample_weight, n, name)
        return np.repeat(column[:, None], len(names), axis=1)
    given = per_output(sample_weight, names, name, None)
    columns = [
        np.ones(n, dtype=config.floatx())
        if value is None
        else weighting.per_sample(value, n, f"{name}[{output!r}]")
        for output, value in zip(names, given, strict=True)
    ]
    return np.stack(columns, axis=1)


def unpack_targets(model: Any, y: Array) -> dict[str, Array]:
    """Packed targets as a dict by output name, as :func:`pack_targets` takes them."""
    loss: OutputLosses = model.loss
    trained = [name for name, head in zip(loss.names, loss.heads, strict=True) if head]
    return dict(zip(trained, loss.split(y), strict=True))


class OutputLoss(Metric):
    """The mean of one output's (unweighted) loss over the batches: ``<name>_loss``."""

    def __init__(self, losses_: OutputLosses, index: int) -> None:
        super().__init__(name=f"{losses_.names[index]}_loss", dtype="float64")
        self.losses, self.index = losses_, index
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        # The loss of this batch was just computed for the step: read it, don't redo.
        self.total += self.losses.values[self.index] * len(y_true)
        self.count += len(y_true)

    def result(self) -> float:
        return float(self.total / self.count) if self.count else 0.0


class OutputMetric(Metric):
    """A metric of one output: it sees that output's targets and predictions only."""

    def __init__(self, metric: Metric, losses_: OutputLosses, index: int) -> None:
        super().__init__(name=f"{losses_.names[index]}_{metric.name}")
        # The log's key when a weighted metric's name is taken (MetricList.names).
        self.weighted_name = f"{losses_.names[index]}_weighted_{metric.name}"
        self.metric, self.losses, self.index = metric, losses_, index
        self.position = sum(head is not None for head in losses_.heads[:index])

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        target = self.losses.split(y_true)[self.position]
        if sample_weight is not None and np.ndim(sample_weight) == 2:
            sample_weight = sample_weight[:, self.index]  # this output's column
        self.metric.update_state(target, y_pred[self.index], sample_weight)

    def result(self) -> Any:
        return self.metric.result()

    def reset_state(self) -> None:
        self.metric.reset_state()


def compile_outputs(
    model: Any,
    optimizer: Any,
    loss: Any,
    metrics_: Any,
    loss_weights: Any,
    weighted_metrics: Any,
) -> None:
    """``Model.compile`` for several outputs: the combined loss takes the step over."""
    if loss is None:
        Trainer.compile(model, optimizer, loss)  # the usual error
    combined = OutputLosses(model, loss, loss_weights)
    model._output_metric_ids = metric_lists(metrics_, combined.names)
    model._weighted_metric_ids = metric_lists(
        weighted_metrics, combined.names, "weighted_metrics"
    )
    # Instance attributes, so a one-output model keeps the trainer's methods at no cost.
    model._loss_value = combined.value
    model._loss_and_gradient = combined.value_and_gradients
    Trainer.compile(model, optimizer, combined)


def output_metric_list(model: Any) -> MetricList:
    """The ``<name>_loss`` trackers, each output's metrics, then its weighted ones."""
    return MetricList(
        output_metrics(model, model._output_metric_ids),
        weighted=output_metrics(model, model._weighted_metric_ids, trackers=False),
    )


def metric_lists(
    spec: Any, names: list[str], argument: str = "metrics"
) -> list[list[Any]]:
    """``compile``'s ``metrics`` (or ``weighted_metrics``), as one list per output."""
    if spec is None:
        return [[] for _ in names]
    if isinstance(spec, (list, tuple)) and not all(
        s is None or isinstance(s, (list, tuple)) for s in spec
    ):
        raise ValueError(
            f"Expected {argument} as a list with a list per output {names}, or a "
            f"dict keyed by output name. Received: {argument}={spec!r}"
        )
    return [
        list(wanted) if isinstance(wanted, (list, tuple)) else [wanted]
        for wanted in per_output(spec, names, argument, [])
    ]


def output_metrics(
    model: Any, wanted: list[list[Any]], trackers: bool = True
) -> list[Metric]:
    """The ``<name>_loss`` trackers (if ``trackers``), then each output's metrics."""
    loss: OutputLosses = model.loss
    found: list[Metric] = [
        OutputLoss(loss, k)
        for k, head in enumerate(loss.heads)
        if head is not None and trackers
    ]
    for k, (head, identifiers) in enumerate(zip(loss.heads, wanted, strict=True)):
        for identifier in identifiers:
            if head is None:
                raise ValueError(
                    f"Output {loss.names[k]!r} has no loss, so no targets to measure "
                    f"metrics on. Received: metrics for {loss.names[k]!r}"
                )
            width = int(np.prod(head.shape))
            name = getattr(type(head.loss), "registered_name", None) or head.loss.name
            metric = metrics.get(identifier, name, head.loss.target, width)
            found.append(OutputMetric(metric, loss, k))
    return found
