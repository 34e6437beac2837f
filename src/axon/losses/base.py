"""The loss contract: one value per sample, its gradient, and Keras's reductions.

A loss defines two things:

- ``call(y_true, y_pred)``: the loss of each sample, an array of shape
  ``y_pred.shape[:-1]`` (Keras's ``Loss.call``);
- ``gradient(y_true, y_pred)``: ``d sum(call(y_true, y_pred)) / d y_pred``, an array
  of ``y_pred``'s shape. axon has no autodiff, so this is the chain rule written out.

The base class turns them into what Keras users call and what the trainer needs:

- ``loss(y_true, y_pred, sample_weight=None)`` reduces the values as ``reduction``
  says: ``"sum_over_batch_size"`` (the default), ``"mean"`` and
  ``"mean_with_sample_weight"`` divide the sum by the number of values (the last by
  the sum of the weights when there are some), ``"sum"`` sums them, ``"none"`` and
  ``None`` return them per sample;
- ``forward`` (the batch loss as a float) and ``backward`` (its gradient: the
  reduction's factor times ``gradient``) are the trainer's. As in Keras's
  ``evaluate``, ``reduction="none"`` is reported as the mean; training with it is
  refused, as Keras 3 refuses it on the PyTorch and JAX backends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import numpy as np

from axon import config
from axon.config import Array, constant
from axon.registry import Registry

LOSSES: Registry[type[Loss]] = Registry("loss")
FUNCTIONS: dict[Callable[..., Array], type[Loss]] = {}
"""Keras's function forms (``axon.losses.mean_squared_error``) -> their class."""

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")

L = TypeVar("L", bound="type[Loss]")


def register(name: str, *aliases: str) -> Callable[[L], L]:
    """Register a loss class under ``name``, ``aliases`` and its class name.

    ``compile(loss="name")`` then finds it, and saved models that use it load again.

    Examples
    --------
    >>> import axon
    >>> @axon.losses.register("doubled_mse")
    ... class DoubledMSE(axon.losses.MeanSquaredError):
    ...     default_name = "doubled_mse"
    ...     def call(self, y_true, y_pred):
    ...         return 2 * super().call(y_true, y_pred)
    ...     def gradient(self, y_true, y_pred):
    ...         return 2 * super().gradient(y_true, y_pred)
    >>> axon.losses.get("doubled_mse").name
    'doubled_mse'
    """

    def wrap(cls: L) -> L:
        LOSSES.register(name, cls, *aliases, cls.__name__)
        cls.registered_name = name
        return cls

    return wrap


def snake_case(name: str) -> str:
    """``MeanSquaredError`` -> ``mean_squared_error``: a custom loss's default name."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class Loss:
    """Base class of losses: subclass it with ``call`` and ``gradient``.

    Parameters
    ----------
    name : str, optional
        The loss's name (Keras: the class's snake-case name by default).
    reduction : str or None
        ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
        ``"mean_with_sample_weight"``, ``"none"`` or ``None``.

    Attributes
    ----------
    target : str
        The labels the loss expects: ``"one_hot"`` (shaped like the output), ``"index"``
        (an integer class per row) or ``"value"`` (real targets shaped like the output).
    pairs_with : str or None
        The output activation the loss fuses with (``"softmax"``, ``"sigmoid"``).

    Notes
    -----
    Keras's ``dtype`` argument is not taken: axon computes in ``y_pred``'s float type,
    which ``fit`` sets to ``axon.config.floatx()``.
    """

    default_name: ClassVar[str | None] = None
    registered_name: ClassVar[str | None] = None
    target: ClassVar[str] = "value"
    pairs_with: ClassVar[str | None] = None
    from_logits: bool = False
    axis: int = -1

    def __init__(
        self, name: str | None = None, reduction: str | None = "sum_over_batch_size"
    ) -> None:
        if reduction is not None and reduction not in REDUCTIONS:
            raise ValueError(
                f"Expected one of {', '.join(map(repr, REDUCTIONS))} or None. "
                f"Received: reduction={reduction!r}"
            )
        if name is not None and not (isinstance(name, str) and name):
            raise ValueError(f"Expected a non-empty string. Received: name={name!r}")
        self.name = name or self.default_name or snake_case(type(self).__name__)
        self.reduction = reduction

    # -- what a loss defines -----------------------------------------------------------
    def call(self, y_true: Array, y_pred: Array) -> Array:
        """Return the loss of each sample, shape ``y_pred.shape[:-1]``."""
        raise NotImplementedError(
            f"{type(self).__name__} must define call(y_true, y_pred) (the loss of each "
            "sample); see docs/extending.md"
        )

    def gradient(self, y_true: Array, y_pred: Array) -> Array:
        """Return ``d sum(call(y_true, y_pred)) / d y_pred``, a new array."""
        raise NotImplementedError(
            f"{type(self).__name__} must define gradient(y_true, y_pred): axon has no "
            "autodiff, so a loss writes its own derivative; see docs/extending.md"
        )

    # -- Keras's entry point ------------------------------------------------------------
    def __call__(
        self, y_true: Any, y_pred: Any, sample_weight: Any = None
    ) -> float | Array:
        """The reduced loss (a float), or the values per sample for ``"none"``."""
        y_true, y_pred = self.standardize(y_true, y_pred)
        values = self.call(y_true, y_pred)
        weights = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=values.dtype)
            if weights.ndim == values.ndim + 1 and weights.shape[-1] == 1:
                weights = weights[..., 0]  # (n, 1) weights for (n,) values
            try:
                values = values * weights
            except ValueError:
                raise ValueError(
                    f"Expected sample_weight of shape {values.shape} (one per sample). "
                    f"Received: sample_weight of shape {weights.shape}"
                ) from None
        if self.reduction in (None, "none") or values.ndim == 0:
            return values
        total = float(values.sum())
        if self.reduction == "sum":
            return total
        if self.reduction == "mean_with_sample_weight" and weights is not None:
            divisor = float(np.broadcast_to(weights, values.shape).sum())
        else:
            divisor = values.size
        return total / divisor if divisor else 0.0

    def standardize(self, y_true: Any, y_pred: Any) -> tuple[Array, Array]:
        """Arrays of matching rank, ``y_true`` in ``y_pred``'s float type (as Keras)."""
        y_pred = np.asarray(y_pred)
        if y_pred.dtype.kind != "f":
            y_pred = y_pred.astype(config.floatx())
        y_true = np.asarray(y_true)
        if self.target == "index":
            return y_true, y_pred
        y_true = y_true.astype(y_pred.dtype, copy=False)
        # Keras's squeeze_or_expand_to_same_rank: (n,) labels for an (n, 1) output.
        if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1:] == (1,):
            y_true = y_true[..., None]
        elif y_pred.ndim == y_true.ndim - 1 and y_true.shape[-1:] == (1,):
            y_true = y_true[..., 0]
        return y_true, y_pred

    # -- what the trainer uses ----------------------------------------------------------
    def count(self, y_pred: Array) -> int:
        """Number of per-sample values for a batch of predictions."""
        return y_pred.size // y_pred.shape[self.axis] if y_pred.ndim else 1

    def scale(self, count: int, training: bool = False) -> float:
        """``d(reduced loss) / d(each value)``: 1 for ``"sum"``, else ``1 / count``."""
        if training and self.reduction in (None, "none"):
            raise ValueError(
                "Expected a loss that reduces to one number to train on. Received: "
                f"reduction={self.reduction!r}, which keeps one loss per sample; use "
                "reduction='sum_over_batch_size' (the default) or 'sum' to train"
            )
        return 1.0 if self.reduction == "sum" else 1.0 / max(count, 1)

    def forward(self, y_true: Array, y_pred: Array) -> float:
        """The batch loss: the values reduced (``"none"`` reports the mean)."""
        values = self.call(y_true, y_pred)
        return float(values.sum()) * self.scale(values.size)

    def backward(self, y_true: Array, y_pred: Array) -> Array:
        """``d forward / d y_pred``: the reduction's factor times ``gradient``."""
        factor = self.scale(self.count(y_pred), training=True)
        grad = self.gradient(y_true, y_pred)
        if factor == 1.0:
            return grad
        if np.may_share_memory(grad, y_pred) or np.may_share_memory(grad, y_true):
            return grad * factor  # never scale the caller's arrays in place
        grad *= constant(factor, grad.dtype)
        return grad

    def forward_from_logits(
        self, y_true: Array, logits: Array, probs: Array | None = None
    ) -> float:
        """The batch loss of ``activation(logits)``, computed stably from the logits.

        ``probs``, the activation's output when the caller has it, allows a shortcut
        that is taken only where it gives the same finite value.
        """
        raise NotImplementedError(f"{type(self).__name__} has no fused logits path")

    def backward_from_logits(self, y_true: Array, probs: Array) -> Array:
        """``d forward_from_logits / d logits`` given ``probs = activation(logits)``."""
        raise NotImplementedError(f"{type(self).__name__} has no fused logits path")

    def step_from_logits(
        self, y_true: Array, logits: Array, probs: Array
    ) -> tuple[float, Array]:
        """``forward_from_logits`` and ``backward_from_logits`` at once (the fit step's).

        A loss may make it one call (categorical cross-entropy does).
        """
        value = self.forward_from_logits(y_true, logits, probs)
        return value, self.backward_from_logits(y_true, probs)

    # -- configuration -----------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments (Keras: ``name`` and ``reduction`` first)."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config_: dict[str, Any]) -> Loss:
        """Build a loss from :meth:`get_config`'s output."""
        return cls(**config_)

    def __repr__(self) -> str:
        defaults = {"name": self.default_name, "reduction": "sum_over_batch_size"}
        args = ", ".join(
            f"{k}={v!r}"
            for k, v in self.get_config().items()
            if k not in defaults or defaults[k] != v
        )
        return f"{type(self).__name__}({args})"


class ReductionFirst(Loss):
    """A loss whose only arguments are Keras's ``(reduction, name)``, in that order."""

    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str | None = None
    ) -> None:
        super().__init__(name=name, reduction=reduction)


def per_sample(loss: Loss, y_true: Any, y_pred: Any) -> Array:
    """The loss of each sample: what Keras's function forms return."""
    return loss.call(*loss.standardize(y_true, y_pred))


def check_probability(value: Any, argument: str) -> float:
    """Return ``value`` as a float in [0, 1] or raise a ValueError naming it."""
    number = isinstance(value, (int, float, np.floating)) and not isinstance(
        value, bool
    )
    if not (number and 0 <= value <= 1):
        raise ValueError(
            f"Expected a float between 0 and 1. Received: {argument}={value!r}"
        )
    return float(value)


def check_last_axis(axis: Any, loss: str) -> int:
    """Check ``axis`` is -1: axon's cross-entropies reduce over the classes only."""
    if axis != -1 or isinstance(axis, bool):
        raise ValueError(
            f"{loss} reduces over the last axis (the classes): expected axis=-1. "
            f"Received: axis={axis!r}"
        )
    return -1


def as_indices(y_true: Array) -> Array:
    """Integer class labels as a flat index array."""
    return np.asarray(y_true).reshape(-1).astype(np.intp, copy=False)
