"""A line budget for the core, as tinygrad keeps one: a newcomer reads it in an afternoon.

Counts every line, docstrings and comments included (they are part of the reading).
Raise a budget deliberately, in the commit that needs it, never to make room silently.
"""

from __future__ import annotations

from pathlib import Path

import axon

SRC = Path(axon.__file__).resolve().parent
# Outside the core: the level-4 tools (drawing, the HTML report, diagnostics, sweeps,
# tables: reading, column preprocessing, scores; ONNX export, a translation of the
# layers for serving elsewhere; the scikit-learn estimators, a shell over the models)
# and the command line. Named without ".py", so a module that grows into a package
# stays where it was.
PERIPHERY = {
    "plot",
    "report",
    "diagnostics",
    "sweep",
    "tabular",
    "export",
    "sklearn",
    "cli",
}
# Raised from 4,800 (4,587 used) for the Keras toolbox of the functional-API issue:
# graph models, ~15 activations, ~10 losses, stateful metrics, 7 optimizers and
# schedules, regularizers, ~12 layers and ~7 callbacks, each about 30-150 lines.
# Raised to 9,300 by the activations (+900: thirteen more functions with their
# derivatives and formulas, erf for the exact GELU, the PReLU and ELU layers).
# Raised to 10,650 by the optimizers (+1,350: seven optimizers ~70 lines each, six
# schedules, and the shared arguments that estimate left out: clipping, decoupled
# weight decay with exclusions, each weight's place in the vector, the learning rate
# as a float, a schedule or a callable).
# Raised by 1,550 for Keras 3's file format (models/keras_format.py,
# keras_weights.py, keras_layers.py, keras_compile.py: the archive, its HDF5
# layout, one translation table per kind of object, Sequential and functional
# configs, the checks that keep loading free of code; every layer, activation,
# optimizer, schedule, loss and metric on main; several outputs' compile settings).
# Raised by 1,400 for issue 8's losses and regularizers (+1,386):
# fifteen Keras losses, each with its per-sample values, gradient and reductions
# (five modules), four regularizers and the model's penalty hook.
# Raised by 1,460 for the functional API (+1,454: symbolic tensors and nodes in
# the layer contract, the graph and its shared-layer bookkeeping, Model (the flat
# vector, weights and freezing moved there from Sequential, now its chain case) with
# its Keras config, five merge layers, Input's Keras arguments).
# Raised by 400 for a functional model's several outputs (+392: a loss, weight,
# targets and metrics per output in models/outputs.py, and saving them).
# Raised by 520 for issue 8 item 9's data (+~510: sample and class weights in
# models/weights.py, generators, PyDataset and the validation set-up in
# models/datasets.py, Ctrl-C handling moved out of the trainer).
# Raised by 170 for issue 12's fast paths (+166: each layer's per-batch arrays
# in one look-up in Dense, BatchNormalization and Dropout, BatchNormalization's
# folded inference, Sequential's unchecked predict_on_batch and its step without
# the regularizer scan, the finite check by a sum, Adam's constants made once).
# Raised by 160 for issue 11's checks at compile and fit (+154: models/checks.py,
# the output activation against the loss and the targets the monitor reads, and
# the trainer's one-line hook).
# Raised by 460 for issue 10's data larger than memory (+456: models/chunked.py,
# rows of a memmap or dask array read, checked and shuffled a chunk at a time, and
# the hooks in models/data.py that hand them over).
# Raised by 265 for issue 8's last gaps (+263: weighted metrics, a weight per
# output, predict and evaluate of a functional model on streams, models/structure.py).
# Raised by 130 for issue 12's inference paths (BatchNormalization's cached fold,
# models/inference.py: predict_on_batch without the checks for serving loops).
# Raised by 150 for issue 12's small-network cuts (+157, 14 lines of slack before):
# Adam's paired moments, the fused loss's value and gradient in one call, accuracy
# counted once an epoch, a small validation set in one pass, the one-row softmax.
# Raised by 190 for issue 12's fused step for a Sequential of Dense layers
# (models/dense_chain.py and its hooks: +197, 7 lines of slack before).
# Raised by 16 for the same step in a functional Model whose graph is one chain of
# Dense layers (dense_chain.in_order and penalized; Sequential's hook moved to Model).
CORE_BUDGET = (
    10_650
    + 1_550
    + 1_400
    + 1_460
    + 400
    + 520
    + 170
    + 160
    + 460
    + 265
    + 130
    + 150
    + 190
    + 16
)
MODULE_BUDGET = 520  # lines in any one module (the longest: models/functional.py)


def lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_the_core_fits_its_line_budget() -> None:
    core = [
        p
        for p in SRC.rglob("*.py")
        if p.relative_to(SRC).parts[0].removesuffix(".py") not in PERIPHERY
    ]
    total = sum(lines(p) for p in core)
    assert total <= CORE_BUDGET, (
        f"the core has {total} lines; the budget is {CORE_BUDGET}"
    )


def test_every_module_can_be_read_in_one_sitting() -> None:
    too_long = {
        str(p.relative_to(SRC)): lines(p)
        for p in SRC.rglob("*.py")
        if lines(p) > MODULE_BUDGET
    }
    assert not too_long, f"split these modules: {too_long}"
