"""Regularizers: a penalty on a weight (or a layer's output) and its gradient.

A regularizer is called on an array and returns a penalty, ``reg(w) -> float``, and
``reg.gradient(w)`` returns ``d reg(w) / dw``. A layer takes them as Keras's
``kernel_regularizer``, ``bias_regularizer`` and ``activity_regularizer``; the model
then, as Keras does,

- adds every penalty to the loss it reports (``fit``'s ``loss``, ``evaluate``) and
  lists them in ``model.losses``: activity penalties first, then weight penalties;
- adds each weight penalty's gradient to that weight's gradient, and each activity
  penalty's gradient to the gradient flowing into the layer's output;
- divides an activity penalty by the batch size, so that its weight relative to the
  weight penalties does not change with the batch size.

Examples
--------
>>> import numpy as np, axon
>>> axon.regularizers.L2(2.0)(np.ones((5, 5)))
50.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

from axon import config
from axon.config import Array
from axon.registry import Registry, build
from axon.registry import serialize as serialize_component

REGULARIZERS: Registry[type[Regularizer]] = Registry("regularizer")


def _check_factor(value: Any, argument: str) -> float:
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:
        raise ValueError(
            f"Expected a non-negative float. Received: {argument}={value!r}"
        )
    return float(value)


class Regularizer:
    """Base class: ``__call__(x)`` is the penalty, ``gradient(x)`` its derivative."""

    name: ClassVar[str] = "regularizer"

    def __call__(self, x: Array) -> float:
        """Return the penalty of ``x``."""
        raise NotImplementedError

    def gradient(self, x: Array) -> Array:
        """Return ``d penalty / dx``, a new array shaped like ``x``."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments."""
        return {}

    @classmethod
    def from_config(cls, config_: dict[str, Any]) -> Regularizer:
        """Build a regularizer from :meth:`get_config`'s output."""
        return cls(**config_)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@REGULARIZERS.decorator("l1l2", "L1L2")
class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x^2)``; gradient ``l1 * sign(x) + 2 l2 x``.

    As in Keras 3, both factors default to 0 (``"l1l2"`` is a zero penalty until
    given factors); ``"l1_l2"`` is not a Keras 3 string and not an axon one.
    """

    name = "l1l2"

    def __init__(self, l1: float | None = 0.0, l2: float | None = 0.0) -> None:
        self.l1 = _check_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _check_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x: Array) -> float:
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.abs(x).sum())
        if self.l2:
            penalty += self.l2 * float(np.square(x).sum())
        return penalty

    def gradient(self, x: Array) -> Array:
        grad = np.zeros_like(x)
        if self.l1:
            grad += self.l1 * np.sign(x)
        if self.l2:
            grad += (2 * self.l2) * x
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


@REGULARIZERS.decorator("l1", "L1")
class L1(L1L2):
    """``l1 * sum(|x|)`` (default ``l1=0.01``); gradient ``l1 * sign(x)``.

    Examples
    --------
    >>> import axon
    >>> axon.regularizers.L1(0.5)([[1.0, -2.0]])
    1.5
    """

    name = "l1"

    def __init__(self, l1: float | None = 0.01) -> None:
        super().__init__(l1=0.01 if l1 is None else l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


@REGULARIZERS.decorator("l2", "L2")
class L2(L1L2):
    """``l2 * sum(x^2)`` (default ``l2=0.01``); gradient ``2 l2 x``."""

    name = "l2"

    def __init__(self, l2: float | None = 0.01) -> None:
        super().__init__(l2=0.01 if l2 is None else l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


@REGULARIZERS.decorator("orthogonal_regularizer", "OrthogonalRegularizer")
class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards being orthogonal.

    With ``n_i`` the L2-normalised rows (``mode="rows"``) or columns and ``m`` of them,
    ``G = N N^T`` and ``S = sign(G)`` off the diagonal (0 on it)::

        penalty = factor * sum_{i != j} |G_ij| / (m (m - 1))
        dP/dN   = 2 factor / (m (m - 1)) * S N
        dP/dw_i = (g_i - (g_i . n_i) n_i) / ||w_i||      with g = dP/dN

    (that is Keras's ``factor * 0.5 * sum |G_ij| / num_pairs``). Rows are normalised
    as Keras does, ``w * min(1 / ||w||, 1 / eps)``; below ``eps`` the scale is
    constant and ``dP/dw_i = g_i / eps``. With fewer than two rows there are no pairs:
    the penalty is 0 (Keras divides by zero and returns NaN).
    """

    name = "orthogonal_regularizer"

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        self.factor = _check_factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(
                f"Expected mode 'rows' or 'columns'. Received: mode={mode!r}"
            )
        self.mode = mode

    def _vectors(self, x: Array) -> Array:
        x = np.asarray(x)
        if x.ndim != 2:
            raise ValueError(
                "OrthogonalRegularizer expects a 2-D weight. Received: an array of "
                f"shape {x.shape}"
            )
        return x if self.mode == "rows" else x.T

    def _normalised(self, w: Array) -> tuple[Array, Array, Array]:
        with np.errstate(divide="ignore"):  # a zero row: 1/0 = inf, then capped
            inv_norm = 1 / np.sqrt(np.square(w).sum(axis=1, keepdims=True))
        cap = 1 / config.epsilon()
        scale = np.minimum(inv_norm, cap)
        return w * scale, scale, inv_norm < cap

    def __call__(self, x: Array) -> float:
        w = self._vectors(x)
        m = len(w)
        if m < 2:
            return 0.0
        n = self._normalised(w)[0]
        gram = n @ n.T  # (m, m)
        off_diagonal = np.abs(gram).sum() - np.abs(np.diagonal(gram)).sum()
        return self.factor * float(off_diagonal) / (m * (m - 1))

    def gradient(self, x: Array) -> Array:
        w = self._vectors(x)
        m = len(w)
        if m < 2:
            return np.zeros_like(x)
        n, scale, free = self._normalised(w)
        signs = np.sign(n @ n.T)
        np.fill_diagonal(signs, 0)
        g = (2 * self.factor / (m * (m - 1))) * (signs @ n)  # dP/dN, (m, d)
        along = (g * n).sum(axis=1, keepdims=True)
        grad = scale * (g - along * n * free)
        return grad if self.mode == "rows" else grad.T

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


# Keras 3's lower-case names are the classes themselves.
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer


def get(identifier: Any) -> Regularizer | None:
    """Return a regularizer from ``None``, a name, a config dict or an instance.

    Keras also takes any function of a weight; axon needs the gradient, so a function
    is refused: subclass :class:`Regularizer` with ``__call__`` and ``gradient``.

    Examples
    --------
    >>> get("l2")
    L2(l2=0.01)
    >>> get({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}})
    L1L2(l1=0.1, l2=0.2)
    """
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if isinstance(identifier, dict) and "class_name" in identifier:
        arguments = identifier.get("config") or {}
        identifier = {**arguments, "name": identifier["class_name"]}
    return build(
        REGULARIZERS,
        identifier,
        "regularizer",
        "an axon.regularizers.Regularizer instance (a subclass with __call__ and "
        "gradient) or None",
    )


def serialize(regularizer: Regularizer | None) -> str | dict[str, Any] | None:
    """``None``, the name alone, or a ``{"name": ..., **config}`` dict."""
    if regularizer is None:
        return None
    return serialize_component(regularizer.name, regularizer.get_config())


# -- what layers and models call --------------------------------------------------------
def activity_penalty(regularizer: Regularizer, y: Array) -> float:
    """The penalty of a layer's output ``y``, divided by the batch size (Keras)."""
    return regularizer(y) / max(len(y), 1)


def activity_gradient(regularizer: Regularizer, y: Array) -> Array:
    """``d activity_penalty / dy``."""
    grad = regularizer.gradient(y)
    grad /= max(len(y), 1)
    return grad


def _weight_regularizers(layer: Any) -> list[tuple[str, Regularizer]]:
    """A trainable layer's (weight name, regularizer) pairs: ``kernel_regularizer``..."""
    if not getattr(layer, "trainable", True):
        return []
    pairs = []
    for name in getattr(layer, "params", {}):
        regularizer = getattr(layer, f"{name}_regularizer", None)
        if regularizer is not None:
            pairs.append((name, regularizer))
    return pairs


def regularized(layers: Iterable[Any]) -> bool:
    """Whether any layer has an activity regularizer or a trained weight's one."""
    return any(
        getattr(layer, "activity_regularizer", None) is not None
        or _weight_regularizers(layer)
        for layer in layers
    )


def penalties(layers: Iterable[Any]) -> list[float]:
    """Keras's ``model.losses``: each layer's last activity penalty, then weight penalties.

    An activity penalty is there once the layer has run forward.
    """
    layers = list(layers)
    values = [
        float(layer.activity_loss)
        for layer in layers
        if getattr(layer, "activity_regularizer", None) is not None
        and getattr(layer, "activity_loss", None) is not None
    ]
    for layer in layers:
        values += [reg(layer.params[name]) for name, reg in _weight_regularizers(layer)]
    return values


def total_penalty(layers: Iterable[Any], add_gradients: bool = False) -> float:
    """``sum(model.losses)``, and with ``add_gradients`` the weight penalties' gradients.

    Each gradient is added to its layer's ``grads``: call it after ``backward`` has
    written them. It runs every training step, so it makes no Python call unless a
    layer has a regularizer.
    """
    total = 0.0
    for layer in layers:
        if getattr(layer, "activity_regularizer", None) is not None:
            total += getattr(layer, "activity_loss", None) or 0.0
        if not getattr(layer, "trainable", True):
            continue
        for name, weight in getattr(layer, "params", {}).items():
            regularizer = getattr(layer, name + "_regularizer", None)
            if regularizer is not None:
                total += regularizer(weight)
                if add_gradients:
                    layer.grads[name] += regularizer.gradient(weight)
    return total


class Penalized:
    """What a model gains from regularizers; the trainer inherits it.

    ``losses`` is Keras's ``model.losses``; the training step calls
    ``_backward_with_penalties`` and ``evaluate`` calls ``_regularization``, so the
    trainer holds no regularization logic.
    """

    @property
    def layers(self) -> list[Any]:
        """The model's layers (the model provides them)."""
        raise NotImplementedError

    def backward(self, grad_output: Array, from_logits: bool = False) -> None:
        """The model's backward pass (the model provides it)."""
        raise NotImplementedError

    @property
    def losses(self) -> list[float]:
        """The penalties, as Keras's ``model.losses``: activity, then weights."""
        return penalties(self.layers)

    def _backward_with_penalties(self, grad_output: Array, from_logits: bool) -> float:
        """``backward``, then the weight penalties' gradients; ``sum(model.losses)``.

        The training step's one hook: the penalty it returns joins the loss.
        """
        self.backward(grad_output, from_logits=from_logits)
        return self._regularization(add_gradients=True)

    def _regularization(self, add_gradients: bool = False) -> float:
        """``sum(model.losses)``, which Keras adds to the loss it trains and reports.

        With ``add_gradients`` (after ``backward``), each weight penalty's gradient is
        added to the layers' gradients; activity penalties add theirs in ``backward``.
        """
        return total_penalty(self.layers, add_gradients)
