"""Checks of a model against its loss and its data, made at ``compile`` and ``fit``.

Two small duties the trainer delegates here, each one line in ``trainer.py``:

- **the output activation and the loss must fit together.** A loss that expects
  probabilities (categorical, sparse categorical or binary cross-entropy, Kullback-
  Leibler) after a linear or ReLU output; a loss told ``from_logits=True`` after a
  softmax or sigmoid (the probabilities are squashed twice); a sigmoid output with
  categorical cross-entropy over several classes (sigmoids do not sum to one); a
  softmax over a single unit (it always outputs 1). Each trains without an error and
  learns badly or not at all, so axon warns (a ``UserWarning``, once per ``compile``):
  at ``compile`` when the model is already built, else at the first ``fit`` or
  ``evaluate``. Keras 3 trains all of these without a word.
- **the targets of the last call are kept** (a reference, no copy, no work) under
  the argument's name (``"y"`` or ``"validation_data[1]"``), so that
  :class:`axon.diagnostics.TrainingMonitor` can tell which classes the validation
  rows hold (:func:`seen_targets`). Nothing reads them when no monitor is used.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

from axon.config import Array
from axon.models import data

__all__ = ["output_and_loss", "output_and_loss_problem", "prepared", "seen_targets"]

# Losses computed from probabilities when from_logits is False.
PROBABILITY_LOSSES = frozenset(
    {
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "binary_crossentropy",
        "kl_divergence",
    }
)
# Outputs that can be negative or above one: not probabilities.
UNBOUNDED = frozenset({"linear", "relu", "leaky_relu", "elu", "selu", "gelu", "silu"})
SQUASHING = frozenset({"softmax", "sigmoid"})


def output_and_loss_problem(
    activation: str | None, units: int, loss: str, from_logits: bool = False
) -> str | None:
    """Say what is wrong with this output activation and loss, or return None.

    Parameters
    ----------
    activation : str or None
        Name of the last layer's activation (None when it has none: linear).
    units : int
        Width of the output.
    loss : str
        The loss's registered name (``"categorical_crossentropy"``...).
    from_logits : bool
        The loss's ``from_logits``.

    Examples
    --------
    >>> output_and_loss_problem("softmax", 3, "categorical_crossentropy") is None
    True
    >>> print(output_and_loss_problem("linear", 3, "categorical_crossentropy"))
    ... # doctest: +ELLIPSIS
    categorical_crossentropy expects probabilities, but the output layer is linear...
    """
    name = loss
    activation = activation or "linear"
    if name in PROBABILITY_LOSSES and from_logits and activation in SQUASHING:
        return (
            f"{name} was given from_logits=True, but the output layer applies "
            f"{activation}: the probabilities are squashed a second time and the "
            f"gradients shrink. Remove from_logits=True, or make the output linear"
        )
    if name in PROBABILITY_LOSSES and not from_logits and activation in UNBOUNDED:
        fix = "sigmoid" if name == "binary_crossentropy" else "softmax"
        return (
            f"{name} expects probabilities, but the output layer is {activation}: "
            f"its outputs can be negative or above one. Use activation='{fix}' on "
            f"the output layer, or pass from_logits=True to the loss"
        )
    if name == "categorical_crossentropy" and activation == "sigmoid" and units > 1:
        return (
            f"categorical_crossentropy over {units} classes expects probabilities "
            "that sum to one, but the output layer is sigmoid (each unit on its own). "
            "Use activation='softmax' on the output layer"
        )
    if activation == "softmax" and units == 1:
        return (
            "the output layer is a softmax over a single unit, which outputs 1 "
            "whatever its input, so nothing can be learned. Use activation='sigmoid' "
            "with binary_crossentropy for two classes"
        )
    return None


def _output_layer(model: Any) -> tuple[str | None, int] | None:
    """The last layer's activation name and the output width (one output only)."""
    if len(getattr(model, "outputs", None) or ()) > 1 or not model.layers:
        return None
    activation = getattr(model.layers[-1], "activation", None)
    return getattr(activation, "name", None), int(model.output_shape[-1])


def _user_level() -> int:
    """The ``stacklevel`` of the first caller outside axon (the user's line)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(2), 2  # 1 is the function that warns
    while frame.f_back is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def output_and_loss(model: Any) -> None:
    """Warn once per ``compile`` when the built model's output and loss do not fit.

    Does nothing before the model is built (the first ``fit`` calls it again). The
    warning points at the user's line, whichever of axon's calls led there.
    """
    loss = model.loss
    if loss is None or not model.built or model.__dict__.get("_checked_loss") is loss:
        return
    model._checked_loss = loss
    output = _output_layer(model)
    if output is None:
        return
    name = getattr(type(loss), "registered_name", None) or getattr(loss, "name", "")
    problem = output_and_loss_problem(
        *output, str(name), bool(getattr(loss, "from_logits", False))
    )
    if problem is not None:
        warnings.warn(problem + ".", UserWarning, stacklevel=_user_level())


def prepared(model: Any, x: Array, y: Array, names: tuple[str, str]) -> None:
    """What ``_prepare`` checks once ``x`` and ``y`` are arrays: lengths and output.

    Raises the length mismatch as ``data.check_same_length`` does, warns about an
    output activation that does not fit the loss (once per ``compile``), and keeps a
    reference to ``y`` for :func:`seen_targets`.
    """
    data.check_same_length(x, y, names)
    output_and_loss(model)
    model.__dict__.setdefault("_seen_targets", {})[names[1]] = y


def seen_targets(model: Any) -> dict[str, Array]:
    """The targets of the model's last ``fit`` (``"y"``, ``"validation_data[1]"``)."""
    seen: dict[str, Array] = model.__dict__.get("_seen_targets", {})
    return seen
