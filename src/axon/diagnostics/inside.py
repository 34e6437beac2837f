"""Rules that read the monitor's record: the setup, the data, the inside of the network.

Each rule takes a :class:`~axon.diagnostics.run.Run` and returns a
:class:`~axon.diagnostics.findings.Finding` or None. Thresholds are module constants;
``docs/diagnostics.md`` says why each has its value and how often it was right on
the zoo of broken and healthy runs (``benchmarks/diagnostics_zoo.py``).
"""

from __future__ import annotations

import math

import numpy as np

from axon.diagnostics.findings import Finding, finding
from axon.diagnostics.run import Run
from axon.models.checks import output_and_loss_problem

__all__ = [
    "dying_relu",
    "exploding_gradients",
    "inputs_not_scaled",
    "majority_class",
    "output_loss_mismatch",
    "sorted_labels",
    "vanishing_gradients",
]

DEAD_SHARE = 0.5  # half a ReLU layer silent on every sample it was shown
VANISHING_RATIO = 1e-2  # first layer's gradient 100x smaller than the last's
EXPLODING_GROWTH = 1e2  # hidden outputs 100x larger at the top than at the bottom
INPUT_SCALE = 20.0  # a feature whose |mean| + std passes this is not scaled
INPUT_SPREAD = 1e3  # or features whose spreads differ a thousandfold
IMBALANCED = 0.75  # the majority class holds three rows in four or more


def output_loss_mismatch(run: Run) -> Finding | None:
    """An output activation the loss cannot use (also warned at compile/fit)."""
    model = run.model
    if not model.get("loss"):
        return None
    problem = output_and_loss_problem(
        model.get("output_activation"),
        int(model.get("outputs") or 0),
        str(model["loss"]),
        bool(model.get("from_logits")),
    )
    if problem is None:
        return None
    evidence, _, fix = problem.rpartition(". ")
    if run.loss:
        evidence += (
            f"; in {len(run.loss)} epochs the training loss went from "
            f"{run.loss[0]:.4g} to {run.loss[-1]:.4g}"
        )
        if run.accuracy:
            evidence += f" and the accuracy ended at {run.accuracy[-1]:.3f}"
    return finding("output_loss_mismatch", evidence, fix + ".")


def sorted_labels(run: Run) -> Finding | None:
    """Validation rows whose classes the training rows lack: the data were sorted."""
    train = run.data.get("train_counts")
    val = run.data.get("validation_counts")
    if not train or not val or sum(val) < 10:
        return None
    unseen = [
        c for c, (t, v) in enumerate(zip(train, val, strict=False)) if v and not t
    ]
    held = [c for c, v in enumerate(val) if v]
    single = len(held) == 1 and sum(1 for t in train if t) > 1
    if not unseen and not single:
        return None
    rows = sum(val)
    if unseen:
        what = (
            f"the {rows} validation rows (the last ones, taken before shuffling) hold "
            f"class {', '.join(map(str, unseen))}, which no training row has"
        )
    else:
        what = (
            f"all {rows} validation rows (the last ones, taken before shuffling) "
            f"belong to class {held[0]}, while the training rows hold "
            f"{sum(1 for t in train if t)} classes"
        )
    return finding(
        "sorted_labels",
        what,
        "Shuffle the rows before fit (validation_split takes the last rows as they "
        "are), or pass validation_data.",
    )


def inputs_not_scaled(run: Run) -> Finding | None:
    """Features far from mean 0 and standard deviation 1, seen when fit began."""
    stats = run.record.get("inputs") or {}
    if not stats:
        return None
    scale = max(stats["largest_abs_mean"], stats["largest_std"])
    spread = stats["largest_std"] / max(stats["smallest_std"], 1e-12)
    large = scale > INPUT_SCALE
    uneven = spread > INPUT_SPREAD and stats["smallest_std"] > 0
    if not (large or uneven):
        return None
    what = (
        f"the inputs of {stats['layer']} have values up to "
        f"{stats['largest_abs_value']:.4g} and standard deviations from "
        f"{stats['smallest_std']:.3g} to {stats['largest_std']:.4g} (feature "
        f"{stats['widest_feature']})"
    )
    return finding(
        "inputs_not_scaled",
        what,
        "Standardise the inputs to mean 0 and standard deviation 1 (scikit-learn's "
        "StandardScaler, or a Normalization layer adapted to the training rows).",
    )


def _gradient_ratio(run: Run, epoch: int) -> tuple[float, str, str] | None:
    """First weighted layer's gradient RMS over the last one's, at ``epoch``."""
    layers = run.weighted
    if len(layers) < 3:
        return None
    first, last = layers[0], layers[-1]
    if len(first["gradient_rms"]) <= epoch or len(last["gradient_rms"]) <= epoch:
        return None
    top = last["gradient_rms"][epoch]
    bottom = first["gradient_rms"][epoch]
    if not (math.isfinite(top) and math.isfinite(bottom)) or top <= 0:
        return None
    return bottom / top, first["name"], last["name"]


def vanishing_gradients(run: Run) -> Finding | None:
    """The first layer's gradients far smaller than the last layer's."""
    ratios = [_gradient_ratio(run, e) for e in range(len(run.loss))]
    found = [r for r in ratios if r is not None]
    if not found:
        return None
    ratio, first, last = found[-1]
    typical = float(np.median([r[0] for r in found]))
    if typical >= VANISHING_RATIO:
        return None
    saturated = run.last("saturated_share")
    extra = (
        f"; {max(saturated):.0%} of the units of a layer sit where the activation is "
        "flat"
        if saturated and max(saturated) > 0
        else ""
    )
    return finding(
        "vanishing_gradients",
        f"the gradients of {first} are {1 / max(ratio, 1e-300):.3g} times smaller "
        f"than those of {last} (typically {1 / typical:.3g} over the run), across "
        f"{len(run.weighted)} layers{extra}",
        "Use ReLU instead of sigmoid or tanh in the hidden layers (with He "
        "initialisation); 2-5 layers is a good start.",
    )


def exploding_gradients(run: Run) -> Finding | None:
    """At the first step, outputs (and so gradients) growing layer by layer.

    Read at the first step, before any update: a learning rate cannot have caused
    it, the initial weights did. Each layer multiplies the scale of its input by
    about the same gain, so the outputs grow geometrically going up and the
    gradients going down; the kernel gradients, products of the two, are all huge.
    """
    first = run.record.get("first_step") or {}
    outputs = (first.get("output_rms") or [])[:-1]  # the hidden layers
    gradients = first.get("gradient_rms") or []
    layers = run.weighted
    if len(outputs) < 2 or len(layers) != len(gradients) or not outputs[0] > 0:
        return None
    growth = outputs[-1] / outputs[0]
    if not (growth > EXPLODING_GROWTH or not math.isfinite(growth)):
        return None
    return finding(
        "exploding_gradients",
        f"at the first step, before any update, the outputs grew layer by layer from "
        f"{outputs[0]:.3g} ({layers[0]['name']}) to {outputs[-1]:.3g} "
        f"({layers[-2]['name']}), and the gradients of the kernels were "
        f"{min(gradients):.3g} to {max(gradients):.3g} in size",
        "Initialise the weights to keep the scale (He for ReLU, Glorot for tanh) "
        "or clip the gradients (clipnorm=1.0 on the optimizer).",
    )


def dying_relu(run: Run) -> Finding | None:
    """ReLU units silent for every sample, so their weights get no gradient."""
    worst = None
    for layer in run.layers:
        shares = layer.get("dead_share")
        if (
            shares
            and shares[-1] >= DEAD_SHARE
            and (worst is None or shares[-1] > worst[0])
        ):
            worst = (shares[-1], layer["name"])
    if worst is None:
        return None
    share, name = worst
    return finding(
        "dying_relu",
        f"{share:.0%} of the units of {name} output zero for every sample, so they "
        "get no gradient and stop learning",
        "Use LeakyReLU (it keeps a small slope for negative inputs), a smaller "
        "learning rate, or He initialisation.",
    )


def majority_class(run: Run) -> Finding | None:
    """On imbalanced data, a model that answers the majority class for every row.

    Read on the last three epochs' predictions (the batches the monitor saw): the
    model names a class other than the majority for less than a third as many rows
    as hold one.
    """
    shares = (run.record.get("predicted_top_share") or [])[-3:]
    majority = run.majority_share
    if not shares or majority is None or majority < IMBALANCED or not run.accuracy:
        return None
    top = float(np.mean(shares))
    if 1 - top > (1 - majority) / 3:
        return None
    accuracy = run.accuracy[-1]
    return finding(
        "majority_class",
        f"the model answers one class for {top:.1%} of the rows, and its training "
        f"accuracy, {accuracy:.3f}, is about what always answering the majority "
        f"class scores ({majority:.3f}): accuracy hides that it learned nothing "
        "about the other classes",
        "Weigh the classes (axon train --class-weight balanced) or resample them, "
        "and judge the model by recall or F1 per class, not accuracy.",
    )
