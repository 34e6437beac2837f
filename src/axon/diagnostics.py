"""What went wrong in training, said in the words of the tutorial's takeaways.

Two sources of evidence:

- the History alone: a loss that diverges (learning rate too large), one that barely
  moves (too small, or a model that underfits), and a validation loss that climbs while
  the training loss keeps falling (overfitting: "always monitor validation loss");
- a :class:`TrainingMonitor` passed to ``fit``, which looks inside the network at the
  end of each epoch: ReLU units that output zero for every sample (the dying ReLU) and
  first-layer gradients far smaller than last-layer ones (vanishing gradients).

Examples
--------
>>> from axon.diagnostics import diagnose
>>> history = {"loss": [1.0, 0.5, 0.3, 0.2, 0.1], "val_loss": [1.0, 0.6, 0.7, 0.9, 1.2]}
>>> [finding.title for finding in diagnose(history)]
['Overfitting']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from axon.callbacks import Callback, History

__all__ = ["Finding", "TrainingMonitor", "diagnose"]

DEAD_SHARE = 0.5  # a layer with half its ReLUs silent for every sample has a problem
VANISHING_RATIO = 1e-3  # first-layer gradients a thousand times smaller than the last


@dataclass(frozen=True)
class Finding:
    """One problem: a short title, what the evidence was, and what to try."""

    title: str
    evidence: str
    advice: str

    def __str__(self) -> str:
        return f"{self.title}: {self.evidence}. {self.advice}"


def _logs(history: History | Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    raw = history.history if isinstance(history, History) else history
    return {str(k): [float(v) for v in values] for k, values in raw.items()}


def _diverges(loss: list[float]) -> bool:
    """Rising three epochs running to 1.5x the best, or a loss that climbed back up.

    "Climbed back" compares means over five epochs (the last five against the best
    five in a row), so the noise Dropout puts into the training loss does not count.
    """
    rising = (
        len(loss) >= 3 and loss[-1] > 1.5 * min(loss) and loss[-1] > loss[-2] > loss[-3]
    )
    if rising or len(loss) < 10:
        return rising
    windows = np.convolve(loss, np.ones(5) / 5, mode="valid")
    return bool(windows[-1] > 2 * windows.min())


def _overfitting_advice(dropout: Sequence[float] | None, restored: bool) -> str:
    """What to change, given what the run already had (``dropout`` None: unknown)."""
    steps = []
    if dropout is None:
        steps.append("add Dropout (0.2-0.5) if the model has none")
    elif not dropout:
        steps.append("add Dropout (0.2-0.5) after the hidden layers")
    elif max(dropout) < 0.5:
        steps.append(f"raise Dropout from {max(dropout):g} towards 0.5")
    steps.append("use fewer hidden units")
    if not restored:
        steps.append("stop early with EarlyStopping(restore_best_weights=True)")
    advice = "Validation loss diverging from training loss means overfitting: "
    advice += ", ".join(steps[:-1]) + " or " + steps[-1] + "."
    if restored:
        advice += (
            " EarlyStopping already kept the best weights; a smaller patience only "
            "saves time."
        )
    return advice


def _history_findings(
    logs: dict[str, list[float]],
    restored: int | None,
    dropout: Sequence[float] | None = None,
) -> list[Finding]:
    loss = logs.get("loss", [])
    if not loss:
        return []
    if not all(math.isfinite(v) for v in loss) or _diverges(loss):
        return [
            Finding(
                "Learning rate too large",
                f"the training loss diverges (from a best of {min(loss):.4g} to "
                f"{loss[-1]:.4g})",
                "Lower the learning rate (0.001 is a good start for Adam) and check "
                "that the inputs are scaled.",
            )
        ]
    findings = []
    val = logs.get("val_loss", [])
    if len(val) >= 4:
        best = int(np.argmin(val))
        # A rise of a quarter while the training loss fell by a tenth: noise on a small
        # validation set rarely looks like that.
        if val[-1] > 1.25 * val[best] and loss[-1] < 0.9 * loss[best]:
            kept = (
                f"; EarlyStopping restored epoch {best + 1}, so the model is from before "
                "it began"
                if restored == best
                else ""
            )
            findings.append(
                Finding(
                    "Overfitting",
                    f"the validation loss rose from {val[best]:.4g} (epoch {best + 1}) to "
                    f"{val[-1]:.4g} while the training loss kept falling{kept}",
                    _overfitting_advice(dropout, restored == best),
                )
            )
    if len(loss) >= 5 and loss[-1] > 0.9 * loss[0]:
        findings.append(
            Finding(
                "Slow convergence",
                f"the training loss went only from {loss[0]:.4g} to {loss[-1]:.4g} in "
                f"{len(loss)} epochs",
                "The learning rate may be too small, or the model too small for the "
                "data (underfitting): try a larger learning rate or more hidden units.",
            )
        )
    return findings


class TrainingMonitor(Callback):
    """Look inside the network after each epoch; read the verdict with :func:`diagnose`.

    Attributes
    ----------
    dead_share : dict of str to list of float
        Per ReLU layer, per epoch: the share of units that output zero for every
        sample of the last batch the layer saw.
    gradient_rms : dict of str to list of float
        Per Dense layer, per epoch: the root mean square of its kernel's gradient at
        the last training step.
    """

    def __init__(self) -> None:
        super().__init__()
        self.dead_share: dict[str, list[float]] = {}
        self.gradient_rms: dict[str, list[float]] = {}
        self.dropout_rates: list[float] | None = None

    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
        self.dead_share, self.gradient_rms = {}, {}
        # What the run already has, so advice does not suggest adding it again.
        self.dropout_rates = [
            float(layer.rate)
            for layer in self.model.layers
            if type(layer).__name__ == "Dropout"
        ]

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        for layer in self.model.layers:
            activation = getattr(layer, "activation", None)
            outputs = getattr(layer, "y", None)
            if getattr(activation, "name", None) == "relu" and outputs is not None:
                silent = ~np.any(outputs > 0, axis=0)  # (units,): zero for every sample
                self.dead_share.setdefault(layer.name, []).append(float(silent.mean()))
            kernel_grad = layer.grads.get("kernel")
            if kernel_grad is not None:
                rms = float(np.sqrt(np.mean(np.square(kernel_grad, dtype=np.float64))))
                self.gradient_rms.setdefault(layer.name, []).append(rms)

    def findings(self) -> list[Finding]:
        """Dead ReLUs and vanishing gradients, from the last epoch's evidence."""
        found = []
        for name, shares in self.dead_share.items():
            if shares and shares[-1] >= DEAD_SHARE:
                found.append(
                    Finding(
                        "Dying ReLU",
                        f"{shares[-1]:.0%} of the units of {name} output zero for every "
                        "sample, so they get no gradient and stop learning",
                        "Use LeakyReLU (it keeps a small slope for negative inputs), a "
                        "smaller learning rate, or He initialisation.",
                    )
                )
        rms = [values[-1] for values in self.gradient_rms.values() if values]
        if len(rms) >= 2 and rms[-1] > 0 and rms[0] < VANISHING_RATIO * rms[-1]:
            names = list(self.gradient_rms)
            first, last = names[0], names[-1]
            found.append(
                Finding(
                    "Vanishing gradients",
                    f"the gradients of {first} are {rms[-1] / max(rms[0], 1e-300):.3g} "
                    f"times smaller than those of {last}",
                    "Use ReLU rather than sigmoid or tanh in hidden layers, He or Xavier "
                    "initialisation, BatchNormalization, or fewer layers (2-5 is a good "
                    "start).",
                )
            )
        return found


def diagnose(
    history: History | Mapping[str, Sequence[float]],
    monitor: TrainingMonitor | None = None,
) -> list[Finding]:
    """Everything that looks wrong in a run; an empty list when nothing does."""
    restored = history.best_epoch if isinstance(history, History) else None
    dropout = monitor.dropout_rates if monitor is not None else None
    findings = _history_findings(_logs(history), restored, dropout)
    return findings + (monitor.findings() if monitor is not None else [])
