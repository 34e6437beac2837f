"""The training settings of a table run, chosen from the table, each with its reason.

``axon train DATA --target COLUMN`` with no other option trains the network these
rules choose from the number of rows and columns (:func:`choose`); an option typed
by the user wins over its rule, and ``preset="tutorial"`` gives the tutorial's
teaching setup instead (:data:`TUTORIAL`). Every value comes back as a
:class:`Choice` holding the reason the run's report prints next to it.

The rules were measured with 5-fold cross-validation on scikit-learn's iris, wine,
breast_cancer, diabetes and digits and on two tables with text columns and missing
values (Palmer penguins' sex; the Vega cars' miles per gallon), on fold seeds 1 and 2,
and the small-table rule on the folds of seeds 100-139 and 300-339: the benchmark
(``benchmarks/bench_defaults.py``) reports the folds of seeds 400-404 (iris and wine
400-449), which tuning did not look at.
The numbers behind each rule are in the benchmark's section of
``benchmarks/README.md``.

Examples
--------
>>> chosen = choose(rows=150, columns=4)
>>> chosen["hidden"].value, chosen["batch_size"].value
([256], 16)
>>> choose(rows=150, columns=4, given={"batch_size": 64})["batch_size"].source
'given'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The tutorial's configuration, exactly as the quick start's ``axon train`` runs it:
# Dense 64 relu, BatchNormalization, Dropout 0.3, Dense 32 relu, Dropout 0.2; Adam
# at 1e-3; batch 16; at most 100 epochs with EarlyStopping (patience 10, restoring
# the best weights) on the last 20% of the training rows; no refit.
TUTORIAL: dict[str, Any] = {
    "hidden": [64, 32],
    "dropout": [0.3, 0.2],
    "batch_norm": True,
    "batch_size": 16,
    "learning_rate": 0.001,
    "weight_decay": 0.0,
    "epochs": 100,
    "patience": 10,
    "validation_split": 0.2,
    "refit": False,
    "members": 1,
}
PRESETS = {"tutorial": TUTORIAL}
SETTINGS = tuple(TUTORIAL)

# Past these many training rows a second hidden layer pays (and Dropout is lowered):
# below it, one wide layer won on every measured table.
DEEP_ROWS = 10_000
# Past these many network inputs (a one-hot column counts one per category) the
# hidden layer doubles to 512: the cars' 61 inputs gained R2 0.863 -> 0.866 (0.861 ->
# 0.866 with another network seed) and digits' 61 stayed level (0.977 -> 0.980;
# 0.979 both), while 512 lost on every table of 4-30 inputs (iris 0.957 -> 0.940,
# diabetes R2 0.474 -> 0.435). No measured table lies between 30 and 61 inputs.
WIDE_INPUTS = 48
# From these many training rows the early-stopped network is kept as it is: the
# validation rows are a small loss there, and a refit doubles the training time.
REFIT_ROWS = 10_000
# Below these many training rows a classification run holds no validation rows: it
# trains on every row and stops when the training loss stops falling (as
# scikit-learn's MLP does). A 20% split would hold under 40 rows, whose loss picks
# the epoch by chance (iris' early-stopped epoch ranged 2-128 over its 10 folds).
SMALL_ROWS = 200
SMALL_PATIENCE = 10
# The first hidden layer's kernel: He-normal as fit_table's network draws it, and
# Glorot-uniform (Keras's default, and scikit-learn's MLP's draw) on small tables.
NETWORK_INITIALIZER = "he_normal"
SMALL_INITIALIZER = "glorot_uniform"
# The first hidden layer's biases: zero (the network's draw), or on small tables
# uniform in +-SMALL_BIAS_SPREAD x the kernel's Glorot bound sqrt(6 / (inputs + units)).
SMALL_BIAS_SPREAD = 4.0
# Settings the rules choose that have no command-line option (fit_auto takes them).
EXTRA = ("initializer", "bias_spread")


@dataclass(frozen=True)
class Choice:
    """One setting of a run: its value, why, and who chose it.

    ``source`` is ``"data"`` (a rule of this module), ``"given"`` (the user's
    option), ``"preset <name>"`` or ``"task"`` (the output and the loss).
    """

    value: Any
    reason: str
    source: str = "data"

    def text(self) -> str:
        """The value as the command line takes it: ``[256, 128]`` -> ``256,128``."""
        if isinstance(self.value, (list, tuple)):
            return ",".join(
                f"{v:g}" if isinstance(v, float) else str(v) for v in self.value
            )
        if isinstance(self.value, bool):
            return "yes" if self.value else "no"
        if isinstance(self.value, float):
            return f"{self.value:g}"
        return str(self.value)


def _power_of_two(x: float, low: int, high: int) -> int:
    """The power of two nearest to ``x`` (in log scale), clipped to [low, high]."""
    return int(min(max(2 ** round(math.log2(max(x, 1.0))), low), high))


def _rules(
    rows: int, inputs: int, task: str, counted: bool, split: bool = False
) -> dict[str, Choice]:
    """What the data chooses for ``rows`` training rows, ``inputs`` and the task.

    ``counted``: ``inputs`` are the network's inputs (one-hot columns expanded),
    not the table's columns. ``split``: the user gave a validation split, so a
    small classification table early-stops on it and refits as a larger one does.
    The numbers in the reasons are means over 10 folds (seeds 1 and 2) of the
    tables named in the module docstring.
    """
    deep = rows >= DEEP_ROWS
    regression = task == "regression"
    small = not regression and rows < SMALL_ROWS and not split
    trained = 1.0 if small else 0.8  # the share of the rows that trains (no split)
    width = 512 if inputs > WIDE_INPUTS else 256
    hidden = [width, width] if deep else [width]
    if deep:
        layers = (
            f"two layers as {rows:,} rows >= {DEEP_ROWS:,} (not measured here: "
            "no benchmark table is that large)"
        )
    else:
        layers = (
            f"one layer as {rows:,} rows < {DEEP_ROWS:,}: two layers of 256 scored "
            "0.006-0.04 lower on every small table"
        )
    what = "network inputs" if counted else "columns"
    if inputs > WIDE_INPUTS:
        units = (
            f"512 units as {inputs} {what} > {WIDE_INPUTS} (cars' 61 inputs: R2 "
            "0.866 against 0.863 for 256; digits' 61 level)"
        )
    else:
        units = (
            f"256 units as {inputs} {what} <= {WIDE_INPUTS} (512 scored lower on "
            "every table of 4-30 inputs)"
        )
    rate = 0.1 if deep else 0.3 if regression else 0.2
    why_rate = (
        "less with this many rows"
        if deep
        else "regression: 0.3 (0.5 no better)"
        if regression
        else "classification: 0.2 scored best of 0.1-0.4 over the tables (iris 0.957 "
        "against 0.950)"
    )
    rate_why = (
        "1e-3: diabetes R2 0.474 against 0.456 at 3e-3"
        if regression
        else (
            "3e-3: as good as 1e-3 or better in about 60% of its time; 1e-2 "
            "scored lower"
        )
    )
    chosen = {
        "hidden": Choice(hidden, f"{units}; {layers}"),
        "dropout": Choice(
            [rate], f"Dropout {rate} after each hidden layer, {why_rate}"
        ),
        "batch_norm": Choice(
            False,
            "left out: with it breast_cancer gained 0.005 but wine lost 0.003 and "
            "penguins 0.015 (the inputs come standardised)",
        ),
        "batch_size": Choice(
            _power_of_two(rows * trained / 10, 16, 512),
            f"about 10 batches per epoch: {rows:,} rows{' x 0.8' * (trained < 1)} / 10 "
            "to a power of two in 16..512 (fewer, larger steps than 16 rows keep "
            "small tables fast)",
        ),
        "learning_rate": Choice(
            0.001 if regression else 0.003, f"AdamW's learning rate {rate_why}"
        ),
        "weight_decay": Choice(
            0.01, "AdamW's decoupled weight decay 0.01 (0.1 no better), with Dropout"
        ),
        "epochs": Choice(
            1000,
            "at most 1000: early stopping decides, then the refit trains all rows "
            "for the epochs it found",
        ),
        "patience": Choice(
            20,
            "early stopping waits 20 epochs: as good as 30 in less time, and the "
            "noisy validation loss of a small table needs more than 10",
        ),
        "validation_split": Choice(
            0.2, "20% of the training rows find the number of epochs"
        ),
        "refit": Choice(
            True,
            "after early stopping, retrain on every training row (the validation rows "
            "too) for the epochs found: small tables cannot spare 20% of their rows",
        )
        if rows < REFIT_ROWS
        else Choice(
            False,
            f"no refit as {rows:,} rows >= {REFIT_ROWS:,}: 20% of them cost little, "
            "and a refit trains twice and holds the table while it does (a million "
            "rows, one epoch: 34.6 s and 1,635 MiB at peak with it, 23.4 s and "
            "1,100 MiB without)",
        ),
        "members": Choice(
            3,
            "3 networks from different seeds, averaged: regression gained R2 "
            "(diabetes 0.474 against 0.462 for one)",
        )
        if regression
        else Choice(
            1,
            "one network: averaging 3 seeds did not raise classification scores "
            "and tripled the refit's time",
        ),
        "initializer": Choice(
            NETWORK_INITIALIZER,
            "the first hidden layer's kernel drawn He-normal (standard deviation "
            "sqrt(2 / inputs)), as the tutorial's network draws it; later layers "
            "Glorot-uniform",
        ),
        "bias_spread": Choice(
            0.0, "0: the first hidden layer's biases start at zero, as Keras's do"
        ),
    }
    if small:
        chosen.update(_small(rows))
    return chosen


def _small(rows: int) -> dict[str, Choice]:
    """A classification table below SMALL_ROWS rows: every row trains, no refit.

    Measured on fold seeds 1-2, means over 5 network seeds (iris, wine; 10 for the
    initializer) or 3-8 (180-row samples of breast_cancer, penguins and digits).
    """
    held = round(rows * 0.2)
    return {
        "epochs": Choice(
            1000, "at most 1000: the training loss decides (no validation rows)"
        ),
        "patience": Choice(
            SMALL_PATIENCE,
            f"stop once the training loss has not fallen for {SMALL_PATIENCE} "
            "epochs, keeping the lowest loss's weights: with the Glorot-uniform "
            "start, 10 scored as 15 on fold seeds 1-2 (iris 0.962 both, wine 0.981 "
            "against 0.980) in 0.7-0.8 times its time (wine 0.07 against 0.09 s)",
        ),
        "validation_split": Choice(
            0.0,
            f"none: {rows:,} rows < {SMALL_ROWS} (classification), where a 20% "
            f"split would hold {held} rows, whose loss picks the epoch by chance. "
            "Every row trains instead (measured with He-normal and patience 15): "
            "iris 0.948 against 0.943 with the split and "
            "a refit (CPU s per fit 0.061 against 0.107), wine 0.979 against 0.978 "
            "(0.088 against 0.113 s); 180-row samples of breast_cancer 0.992 "
            "against 0.977, penguins 0.922 against 0.911, digits 0.917 against "
            "0.896. Larger tables lost that way with patience 10 (penguins' 266 "
            "rows 0.007, breast_cancer's 455 0.004), and so did regression samples "
            "of 180 rows (R2 0.003-0.015)",
        ),
        "refit": Choice(
            False, "nothing to refit: every training row has trained (no split)"
        ),
        "initializer": Choice(
            SMALL_INITIALIZER,
            "the first hidden layer's kernel drawn Glorot-uniform (Keras's default, "
            "and the bound scikit-learn's MLP draws within: sqrt(6 / (inputs + "
            "units)), 0.15 for iris' 4 inputs and 256 units) instead of He-normal "
            "(standard "
            "deviation sqrt(2 / inputs), 0.71 there): the network starts close to "
            "a linear function of small slope. On the folds of 40 seeds "
            "(100-139), against He-normal: iris 0.9577 against 0.9485 (+0.0092 "
            "+- 0.0013 seed by seed), wine 0.9795 against 0.9857 (-0.0062 +- "
            "0.0008, still above scikit-learn's MLP's 0.9785); 180-row samples "
            "of breast_cancer, digits and penguins 0.002-0.003 lower. Iris is "
            "the table at the margin, so the smaller start is kept",
        ),
        "bias_spread": Choice(
            SMALL_BIAS_SPREAD,
            f"{SMALL_BIAS_SPREAD:g}: the first hidden layer's biases drawn uniform in "
            f"+-{SMALL_BIAS_SPREAD:g} sqrt(6 / (inputs + units)) (0.61 for iris) "
            "instead of zero, so the ReLUs' kinks start spread across the rows "
            "rather than all through their centre (scikit-learn's MLP draws its "
            "biases within the kernel's bound, 1 here). On the folds of 40 seeds "
            "(300-339): iris 0.9627 against 0.9555 at zero (+0.0072 +- 0.0011 seed "
            "by seed; spread 1: +0.0032, 2: +0.0038, 6 and 8 as 4), wine 0.9803 "
            "against 0.9799; 180-row samples of breast_cancer, digits and penguins "
            "level (within 0.0006); held-out log loss lower on iris (0.081 against "
            "0.102)",
        ),
    }


def choose(
    rows: int,
    columns: int,
    task: str = "classification",
    given: Mapping[str, Any] | None = None,
    preset: str | None = None,
    inputs: int | None = None,
) -> dict[str, Choice]:
    """Every training setting of :data:`SETTINGS` for a table, with its reason.

    Parameters
    ----------
    rows : int
        Rows the network will learn from (after the test rows are held out).
    columns : int
        The table's columns besides the target.
    task : {"classification", "regression"}
        Regression averages several networks (``members``).
    given : mapping, optional
        Settings the user typed; a value that is not None wins over the rule (a
        :class:`Choice` is taken as it is: a search's finding).
    preset : {None, "tutorial"}
        ``tutorial`` replaces every rule with :data:`TUTORIAL`.
    inputs : int, optional
        The network's inputs (a one-hot column counts one per category), which
        decide the width; ``columns`` stands in for them when not given.

    Returns
    -------
    dict of str to Choice
        In :data:`SETTINGS` order, then (from the rules, not a preset)
        :data:`EXTRA`: the first layer's ``initializer``.
    """
    if rows < 1 or columns < 1:
        raise ValueError(
            f"Expected at least one row and one column. Received: rows={rows}, "
            f"columns={columns}"
        )
    if preset is not None and preset not in PRESETS:
        raise ValueError(
            f"Expected preset None or one of {', '.join(map(repr, PRESETS))}. "
            f"Received: preset={preset!r}"
        )
    if inputs is not None and inputs < 1:
        raise ValueError(
            f"Expected inputs None or at least 1. Received: inputs={inputs}"
        )
    if preset is None:
        counted = inputs is not None
        split = (given or {}).get("validation_split") is not None
        chosen = _rules(rows, inputs if inputs else columns, task, counted, split)
    else:
        chosen = {
            name: Choice(value, f"the {preset} preset", f"preset {preset}")
            for name, value in PRESETS[preset].items()
        }
    for name, value in (given or {}).items():
        if name not in chosen:
            raise ValueError(
                f"Expected a setting among {', '.join(chosen)}. Received: {name!r}"
            )
        if isinstance(value, Choice):  # found by a search (axon.tabular.budget)
            chosen[name] = value
        elif value is not None:
            chosen[name] = Choice(value, "your option", "given")
    return chosen


def lines(chosen: Mapping[str, Choice]) -> list[list[str]]:
    """Rows ``[setting, value, chosen by, why]`` for the printed and HTML tables."""
    return [
        [name.replace("_", " "), choice.text(), choice.source, choice.reason]
        for name, choice in chosen.items()
    ]


CHOICE_HEADER = ["setting", "value", "chosen by", "why"]
