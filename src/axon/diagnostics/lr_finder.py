"""The learning-rate range test: try rates from tiny to huge, one batch each.

Leslie Smith's test ("Cyclical Learning Rates for Training Neural Networks", 2017),
as fastai's ``lr_find`` runs it: train for ``steps`` batches while the learning rate
grows exponentially from ``min_lr`` to ``max_lr``,

    lr_i = min_lr * (max_lr / min_lr) ** (i / (steps - 1)),

record each batch's loss, and stop once its bias-corrected moving average
(``beta = 0.98``) passes four times its best (the rate has become too large). The
curve returned is each batch's loss averaged over half a decade of rates centred on
it (a moving average lags, by decades at a few hundred steps). The loss falls
fastest, against ``log(lr)``, at a rate that learns quickly and is still safe: that
is the suggestion. The rate of the lowest loss is already near the edge; a tenth of
it (fastai's older ``lr_min / 10``) is given too.

The model is left exactly as it was: weights (BatchNormalization's moving
statistics included), the optimizer's slots, step count and learning rate (the test
runs a copy of the optimizer), and every random generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from axon.config import Array

__all__ = ["LearningRateFinder", "find_learning_rate"]

BETA = 0.98  # the moving average of the loss (fastai's)
DIVERGED = 4.0  # stop when the smoothed loss passes this times its best


@dataclass
class LearningRateFinder:
    """What :func:`find_learning_rate` found.

    Attributes
    ----------
    learning_rates : list of float
        The rate of each batch tried.
    losses : list of float
        The loss at each rate, smoothed over half a decade of rates around it (what
        to look at).
    raw_losses : list of float
        Each batch's own loss.
    suggestion : float
        The rate where the smoothed loss falls fastest against ``log(lr)``.
    minimum : float
        The rate of the lowest smoothed loss; ``minimum / 10`` is a safe choice too.
    """

    learning_rates: list[float]
    losses: list[float]
    raw_losses: list[float]
    suggestion: float
    minimum: float

    def plot(self, ax: Any = None) -> Any:
        """Draw the smoothed loss against the learning rate (log scale).

        Returns the matplotlib Figure (a new one unless ``ax`` is given).
        """
        from axon.plot import COLORS, pyplot

        if ax is None:
            figure, ax = pyplot().subplots(figsize=(7, 4.5))
        else:
            figure = ax.figure
        ax.plot(self.learning_rates, self.losses, color=COLORS[0], label="loss")
        ax.set_xscale("log")
        low, high = min(self.losses), max(self.losses)
        top = min(high, low + 3 * (self.losses[0] - low)) if high > low else low + 1
        ax.set_ylim(low - 0.05 * (top - low), top)  # the blow-up would flatten it
        ax.axvline(
            self.suggestion,
            color=COLORS[1],
            linestyle="--",
            label=f"suggestion {self.suggestion:.2g} (steepest fall)",
        )
        ax.axvline(
            self.minimum / 10,
            color=COLORS[2],
            linestyle=":",
            label=f"minimum / 10 = {self.minimum / 10:.2g}",
        )
        ax.set_xlabel("Learning rate (log scale)")
        ax.set_ylabel("Loss (smoothed)")
        ax.set_title("Learning-rate range test")
        ax.legend()
        ax.grid(True, alpha=0.3)
        return figure


def _check(value: Any, name: str, kind: type = float, low: float = 0.0) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"Expected a number. Received: {name}={value!r}")
    if not (math.isfinite(value) and value > low) or (
        kind is int and int(value) != value
    ):
        words = "an integer above" if kind is int else "a number above"
        raise ValueError(f"Expected {words} {low:g}. Received: {name}={value!r}")
    return kind(value)


def _generators(model: Any) -> list[np.random.Generator]:
    """The model's shuffling generator and each layer's own (Dropout's masks)."""
    found = [model.rng]
    for layer in model.layers:
        rng = getattr(layer, "rng", None)
        if isinstance(rng, np.random.Generator):
            found.append(rng)
    return found


def _state(model: Any) -> tuple[list[Array], list[Any]]:
    weights = [w.copy() for w in model.get_weights()]
    return weights, [rng.bit_generator.state for rng in _generators(model)]


def _restore(model: Any, weights: list[Array], states: list[Any]) -> None:
    model.set_weights(weights)
    for rng, state in zip(_generators(model), states, strict=True):
        rng.bit_generator.state = state


def find_learning_rate(
    model: Any,
    x: Any,
    y: Any,
    batch_size: int = 32,
    min_lr: float = 1e-7,
    max_lr: float = 10.0,
    steps: int = 200,
    seed: int = 0,
) -> LearningRateFinder:
    """Run the learning-rate range test on a compiled model; the model is unchanged.

    Parameters
    ----------
    model : Sequential or Model
        Compiled; its optimizer's kind and settings are used (on a copy).
    x, y : array-like
        Training data; batches are drawn from it in a shuffled order.
    batch_size : int
        Rows per batch.
    min_lr, max_lr : float
        The range of learning rates, swept exponentially.
    steps : int
        Batches to try (a few hundred; the test stops early once the loss blows up).
    seed : int
        Seed of the batch order (the model's own generators are not touched).

    Returns
    -------
    LearningRateFinder
        ``learning_rates``, ``losses`` (smoothed), ``suggestion``, ``minimum`` and
        ``plot()``.

    Examples
    --------
    >>> import numpy as np, axon
    >>> from axon.diagnostics import find_learning_rate
    >>> x = np.random.default_rng(0).normal(size=(256, 3))
    >>> model = axon.Sequential([axon.layers.Input((3,)), axon.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> before = model.get_weights()
    >>> found = find_learning_rate(model, x, x @ [1.0, 2.0, -1.0], steps=100)
    >>> found.learning_rates[0], found.suggestion < found.minimum
    (1e-07, True)
    >>> all((a == b).all() for a, b in zip(before, model.get_weights()))
    True
    """
    batch_size = _check(batch_size, "batch_size", int)
    min_lr = _check(min_lr, "min_lr")
    max_lr = _check(max_lr, "max_lr")
    steps = _check(steps, "steps", int, low=1)
    if max_lr <= min_lr:
        raise ValueError(
            f"Expected max_lr above min_lr. Received: min_lr={min_lr}, max_lr={max_lr}"
        )
    if getattr(model, "optimizer", None) is None:
        raise ValueError(
            "Expected a compiled model: call model.compile(optimizer=..., loss=...) "
            "first. Received: a model with no optimizer"
        )
    from axon.models import data
    from axon.optimizers import Optimizer

    x_all = data.as_inputs(x, None, "x")
    y_all = np.asarray(y)
    data.check_same_length(x_all, y_all)
    rates = min_lr * (max_lr / min_lr) ** (np.arange(steps) / (steps - 1))
    original: Optimizer = model.optimizer
    config = {**original.get_config(), "learning_rate": float(rates[0])}
    trial = type(original).from_config(config)
    weights, generators = _state(model)
    order_rng = np.random.default_rng(seed)
    order, cursor = order_rng.permutation(len(x_all)), 0
    learning_rates: list[float] = []
    raw: list[float] = []
    smoothed: list[float] = []
    average, best = 0.0, math.inf
    model.optimizer = trial
    try:
        for i, rate in enumerate(rates):
            if cursor + batch_size > len(x_all) and cursor:  # a new shuffled pass
                order, cursor = order_rng.permutation(len(x_all)), 0
            rows = order[cursor : cursor + batch_size]
            cursor += batch_size
            trial.learning_rate = float(rate)
            try:
                with np.errstate(all="ignore"):
                    result: Any = model.train_on_batch(x_all[rows], y_all[rows])
            except FloatingPointError:  # the loss became NaN: far past the edge
                break
            loss = float(result[0] if isinstance(result, list) else result)
            if not math.isfinite(loss):
                break
            average = BETA * average + (1 - BETA) * loss
            value = average / (1 - BETA ** (i + 1))
            learning_rates.append(float(rate))
            raw.append(loss)
            smoothed.append(value)
            best = min(best, value)
            if value > DIVERGED * best:
                break
    finally:
        model.optimizer = original
        _restore(model, weights, generators)
    if len(smoothed) < 3:
        raise ValueError(
            f"The loss blew up within {len(smoothed)} step(s) of min_lr={min_lr}: "
            "expected a range that starts lower. Received: min_lr too large"
        )
    return _summarise(learning_rates, smoothed, raw)


def _centred(values: list[float], window: int) -> Array:
    """Mean over ``window`` neighbours centred on each point (shorter at the ends)."""
    array = np.asarray(values, dtype=np.float64)
    half = window // 2
    sums = np.concatenate([[0.0], np.cumsum(array)])
    low = np.maximum(np.arange(len(array)) - half, 0)
    high = np.minimum(np.arange(len(array)) + half + 1, len(array))
    return (sums[high] - sums[low]) / (high - low)


def _summarise(
    rates: list[float], smoothed: list[float], raw: list[float]
) -> LearningRateFinder:
    """The curve without lag, its lowest point, and its steepest fall before it.

    The moving average that decides when to stop lags by about ``1 / (1 - beta)``
    batches, decades of learning rate late; what is returned and read is the mean of
    the raw losses over half a decade centred on each rate, which does not lag.
    """
    decades = math.log10(rates[-1] / rates[0]) if rates[-1] > rates[0] else 1.0
    per_decade = len(rates) / max(decades, 1e-12)
    window = max(3, int(per_decade / 2) | 1)
    curve = _centred(raw, window)
    lowest = int(np.argmin(curve))
    slopes = _centred(list(np.gradient(curve, np.log10(rates))), window)
    start = min(window, max(lowest - 1, 0))
    steepest = start + int(np.argmin(slopes[start : lowest + 1]))
    return LearningRateFinder(
        rates, curve.tolist(), raw, rates[steepest], rates[lowest]
    )
