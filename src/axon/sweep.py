"""The tutorial's hyperparameter table, as experiments a user can run and look at.

=============  ==================  ======================  ====================
hyperparameter  too small           too large               good starting point
=============  ==================  ======================  ====================
learning rate   slow convergence    diverges / oscillates   0.001 (Adam)
hidden units    underfitting        overfitting + slow      64-256
batch size      noisy gradients     memory issues           32-128
layers          underfitting        vanishing gradients     2-5
dropout         no regularisation   underfitting            0.2-0.5
=============  ==================  ======================  ====================

:func:`run` trains one model per value of one hyperparameter, all else held at the
tutorial's configuration, and records each run's history, test metrics, time and the
diagnostics' findings; :func:`plot` draws the validation curves side by side with the
test accuracy, so the table's "too small" and "too large" columns can be seen.

The data and the model builder are passed in (``axon sweep`` passes Iris and the
tutorial's architecture), so this module knows nothing about either.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["TABLE", "Settings", "Trial", "check_values", "plot", "run"]

# name: (too small, too large, good starting point, values tried by default)
TABLE: dict[str, tuple[str, str, str, tuple[float, ...]]] = {
    "learning_rate": (
        "slow convergence",
        "diverges / oscillates",
        "0.001 (Adam)",
        (1e-4, 1e-3, 1e-2, 1e-1, 1.0),
    ),
    "hidden_units": ("underfitting", "overfitting + slow", "64-256", (2, 8, 64, 256)),
    "batch_size": ("noisy gradients", "memory issues", "32-128", (2, 16, 64, 120)),
    "layers": ("underfitting", "vanishing gradients", "2-5", (1, 2, 4, 8)),
    "dropout": ("no regularisation", "underfitting", "0.2-0.5", (0.0, 0.2, 0.5, 0.8)),
}


@dataclass
class Settings:
    """One point of the sweep: the tutorial's configuration, one value changed."""

    learning_rate: float = 0.001
    hidden_units: int = 64  # the first hidden layer; the next ones have half
    batch_size: int = 16
    layers: int = 2
    dropout: float = 0.3

    def with_value(self, name: str, value: float) -> Settings:
        """A copy with ``name`` set to ``value``, checked (see :func:`check_values`)."""
        (value,) = check_values(name, [value])
        kind = type(getattr(self, name))
        return Settings(**{**self.__dict__, name: kind(value)})

    def hidden(self) -> list[int]:
        """Units per hidden layer: ``hidden_units``, then halves, at least 2."""
        return [max(2, self.hidden_units // 2**i) for i in range(self.layers)]


# What each hyperparameter accepts, as a rule and its words for the error message.
_RULES: dict[str, tuple[Callable[[float], bool], str]] = {
    "learning_rate": (lambda v: v > 0, "a positive number"),
    "hidden_units": (lambda v: v >= 1 and float(v).is_integer(), "a positive integer"),
    "batch_size": (lambda v: v >= 1 and float(v).is_integer(), "a positive integer"),
    "layers": (lambda v: v >= 1 and float(v).is_integer(), "a positive integer"),
    "dropout": (lambda v: 0 <= v < 1, "a number in [0, 1)"),
}


def check_values(name: str, values: Sequence[float] | None) -> list[float]:
    """Return the values to try for ``name`` (the table's by default), all checked.

    A value is never rounded into range: ``hidden_units=2.7`` is refused, not run
    with 2 units under the label 2.7.

    Examples
    --------
    >>> check_values("batch_size", [0.5])
    Traceback (most recent call last):
    ...
    ValueError: Expected a positive integer for batch_size. Received: 0.5
    """
    if name not in TABLE:
        raise ValueError(
            f"Expected a hyperparameter from the table ({', '.join(TABLE)}). "
            f"Received: {name!r}"
        )
    values = list(TABLE[name][3] if values is None else values)
    if not values:
        raise ValueError(f"Expected values to try for {name!r}. Received: none")
    rule, words = _RULES[name]
    for value in values:
        if not (isinstance(value, (int, float)) and rule(value)):
            raise ValueError(f"Expected {words} for {name}. Received: {value!r}")
    return values


@dataclass
class Trial:
    """What one run of the sweep gave."""

    name: str
    value: float
    history: dict[str, list[float]]
    test: dict[str, float]
    seconds: float
    findings: list[str] = field(default_factory=list)


Builder = Callable[[Settings], Any]  # Settings -> a compiled model


def run(
    name: str,
    values: Sequence[float] | None,
    data: tuple[Any, Any, Any, Any],
    build: Builder,
    epochs: int = 60,
    seed: int = 0,
    validation_split: float = 0.2,
    report: Callable[[Trial], None] | None = None,
) -> list[Trial]:
    """Train one model per value of ``name``; ``report(trial)`` is called after each.

    Every run starts from the same seed, so the runs differ only by the value.
    """
    from axon import diagnostics  # a sibling at level 4: imported on use
    from axon.utils import set_random_seed

    values = check_values(name, values)  # all of them, before the first run
    x_train, x_test, y_train, y_test = data
    trials = []
    for value in values:
        settings = Settings().with_value(name, value)
        set_random_seed(seed)
        model = build(settings)
        monitor = diagnostics.TrainingMonitor()
        started = time.perf_counter()
        history = model.fit(
            x_train,
            y_train,
            epochs=epochs,
            batch_size=settings.batch_size,
            validation_split=validation_split,
            callbacks=[monitor],
            verbose=0,
        )
        seconds = time.perf_counter() - started
        test = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
        findings = [str(f) for f in diagnostics.diagnose(history, monitor)]
        trial = Trial(name, float(value), history.history, test, seconds, findings)
        trials.append(trial)
        if report is not None:
            report(trial)
    return trials


def plot(trials: Sequence[Trial]) -> Any:
    """Validation loss per epoch for each value, and test accuracy against the value."""
    from axon.plot import COLORS, pyplot

    if not trials:
        raise ValueError("Expected at least one trial to plot. Received: none")
    name = trials[0].name
    too_small, too_large, good, _ = TABLE[name]
    fig, (curves, summary) = pyplot().subplots(1, 2, figsize=(13, 4.5))
    for i, trial in enumerate(trials):
        color = COLORS[i % len(COLORS)]
        losses = trial.history.get("val_loss") or trial.history.get("loss", [])
        finite = np.where(np.isfinite(losses), losses, np.nan)
        epochs = np.arange(1, len(finite) + 1)
        curves.plot(epochs, finite, color=color, label=f"{trial.value:g}")
    curves.set_yscale("log")
    curves.set_xlabel("Epoch")
    curves.set_ylabel("Validation loss")
    curves.set_title(f"{name}: validation loss per epoch")
    curves.legend(title=name)
    curves.grid(True, alpha=0.3)
    values = [t.value for t in trials]
    accuracy = [t.test.get("accuracy", np.nan) for t in trials]
    summary.plot(values, accuracy, marker="o", color=COLORS[0])
    if name == "learning_rate":
        summary.set_xscale("log")
    summary.set_xlabel(name)
    summary.set_ylabel("Test accuracy")
    summary.set_title(f"Too small: {too_small}. Too large: {too_large}. Start: {good}")
    summary.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig
