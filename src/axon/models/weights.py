r"""Sample and class weights for ``fit``, ``evaluate`` and the ``*_on_batch`` methods.

A weight ``w_i`` per sample scales that sample's loss. As Keras 3 computes it (checked
with Keras 3.15 on the PyTorch backend), the batch loss of a ``"sum_over_batch_size"``
loss is

.. math:: L = \frac{1}{n} \sum_i w_i \, \ell_i

over the ``n`` values of the batch, *not* divided by the sum of the weights: a zero
weight masks a sample out of the loss and its gradient, and the other samples keep
their scale. ``"sum"`` drops the ``1/n``, ``"mean_with_sample_weight"`` divides by
``sum(w)`` instead. The gradient follows: ``dL/dy_i = w_i * (the unweighted one)``,
times ``n / sum(w)`` for ``"mean_with_sample_weight"``. The epoch loss is the mean of
the batch losses weighted by batch size, as without weights.

``class_weight`` (a dict class -> weight) becomes the per-sample weight of each
sample's class, as in Keras 3. ``metrics=`` receive no weights; the metrics of
``compile(weighted_metrics=...)`` receive these (from ``sample_weight`` or
``class_weight``), as in Keras 3. A model with several outputs takes a weight array
per output (:mod:`axon.models.outputs`). Deliberate difference from Keras 3.15: a
class of ``y`` missing from the dict is a ValueError naming it (Keras silently
weights it 1).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.models import data


def _weights_from_classes(class_weight: Any, y: Array) -> Array:
    if not isinstance(class_weight, dict):
        raise TypeError(
            "Expected class_weight as a dict mapping each class index to its weight. "
            f"Received: class_weight={class_weight!r}"
        )
    classes = data.class_of(y)
    if classes.dtype.kind == "f":  # binary targets stored as floats: 0.0 / 1.0
        classes = np.rint(classes)
    classes = classes.astype(np.int64)
    present = np.unique(classes)
    missing = [int(c) for c in present if int(c) not in class_weight]
    if missing:
        raise ValueError(
            f"Expected a weight in class_weight for every class of y; class {missing[0]} "
            f"has none. Received: class_weight={class_weight!r}"
        )
    table = np.zeros(int(present.max()) + 1, dtype=config.floatx())
    for c in present:
        table[c] = float(class_weight[int(c)])
    return table[classes]


def prepare(
    model: Any,
    y: Array,
    sample_weight: Any,
    class_weight: Any = None,
    name: str = "sample_weight",
) -> Array | None:
    """Return one float weight per sample of ``y``, or None when none are given.

    For several outputs, one column per output (:func:`~axon.models.outputs.
    output_weights`). Raises ValueError for both arguments at once (as Keras), a
    weight per sample that does not match ``y``'s length, non-finite weights, or
    ``class_weight`` with several outputs (as Keras).
    """
    if sample_weight is None and class_weight is None:
        return None
    if sample_weight is not None and class_weight is not None:
        raise ValueError(
            "Expected sample_weight or class_weight, not both. Received both."
        )
    if getattr(model, "_many_outputs", False):
        if class_weight is not None:
            raise ValueError(
                "class_weight is only supported for a model with one output, as in "
                "Keras 3; give each output its weights with sample_weight=[...]. "
                f"Received: class_weight={class_weight!r}"
            )
        from axon.models.outputs import output_weights

        return output_weights(model, len(y), sample_weight, name)
    if class_weight is None:
        return per_sample(sample_weight, len(y), name)
    weights = _weights_from_classes(class_weight, y)
    if not np.isfinite(weights).all():
        raise ValueError(f"Expected finite weights. Received: {name} with NaN or inf")
    return weights


def per_sample(sample_weight: Any, n: int, name: str) -> Array:
    """``sample_weight`` as ``n`` finite floats, from ``(n,)`` or ``(n, 1)``."""
    try:
        weights = np.array(sample_weight, dtype=config.floatx())
    except (TypeError, ValueError):
        raise TypeError(
            f"Expected {name} as an array of numbers. "
            f"Received: {type(sample_weight).__name__}"
        ) from None
    if weights.ndim == 2 and weights.shape[1] == 1:
        weights = weights[:, 0]
    if weights.shape != (n,):
        raise ValueError(
            f"Expected {name} of shape ({n},), one weight per sample. "
            f"Received: {name} of shape {weights.shape}"
        )
    if not np.isfinite(weights).all():
        raise ValueError(f"Expected finite weights. Received: {name} with NaN or inf")
    return weights


def _divisor(model: Any, weights: Array, values: Array) -> float:
    reduction = model.loss.reduction
    if reduction == "sum":
        return 1.0
    if reduction == "mean_with_sample_weight":
        return float(np.broadcast_to(weights, values.shape).sum())
    return float(values.size)


def _per_value(weights: Array, values: Array) -> Array:
    """Weights shaped to broadcast over the loss values (one per sample, or per step)."""
    return weights.reshape(len(weights), *([1] * (values.ndim - 1)))


def loss_value(model: Any, y: Array, output: Array, weights: Array) -> float:
    """The weighted batch loss: ``sum(w_i * loss_i) / n`` for the default reduction."""
    if getattr(model, "_many_outputs", False):  # each output's loss, its own weights
        return float(model.loss.value(y, output, weights))
    values = model.loss.call(y, output)
    w = _per_value(weights, values)
    divisor = _divisor(model, w, values)
    return float((values * w).sum()) / divisor if divisor else 0.0


def loss_and_gradient(
    model: Any, y: Array, output: Array, weights: Array
) -> tuple[float, Array, bool]:
    """The weighted loss, its gradient (at the logits where fused) and whether fused."""
    if getattr(model, "_many_outputs", False):  # lists: one gradient per output
        return model.loss.value_and_gradients(y, output, weights)
    _, grad, at_logits = model._loss_and_gradient(y, output)
    values = model.loss.call(y, output)
    w = _per_value(weights, values)
    divisor = _divisor(model, w, values)
    value = float((values * w).sum()) / divisor if divisor else 0.0
    if model.loss.reduction == "mean_with_sample_weight":
        w = w * (values.size / divisor if divisor else 0.0)
    if not math.isfinite(value):
        return value, grad, at_logits
    return value, grad * w[..., None].astype(grad.dtype, copy=False), at_logits


class WeightedBatcher(data.Batcher):
    """A :class:`~axon.models.data.Batcher` whose ``weights`` follow each batch."""

    def __init__(self, x: Array, y: Array, weights: Array, *args: Any) -> None:
        super().__init__(x, y, *args)
        self.all_weights = weights

    def epoch(self) -> Any:
        """Yield ``(x_batch, y_batch)`` with ``self.weights`` set to the batch's."""
        x, size = self.x, self.batch_size
        # One order for the rows and their weights; the same draw as Batcher's.
        order = self.rng.permutation(len(x)) if self.shuffle else np.arange(len(x))
        for rows in data.batches(len(x), size):
            picked = order[rows]
            self.weights = self.all_weights[picked]
            yield self.x[picked], self.y[picked]
