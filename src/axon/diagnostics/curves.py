"""Rules that read the loss and accuracy curves (with the monitor's facts when known).

Each rule takes a :class:`~axon.diagnostics.run.Run` and returns a
:class:`~axon.diagnostics.findings.Finding` or None. The curves are compared as
means over a few epochs (:func:`~axon.diagnostics.run.smooth`), so the wandering that
Dropout gives the training loss is not read as a trend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from axon.diagnostics.findings import Finding, finding
from axon.diagnostics.run import Run, smooth

__all__ = [
    "batch_too_small",
    "dropout_too_strong",
    "lr_too_large",
    "lr_too_small",
    "overfitting",
    "too_few_epochs",
    "underfitting",
]

SPIKE = 10.0  # a loss ten times the level of guessing (or its first epoch's)
DIVERGED = 2.0  # a smoothed loss back above twice its best
STEP_TOO_LARGE = 0.2  # one step moves the weights by a fifth of their size
SWINGS = 0.15  # with such steps, a loss moving 15% of chance level epoch to epoch
STEP_TOO_SMALL = 1e-4  # one step moves them by a ten-thousandth
SLOW_STEPS = 3e-4  # typical steps a third of the usual 1e-3: slow convergence
BARELY_MOVING = 0.9  # the loss ends above 90% of where it started
EPOCHS_PACE = 0.05  # a loss still 5% lower each epoch at the end: not done
EPOCHS_SCALE = 0.01  # ... and by 1% of its first epoch's value each epoch
SLOW_PACE = 0.01  # with small steps, still 1% lower each epoch: slow convergence
SLOW_SCALE = 0.002  # ... and by 0.2% of its first epoch's value each epoch
OVERFIT_RISE = 1.25  # validation loss a quarter above its best
OVERFIT_GAP = 0.15  # training accuracy this far above validation accuracy matters
Z = 2.0  # standard errors a gap must also pass, at the validation set's size
STRONG_DROPOUT = 0.5  # the top of the table's good range, 0.2-0.5
DROPOUT_LOSS = 1.1  # training loss a tenth above the validation loss
DROPOUT_GAP = 0.15  # or training accuracy this far below validation accuracy
SMALL_BATCH = 8  # a quarter of the table's smallest good batch, 32
NOISE = 0.1  # a curve moving a tenth of its level from one epoch to the next
NOISE_OF_CHANCE = 0.01  # ... or a hundredth of the level of guessing
FAR_SHORT = 0.9  # training accuracy stalled below this is far short
ALIKE = 0.1  # training and validation accuracy this close are alike (or closer
# than half the training accuracy's shortfall from 1: more bias than variance)


def _near_chance(run: Run) -> tuple[float, float] | None:
    """(final loss, chance loss) when the loss ends within 10% of chance level."""
    chance = run.chance_loss()
    if chance is None or not run.loss or chance <= 0:
        return None
    tail = float(np.median(run.loss[-5:]))  # the median: one spike is not a level
    return (tail, chance) if tail >= 0.9 * chance else None


def _steps(run: Run, key: str = "largest_update") -> list[float]:
    """Per epoch, the largest step against the weights over the weighted layers."""
    per_layer = [layer.get(key, []) for layer in run.weighted]
    epochs = max((len(values) for values in per_layer), default=0)
    return [
        max(
            (v[e] for v in per_layer if e < len(v) and math.isfinite(v[e])),
            default=0.0,
        )
        for e in range(epochs)
    ]


def lr_too_large(run: Run) -> Finding | None:
    """Diverging, oscillating, or spiking and then stuck near chance level."""
    loss = run.loss
    advice = (
        "Lower the learning rate, ten times at a time; a good start is 0.001 (Adam)."
    )
    if run.non_finite:
        finite = [v for v in loss if math.isfinite(v)]
        before = f" (its best was {min(finite):.4g})" if finite else ""
        return finding(
            "lr_too_large",
            f"the training loss became infinite or NaN in epoch {len(finite) + 1}"
            f"{before}",
            advice,
        )
    if len(loss) < 3:
        return None
    chance = run.chance_loss()
    reference = chance if chance else loss[0]
    peak = max(loss)
    steps = _steps(run)
    largest = max(steps, default=0.0)
    stuck = _near_chance(run)
    if peak > SPIKE * reference:
        where = (
            f", then sat at {stuck[0]:.4g}, the level of guessing ({stuck[1]:.4g})"
            if stuck
            else f", and ended at {loss[-1]:.4g}"
        )
        words = "the level of guessing" if chance else "its first epoch's"
        return finding(
            "lr_too_large",
            f"the training loss reached {peak:.4g} in epoch {loss.index(peak) + 1}, "
            f"{peak / reference:.3g} times {words} ({reference:.4g}){where}",
            advice,
        )
    if batch_too_small(run) is not None:
        return None  # a tiny batch's noise: the climbs below are that noise
    means = smooth(loss)
    best = min(means)
    if len(loss) >= 5 and means[-1] > DIVERGED * best and means[-1] > means[-3]:
        return finding(
            "lr_too_large",
            f"the training loss diverges: its 5-epoch mean fell to {best:.4g}, then "
            f"climbed back to {means[-1]:.4g}",
            advice,
        )
    # Rising three epochs running to above where it started: Dropout's noise can
    # make a loss rise three times, never back above its first epoch's.
    if loss[-1] > loss[-2] > loss[-3] and loss[-1] > max(loss[0], 1.5 * min(loss)):
        return finding(
            "lr_too_large",
            f"the training loss diverges: it rose three epochs running, from "
            f"{loss[-3]:.4g} to {loss[-1]:.4g}, above its first epoch's {loss[0]:.4g}",
            advice,
        )
    if largest <= STEP_TOO_LARGE:
        return None
    step = (
        f"a step moved the weights by {largest:.2g} of their size (about 1e-3 is "
        "healthy)"
    )
    if stuck:
        return finding(
            "lr_too_large",
            f"{step} and the loss sits at {stuck[0]:.4g}, the level of guessing "
            f"({stuck[1]:.4g})",
            advice,
        )
    half = loss[len(loss) // 2 :]
    swing = float(np.mean(np.abs(np.diff(half)))) / reference
    if swing > SWINGS:
        words = "the level of guessing" if chance else "its first epoch's loss"
        return finding(
            "lr_too_large",
            f"{step} and the training loss oscillates: in the second half of the "
            f"run it swung between {min(half):.4g} and {max(half):.4g}, moving "
            f"{swing:.0%} of {words} ({reference:.4g}) from one epoch to the next",
            advice,
        )
    return None


def _typical_step(run: Run) -> float | None:
    """The median step against the weights, over every layer and epoch."""
    steps = [
        value
        for layer in run.weighted
        for value in layer.get("update_ratio", [])
        if math.isfinite(value) and value > 0
    ]
    return float(np.median(steps)) if steps else None


def lr_too_small(run: Run) -> Finding | None:
    """A loss that barely moves, or falls slowly, while each step barely moves.

    Barely moving: the loss ends above BARELY_MOVING of its first value. When the
    monitor saw the steps and they are not small, something else holds the loss up
    (dead units, vanishing gradients, a model too small): not this finding. Slow: the
    loss is still falling steadily at the end (see :func:`too_few_epochs`) and a
    typical step moves the weights by less than SLOW_STEPS of their size.
    """
    loss = run.loss
    if len(loss) < 5 or not all(math.isfinite(v) for v in loss):
        return None
    step = _typical_step(run)
    advice = (
        "Raise the learning rate, ten times at a time; a good start is 0.001 (Adam)."
    )
    size = f"; a step moves the weights by {step:.2g} of their size" if step else ""
    if loss[-1] > BARELY_MOVING * loss[0]:
        if step is not None and step >= STEP_TOO_SMALL:
            return None  # the weights move: something else holds the loss up
        return finding(
            "lr_too_small",
            f"the training loss went only from {loss[0]:.4g} to {loss[-1]:.4g} in "
            f"{len(loss)} epochs{size}",
            advice,
        )
    pace = _still_falling(loss, SLOW_PACE, SLOW_SCALE)
    if step is None or step >= SLOW_STEPS or pace is None or run.stopped_early:
        return None
    return finding(
        "lr_too_small",
        f"slow convergence: after {len(loss)} epochs the training loss ({loss[0]:.4g} "
        f"to {loss[-1]:.4g}) still falls by {pace:.1%} an epoch{size} (about 1e-3 is "
        "usual)",
        advice,
    )


def _still_falling(
    values: Sequence[float], pace: float, scale_pace: float
) -> float | None:
    """How fast the curve still falls at the end, if fast enough to matter.

    The slope of a straight line through the last third of the epochs (and the one
    before), per epoch: at least ``pace`` of the last value (the loss still drops by
    that share of its level each epoch) and ``scale_pace`` of the first value (a
    loss nearing zero halves without mattering: 1e-4 to 5e-5 is no progress). None
    unless the curve is at its lowest at the end, so one noisy epoch does not decide.
    """
    if len(values) < 4 or not all(math.isfinite(v) for v in values):
        return None
    third = max(2, len(values) // 3)
    tail = np.asarray(values[-third - 1 :], dtype=np.float64)
    fall = -float(np.polyfit(np.arange(len(tail)), tail, 1)[0])
    means = smooth(values, 3)
    at_end = means[-1] <= min(means) and values[-1] <= 1.01 * min(values)
    if not at_end or values[-1] <= 0 or values[0] <= 0:
        return None
    level = fall / values[-1]
    return level if level >= pace and fall / values[0] >= scale_pace else None


def too_few_epochs(run: Run) -> Finding | None:
    """Still improving steadily when the epochs ran out.

    The validation loss (the training loss when there is none) still falls by
    EPOCHS_PACE of its level each epoch at the end, and training was not stopped by
    a callback. Small steps point at the learning rate instead (:func:`lr_too_small`).
    """
    loss, val = run.loss, run.val_loss
    if run.stopped_early or len(loss) < 4 or loss[-1] > BARELY_MOVING * loss[0]:
        return None  # barely moving is another finding
    step = _typical_step(run)
    if step is not None and step < SLOW_STEPS:
        return None  # small steps: the learning rate is what to change
    values = val or loss
    pace = _still_falling(values, EPOCHS_PACE, EPOCHS_SCALE)
    if pace is None or (
        val and _still_falling(loss, EPOCHS_PACE, EPOCHS_SCALE) is None
    ):
        return None
    curve = "validation loss" if val else "training loss"
    return finding(
        "too_few_epochs",
        f"the {curve} was still falling by {pace * values[-1]:.3g} an epoch "
        f"({pace:.0%} of its last value) when training ended, after "
        f"{len(values)} epochs (from {values[0]:.4g} to {values[-1]:.4g})",
        "Train for more epochs; the run's EarlyStopping will stop it once the "
        "validation loss stops improving."
        if run.best_epoch is not None
        else "Train for more epochs, with EarlyStopping(patience=10, "
        "restore_best_weights=True) to stop when the validation loss stops improving.",
    )


def _gap_matters(gap: float, level: float, rows: int | None) -> bool:
    """Whether an accuracy gap matters: large, and beyond the noise of ``rows`` rows.

    Large is OVERFIT_GAP (15 points); beyond the noise is Z standard errors of an
    accuracy near ``level`` measured on ``rows`` validation rows (on 24 rows at
    0.9 that is 12 points, on 300 rows 3.5).
    """
    if gap <= OVERFIT_GAP:
        return False
    if rows is None:
        return True
    error = math.sqrt(max(level * (1 - level), 1.0 / rows) / rows)
    return gap > max(Z * error, 1.5 / rows)


def overfitting_advice(dropout: Sequence[float] | None, restored: bool) -> str:
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


def overfitting(run: Run, dropout: Sequence[float] | None = None) -> Finding | None:
    """Validation loss turning up while the training loss falls, by a gap that matters.

    The gap is the one of the model the run kept: the restored epoch's when
    EarlyStopping restored one, else the last epoch's.
    """
    loss, val = run.loss, run.val_loss
    if len(val) < 4 or len(loss) != len(val):
        return None
    best = int(np.argmin(val))
    rows = run.validation_rows
    rise = OVERFIT_RISE
    if rows is not None and not run.accuracy:  # regression: noise of a mean square
        rise = max(rise, 1 + Z * math.sqrt(2.0 / rows))
    if not (max(val[best:]) > rise * val[best] and min(loss[best:]) < 0.9 * loss[best]):
        return None
    restored = run.best_epoch is not None and run.best_epoch == best
    kept = best if restored else len(val) - 1
    gap = ""
    if run.accuracy and run.val_accuracy:
        train, held = run.accuracy[kept], run.val_accuracy[kept]
        if not _gap_matters(train - held, held, rows):
            return None
        gap = f"; training accuracy {train:.3f} against {held:.3f} on validation"
    elif not restored and not val[-1] > rise * val[best]:
        return None
    note = (
        f"; EarlyStopping restored epoch {best + 1}, so the model is from before it "
        "began"
        if restored
        else ""
    )
    if dropout is None and run.model:
        dropout = run.model.get("dropout")
    return finding(
        "overfitting",
        f"the validation loss rose from {val[best]:.4g} (epoch {best + 1}) to "
        f"{max(val[best:]):.4g} while the training loss kept falling{gap}{note}",
        overfitting_advice(dropout, restored),
    )


def underfitting(run: Run) -> Finding | None:
    """Training accuracy far short, validation alike, in a model too small.

    "Alike" (means of the last 3 epochs): within ALIKE, or within half the training
    accuracy's shortfall from 1 (0.60 against 0.50 on validation is 40 points short
    and 10 apart).

    "Too small" is read from the model: a hidden layer narrower than the number of
    classes (the classes must squeeze through it), or no hidden layer at all. Such a
    model is capped whether or not its accuracy has stopped rising yet, so no stall
    is required (more epochs would not lift the cap). Data whose classes overlap can
    hold a large model short of 1.0 too; that is not this finding.
    """
    acc, val = run.accuracy, run.val_accuracy
    classes = run.classes
    hidden = run.model.get("hidden_units")
    if len(acc) < 6 or not classes or hidden is None:
        return None
    narrow = min(hidden) if hidden else 0
    train = float(np.mean(acc[-3:]))
    held = float(np.mean(val[-3:])) if val else None
    if narrow >= classes or train > FAR_SHORT:
        return None
    if held is not None and abs(held - train) > max(ALIKE, (1 - train) / 2):
        return None  # a gap that is not small beside the shortfall: not this
    layer = (
        f"its narrowest hidden layer has {narrow} unit(s) for {classes} classes"
        if hidden
        else f"it has no hidden layer for {classes} classes"
    )
    return finding(
        "underfitting",
        f"the training accuracy is {train:.3f}"
        + (f" (validation {held:.3f})" if held is not None else "")
        + f" and {layer}",
        "Use more hidden units (64-256 is a good start).",
    )


def dropout_too_strong(run: Run) -> Finding | None:
    """Dropout above the table's range, holding training well below validation."""
    rates = run.model.get("dropout") or []
    acc, val = run.accuracy, run.val_accuracy
    loss, val_loss = run.loss, run.val_loss
    if not rates or max(rates) <= STRONG_DROPOUT or len(loss) < 3 or not val_loss:
        return None
    train_loss, held_loss = float(np.mean(loss[-3:])), float(np.mean(val_loss[-3:]))
    train = float(np.mean(acc[-3:])) if acc else None
    held = float(np.mean(val[-3:])) if val else None
    gap = held - train if train is not None and held is not None else 0.0
    if not (train_loss > DROPOUT_LOSS * held_loss or gap > DROPOUT_GAP):
        return None
    accuracy = (
        f" and its accuracy {train:.3f} against {held:.3f}"
        if train is not None and held is not None
        else ""
    )
    return finding(
        "dropout_too_strong",
        f"with Dropout {max(rates):g} the training loss ({train_loss:.4g}) stays "
        f"above the validation loss ({held_loss:.4g}){accuracy}: the network "
        "cannot use what it learns while most of its units are switched off",
        "Lower Dropout to 0.2-0.5.",
    )


def batch_too_small(run: Run) -> Finding | None:
    """Batches so small that the noise of each step drowns the trend.

    Read on the validation loss (the training loss when there is none) over the
    second half of the run: the mean move from one epoch to the next, against the
    curve's level (NOISE) or, for a classifier, against the level of guessing
    (NOISE_OF_CHANCE). The second scale is the one learning happens on: a curve
    that overfitting has carried up (to 0.3-0.7 on eight classes, whose level of
    guessing is log 8 = 2.08) can move by a twentieth of its own level and still
    shake by 1.3-3% of all there is to learn. A tiny batch whose curve is smooth is
    left alone.
    """
    batch = run.model.get("batch_size")
    curve = run.val_loss or run.loss
    if not batch or batch > SMALL_BATCH or len(curve) < 6:
        return None
    half = np.asarray(curve[len(curve) // 2 :])
    if not np.all(np.isfinite(half)):
        return None
    wander = float(np.mean(np.abs(np.diff(half))))
    level = float(np.mean(half))
    chance = run.chance_loss()
    if level <= 0:
        return None
    name = "validation loss" if run.val_loss else "training loss"
    moves = (
        f"with {batch} sample(s) per batch the {name} moves by {wander:.3g} from "
        "one epoch to the next in the second half of the run, "
    )
    if wander >= NOISE * level:
        evidence = f"{moves}{wander / level:.0%} of its level ({level:.3g})"
    elif chance and wander >= NOISE_OF_CHANCE * chance:
        evidence = (
            f"{moves}{wander / chance:.1%} of the level of guessing ({chance:.3g}; "
            f"its own level is {level:.3g})"
        )
    else:
        return None
    return finding(
        "batch_too_small", evidence, "Use a larger batch (32-128 is a good start)."
    )
