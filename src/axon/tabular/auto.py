"""``fit_auto``: a table trained with settings chosen from it, then refit on all its rows.

What ``axon train DATA --target COLUMN`` runs. The steps:

1. Count the rows (those whose target is present, less the test rows) and the
   columns, infer the task, and choose every setting the user did not give
   (:func:`axon.tabular.defaults.choose`: width, depth, Dropout, batch size,
   AdamW's learning rate and weight decay, the epochs' limit and patience).
2. Train with :func:`~axon.tabular.fit.fit_table` and early stopping on the
   validation rows: it finds the number of epochs ``E`` (the lowest validation loss).
3. Refit: train a new network (several, averaged, for regression) on the training
   *and* validation rows for ``E`` epochs, so small tables do not lose 20% of their
   rows to the search; the run's scores are the refit network's.

A classification table below ``SMALL_ROWS`` (200) training rows skips steps 2-3's
split: it trains on every row and stops when the training loss stops falling
(``validation_split`` 0, patience 10), as a 20% split there would hold under 40 rows;
its first layer's kernel is redrawn Glorot-uniform and its biases spread uniform
before training (``initializer``, ``bias_spread``).

``preset="tutorial"`` runs the tutorial's network as :func:`fit_table` does (no
refit). The model keeps the choices with their reasons in ``model.choices`` and the
refit's facts in ``model.refit``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from math import inf
from numbers import Real
from typing import Any

import numpy as np

from axon.tabular.columns import TableWarning
from axon.tabular.datasets import BUILTIN
from axon.tabular.defaults import (
    CHOICE_HEADER,
    DEEP_ROWS,
    NETWORK_INITIALIZER,
    SETTINGS,
    Choice,
    choose,
    lines,
)
from axon.tabular.fit import fit_table
from axon.tabular.model import Handed, TabularModel, as_frame, network
from axon.tabular.preprocessing import Preprocessing
from axon.tabular.target import Target

FRAME = "the DataFrame"  # what fit_table calls a DataFrame in its messages


@contextmanager
def _named(source: str) -> Iterator[None]:
    """Errors and warnings about the frame handed to fit_table name the user's table.

    fit_table gets the table already read (it was counted to choose the settings),
    so it calls it "the DataFrame"; the user gave a file or a data set name.
    """
    told: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                told = list(caught)
    except ValueError as error:  # TableError included
        text = str(error)
        if source == FRAME or FRAME not in text or len(error.args) != 1:
            raise
        raise type(error)(text.replace(FRAME, source)) from None
    finally:
        for w in told:
            message = str(w.message).replace(FRAME, source)
            warnings.warn_explicit(message, w.category, w.filename, w.lineno)


def _task(frame: Any, target: Any, task: str, source: str) -> str:
    """The task the target asks for, as fit_table will infer it (or the default)."""
    if target not in frame.columns:
        return "classification"  # fit_table names the missing column
    values = frame[target].dropna()
    if values.nunique() < 2:
        return "classification"  # fit_table explains
    return Target.fit(str(target), values, task, source).task


def _inputs(frame: Any, target: Any, drop: Iterable[str]) -> int | None:
    """The network's inputs (one-hot columns expanded), or None if unknown.

    The columns are fitted on every row here, and again by fit_table on the
    training rows: on a table below DEEP_ROWS rows that costs milliseconds. A table
    fit_table will refuse gives None: its own message names the problem.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return len(Preprocessing.fit(frame, target, drop).features) or None
    except (ValueError, TypeError):
        return None


def _optimizer(chosen: dict[str, Choice]) -> Any:
    import axon

    rate, decay = chosen["learning_rate"].value, chosen["weight_decay"].value
    if decay:
        return axon.optimizers.AdamW(learning_rate=rate, weight_decay=decay)
    return axon.optimizers.Adam(learning_rate=rate)


def initialize(net: Any, chosen: dict[str, Choice], seed: int | None) -> None:
    """Redraw the first Dense layer's kernel and biases as ``chosen`` says.

    :func:`~axon.tabular.model.network` draws the kernel He-normal and the biases
    zero; another ``initializer`` (Glorot-uniform on small tables) replaces the
    kernel, and ``bias_spread`` s > 0 draws the biases uniform in
    ``+-s sqrt(6 / (inputs + units))``, before training, from their own generator
    (``seed``), so the model's shuffling and Dropout draw as before. The layer's
    config names the initializers used.
    """
    import axon

    name, spread = chosen.get("initializer"), chosen.get("bias_spread")
    redraw = name is not None and name.value != NETWORK_INITIALIZER
    scale = 0.0 if spread is None else spread.value
    if (
        isinstance(scale, bool)
        or not isinstance(scale, Real)
        or not 0 <= float(scale) < inf
    ):
        raise ValueError(
            "Expected bias_spread a finite number >= 0. Received: "
            f"bias_spread={scale!r}"
        )
    if not redraw and not scale:
        return
    first = next(lay for lay in net.layers if isinstance(lay, axon.layers.Dense))
    kernel, bias = first.get_weights()
    rng = axon.config.make_rng(seed)
    if redraw:
        assert name is not None
        first.kernel_initializer = axon.initializers.get(name.value)
        kernel = first.kernel_initializer(kernel.shape, str(kernel.dtype), rng)
    if scale:
        bound = float(scale) * float(np.sqrt(6.0 / sum(kernel.shape)))
        first.bias_initializer = axon.initializers.RandomUniform(-bound, bound)
        bias = first.bias_initializer(bias.shape, str(bias.dtype), rng)
    first.set_weights([kernel, bias])


def _rates(chosen: dict[str, Choice]) -> list[float]:
    """One Dropout rate per hidden layer: a single rate applies to all."""
    rates, hidden = list(chosen["dropout"].value), chosen["hidden"].value
    if len(rates) == 1:
        return rates * len(hidden)
    if len(rates) != len(hidden):
        raise ValueError(
            f"Expected one Dropout rate, or one per hidden layer ({len(hidden)}). "
            f"Received: dropout={rates} for hidden={hidden}"
        )
    return rates


def choices_of(model: TabularModel) -> dict[str, Choice]:
    """The settings of a model that :func:`fit_auto` trained (empty otherwise)."""
    return dict(getattr(model, "choices", {}))


def refit_of(model: TabularModel) -> dict[str, Any]:
    """The refit's facts (``epochs``, ``rows``, ``members``, ``seconds``), or {}."""
    return dict(getattr(model, "refit", {}))


def given_settings(options: Any) -> dict[str, Any]:
    """The settings an argparse namespace of ``axon train`` holds (None: not given)."""
    given = {name: getattr(options, name, None) for name in SETTINGS}
    if getattr(options, "no_batch_norm", None):
        given["batch_norm"] = False
    return given


def print_choices(model: TabularModel) -> None:
    """What ``axon train`` prints before training: the plan, then the settings."""
    from axon.tabular.report import print_plan, text_table

    print_plan(model)
    print("Settings (given, from a preset, or chosen from the data, and why):")
    print(text_table(CHOICE_HEADER, lines(choices_of(model))))


def refit_line(facts: dict[str, Any]) -> str:
    """``Refit on 142 rows for 45 epochs (1 network) in 0.05 s``."""
    members = facts["members"]
    return (
        f"Refit on {facts['rows']} training rows (validation rows included) for "
        f"{facts['epochs']} epoch(s), the early-stopped count "
        f"({members} network{'s averaged' if members > 1 else ''}) in "
        f"{facts['seconds']:.2f} s"
    )


def fit_auto(
    data: Any,
    target: str | None = None,
    *,
    preset: str | None = None,
    task: str = "auto",
    drop: Iterable[str] = (),
    test_size: float = 0.2,
    class_weight: str | None = None,
    seed: int | None = 0,
    verbose: int = 0,
    callbacks: list[Any] | None = None,
    before_training: Callable[[TabularModel], None] | None = None,
    **given: Any,
) -> TabularModel:
    """Train on a table with the settings chosen from it; see the module docstring.

    Parameters
    ----------
    data, target, task, drop, test_size, class_weight, seed, verbose, callbacks, before_training
        As for :func:`axon.tabular.fit_table`.
    preset : {None, "tutorial"}
        ``tutorial``: the tutorial's network and training, no refit.
    **given
        Any of :data:`axon.tabular.defaults.SETTINGS` (``hidden``, ``dropout``,
        ``batch_norm``, ``batch_size``, ``learning_rate``, ``weight_decay``,
        ``epochs``, ``patience``, ``validation_split``, ``refit``, ``members``)
        or ``initializer`` (the first layer's kernel, a Keras name) and
        ``bias_spread`` (its biases' bound, in units of the kernel's Glorot bound; 0
        for zeros); a value that is not None wins over its rule.

    Returns
    -------
    TabularModel
        As fit_table's, with ``choices`` (setting -> :class:`Choice`) and ``refit``
        (``epochs``, ``rows``, ``members``, ``seconds``; empty without a refit).
    """
    started = time.perf_counter()
    frame, source = as_frame(data, progress=verbose > 0)
    read = time.perf_counter() - started  # fit_table gets the table already read
    if target is None and isinstance(data, str) and data in BUILTIN:
        target = "target"
    if not frame.index.is_unique:  # the refit finds its rows by their labels
        frame = frame.reset_index(drop=True)
    drop = list(drop)  # read twice below
    skipped = {target, *drop}
    columns = sum(1 for c in frame.columns if c not in skipped)
    present = (
        int(frame[target].notna().sum()) if target in frame.columns else len(frame)
    )
    rows = max(1, round(present * (1 - test_size)))
    chosen = choose(
        rows,
        max(1, columns),
        _task(frame, target, task, source),
        given,
        preset,
        _inputs(frame, target, drop) if rows < DEEP_ROWS else None,
    )

    def compile_chosen(model: TabularModel) -> None:
        initialize(model.network, chosen, seed)
        model.network.compile(
            optimizer=_optimizer(chosen),
            loss=model.target.loss,
            metrics=["accuracy"] if model.task == "classification" else [],
        )
        model.source = source  # fit_table saw a DataFrame
        setattr(model, "choices", {**chosen, **_output(model.target)})  # noqa: B010
        if before_training is not None:
            before_training(model)

    # fit_table frees the table once it is split (the splits are copies): hold it
    # here only for the refit (below REFIT_ROWS rows), and hand it over in a Handed,
    # which fit_table empties (the call's argument tuple would hold a DataFrame). A
    # million-row axon train (one epoch) peaked at 1,091 MiB with --preset tutorial
    # and 1,096 MiB with the defaults, 908 and 910 MiB without (4bea20a: 908 MiB).
    kept = frame if chosen["refit"].value else None
    handed = Handed(frame)
    del frame
    with _named(source):
        model = fit_table(
            handed,
            target,
            task=task,
            drop=drop,
            test_size=test_size,
            validation_split=chosen["validation_split"].value,
            class_weight=class_weight,
            hidden=chosen["hidden"].value,
            dropout=_rates(chosen),
            batch_norm=chosen["batch_norm"].value,
            epochs=chosen["epochs"].value,
            batch_size=chosen["batch_size"].value,
            learning_rate=chosen["learning_rate"].value,
            patience=chosen["patience"].value,
            seed=seed,
            verbose=verbose,
            callbacks=callbacks,
            before_training=compile_chosen,
        )
    model.source = source
    model.timings["read"] = read
    setattr(model, "refit", {})  # noqa: B010
    if kept is not None and model.rows.get("validation"):
        refit(model, kept, chosen, seed, class_weight, verbose)
    return model


def _output(target: Target) -> dict[str, Choice]:
    """The output layer and the loss, which the task decides."""
    if target.task == "regression":
        why = "a regression target: one linear unit on the standardised target"
    elif target.units == 1:
        why = "two classes: one sigmoid unit, the probability of the second"
    else:
        why = f"{target.units} classes: one softmax unit per class"
    return {
        "output": Choice(target.activation, why, "task"),
        "loss": Choice(target.loss, "the loss that pairs with that output", "task"),
    }


def best_epochs(history: Any) -> int:
    """Epochs to refit for: those up to the lowest validation loss (1-based count)."""
    losses = history.history.get("val_loss") or history.history["loss"]
    return int(np.argmin(losses)) + 1


def refit(
    model: TabularModel,
    frame: Any,
    chosen: dict[str, Choice],
    seed: int | None,
    class_weight: str | None = None,
    verbose: int = 0,
) -> None:
    """Retrain ``model`` on its training and validation rows for the epochs found.

    ``chosen["members"]`` networks are trained from different seeds and averaged
    (their outputs: probabilities or standardised values). The model's network and
    its results change (the validation rows' scores are now on rows it learnt
    from); ``rows``, ``split_index`` and ``history`` stay the early-stopping run's.
    """
    import axon

    started = time.perf_counter()
    epochs = best_epochs(model.history)
    index = model.split_index["training"].append(model.split_index["validation"])
    rows, source, coding = frame.loc[index], model.source, model.target
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TableWarning)  # as fit_table does
        x = model.preprocessing.transform(rows, source, expected=[coding.name])
    y = coding.encode(rows[coding.name], source)
    options: dict[str, Any] = {}
    if class_weight == "balanced":
        options["class_weight"] = coding.balanced_weights(
            coding.codes(rows[coding.name])
        )
    members = []
    for i in range(int(chosen["members"].value)):
        if seed is not None:
            axon.utils.set_random_seed(seed + 1 + i)
        net = network(
            x.shape[1],
            coding.units,
            coding.activation,
            chosen["hidden"].value,
            _rates(chosen),
            chosen["batch_norm"].value,
        )
        initialize(net, chosen, None if seed is None else seed + 1 + i)
        net.compile(optimizer=_optimizer(chosen), loss=coding.loss)
        net.fit(
            x,
            y,
            epochs=epochs,
            batch_size=chosen["batch_size"].value,
            verbose=verbose,
            **options,
        )
        members.append(net)
    model.network = members[0] if len(members) == 1 else average(members, x.shape[1])
    seconds = time.perf_counter() - started
    facts = {"epochs": epochs, "rows": len(rows), "members": len(members)}
    setattr(model, "refit", {**facts, "seconds": seconds})  # noqa: B010
    model.timings["refit"] = seconds
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TableWarning)
        model.results = {
            part: model._score(frame.loc[labels], source)
            for part, labels in model.split_index.items()
            if len(labels)
        }


def average(members: list[Any], inputs: int) -> Any:
    """One functional model whose output is the mean of the ``members``' outputs.

    Each member's layers are rebuilt in a branch of the graph with its weights, so
    the result saves, loads and exports like any axon model.
    """
    import axon

    given = axon.layers.Input((inputs,))
    pairs, outputs = [], []
    for net in members:
        tensor = given
        for layer in net.layers:
            config = {k: v for k, v in layer.get_config().items() if k != "name"}
            clone = type(layer).from_config(config)
            tensor = clone(tensor)
            pairs.append((clone, layer))
        outputs.append(tensor)
    model = axon.Model(given, axon.layers.Average()(outputs))
    for clone, layer in pairs:
        clone.set_weights(layer.get_weights())
    return model
