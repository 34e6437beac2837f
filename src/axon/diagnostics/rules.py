"""``diagnose``: every rule over one run, root causes first, consequences left out.

A mistake in the setup or the data shows up in the curves too: sorted labels make the
validation loss climb, a learning rate far too large kills ReLUs and leaves the model
answering one class. :data:`EXPLAINS` lists, for each cause, the findings it accounts
for; those are dropped when the cause is found, so a report opens with what to fix
and does not send the reader after its symptoms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from axon.callbacks import History
from axon.diagnostics import curves, inside
from axon.diagnostics.findings import KINDS, Finding
from axon.diagnostics.run import Run

__all__ = ["EXPLAINS", "RULES", "diagnose"]

RULES: dict[str, Callable[[Run], Finding | None]] = {
    "output_loss_mismatch": inside.output_loss_mismatch,
    "sorted_labels": inside.sorted_labels,
    "inputs_not_scaled": inside.inputs_not_scaled,
    "exploding_gradients": inside.exploding_gradients,
    "lr_too_large": curves.lr_too_large,
    "vanishing_gradients": inside.vanishing_gradients,
    "dying_relu": inside.dying_relu,
    "dropout_too_strong": curves.dropout_too_strong,
    "batch_too_small": curves.batch_too_small,
    "majority_class": inside.majority_class,
    "underfitting": curves.underfitting,
    "lr_too_small": curves.lr_too_small,
    "overfitting": curves.overfitting,
    "too_few_epochs": curves.too_few_epochs,
}

_CURVES = {"overfitting", "underfitting", "too_few_epochs", "lr_too_small"}
EXPLAINS: dict[str, set[str]] = {
    "output_loss_mismatch": {"lr_too_large", "majority_class", "dying_relu", *_CURVES},
    "sorted_labels": {
        "overfitting",
        "underfitting",
        "too_few_epochs",
        "dropout_too_strong",
    },
    "inputs_not_scaled": {"lr_too_large", "dying_relu", "exploding_gradients"},
    "exploding_gradients": {"lr_too_large", "dying_relu", "majority_class", *_CURVES},
    "lr_too_large": {"dying_relu", "majority_class", *_CURVES},
    "vanishing_gradients": {"lr_too_small", "underfitting", "majority_class"},
    "dying_relu": {"lr_too_small", "underfitting", "majority_class"},
    "dropout_too_strong": {"underfitting", "too_few_epochs"},
    "batch_too_small": {"too_few_epochs"},
}


def diagnose(
    history: History | Mapping[str, Sequence[float]],
    monitor: Any = None,
) -> list[Finding]:
    """Everything that looks wrong in a run; an empty list when nothing does.

    Parameters
    ----------
    history : History or dict
        What ``fit`` returned, or its ``.history`` dict (``{"loss": [...], ...}``).
    monitor : TrainingMonitor, optional
        The monitor passed to ``fit``; by default its record is read from
        ``history.monitor``. Without either, only the curves are read.

    Returns
    -------
    list of Finding
        Root causes first (the order of :data:`~axon.diagnostics.findings.KINDS`).

    Examples
    --------
    >>> history = {"loss": [1.0, 0.5, 0.3, 0.2, 0.1],
    ...            "val_loss": [1.0, 0.6, 0.7, 0.9, 1.2]}
    >>> [finding.title for finding in diagnose(history)]
    ['Overfitting']
    """
    record = getattr(monitor, "record", None) if monitor is not None else None
    run = Run.of(history, record)
    if monitor is not None and getattr(monitor, "dropout_rates", None) is not None:
        run.record.setdefault("model", {})["dropout"] = monitor.dropout_rates
    found = {}
    for kind, rule in RULES.items():
        result = rule(run)
        if result is not None:
            found[kind] = result
    explained = set().union(*(EXPLAINS.get(kind, set()) for kind in found))
    return [found[kind] for kind in KINDS if kind in found and kind not in explained]
