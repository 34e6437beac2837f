"""``fit_table``: a table in, a trained :class:`~axon.tabular.model.TabularModel` out.

The steps, in order: read the table; check its columns (the target exists, no column
is empty on every row); drop the rows whose target is missing (counted); infer the
task; hold out the test rows, then the validation rows (stratified by class for
classification); fit the preprocessing and the target's scaling on the remaining
training rows only; build and train the tutorial's network with early stopping on
the validation rows; score every split.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from axon.tabular.columns import TableWarning
from axon.tabular.datasets import BUILTIN
from axon.tabular.io import TableError
from axon.tabular.model import TabularModel, as_frame, network
from axon.tabular.preprocessing import Preprocessing, closest, listed
from axon.tabular.target import Target, drop_missing, split


def _check_columns(frame: Any, target: str | None, source: str) -> str:
    names = [str(c) for c in frame.columns]
    if target is None:
        raise TableError(
            f"{source}: say which column to predict (--target COLUMN); the columns "
            f"are: {listed(names)}"
        )
    if target not in names:
        raise TableError(
            f"{source} has no column {target!r}{closest(target, names)}; the columns "
            f"are: {listed(names)}"
        )
    empty = frame.columns[frame.isna().all().to_numpy()]
    if len(empty):
        name = str(empty[0])
        what = "the target" if name == target else "column"
        raise TableError(
            f"{source}: {what} {name!r} is empty on every row; drop it (--drop "
            f"{name}) or fill it"
        )
    return target


def fit_table(
    data: Any,
    target: str | None = None,
    *,
    task: str = "auto",
    drop: Iterable[str] = (),
    test_size: float = 0.2,
    validation_split: float = 0.2,
    class_weight: str | None = None,
    hidden: Sequence[int] = (64, 32),
    dropout: Sequence[float] = (0.3, 0.2),
    batch_norm: bool = True,
    epochs: int = 100,
    batch_size: int = 16,
    learning_rate: float = 0.001,
    patience: int = 10,
    seed: int | None = 0,
    verbose: int = 0,
    callbacks: list[Any] | None = None,
    before_training: Callable[[TabularModel], None] | None = None,
) -> TabularModel:
    """Train the tutorial's network on a table and score it on held-out rows.

    The rows whose target is missing are dropped (a TableWarning counts them). Then
    ``test_size`` of the rows are held out for the test scores and
    ``validation_split`` of the rest for early stopping (both stratified by class for
    classification); the preprocessing and, for regression, the target's scaling are
    fitted on the remaining training rows only.

    Parameters
    ----------
    data : DataFrame, str or Path
        The table, a CSV/TSV/Parquet file, or a scikit-learn data set name
        (``iris``, ``wine``, ``breast_cancer``, ``digits``, ``diabetes``; their
        target column is ``target``).
    target : str
        The column to predict (``"target"`` by default for a data set name).
    task : {"auto", "classification", "regression"}
        ``auto`` infers it from the target (see :mod:`axon.tabular.target`).
    drop : iterable of str
        Columns to leave out.
    class_weight : {None, "balanced"}
        ``balanced`` weighs each class by ``n / (classes * count)``, passed to
        ``Model.fit(class_weight=...)``.
    verbose : int
        0 silent; 1 or 2 print the column table and the network, then train with
        Keras's progress display of that ``verbose``.
    callbacks : list of Callback
        More callbacks for ``fit`` (EarlyStopping on the validation loss, restoring
        the best weights, is always there).
    before_training : callable, optional
        Called with the model, built and compiled, just before training; it
        replaces the printing that ``verbose`` asks for.

    Returns
    -------
    TabularModel
        With ``history``, ``results`` (scores on each split), ``rows`` (row counts
        per split), ``test_rows`` and ``timings`` (seconds to read, prepare,
        train and score).
    """
    import axon

    if test_size is None or not 0 <= test_size < 1:
        raise ValueError(
            f"Expected a number in [0, 1). Received: test_size={test_size}"
        )
    if class_weight not in (None, "balanced"):
        raise ValueError(
            f"Expected class_weight=None or 'balanced'. Received: {class_weight!r}"
        )
    if seed is not None:
        axon.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    if target is None and isinstance(data, str) and data in BUILTIN:
        target = "target"
    started = time.perf_counter()
    frame, source = as_frame(data, progress=verbose > 0)
    timings = {"read": time.perf_counter() - started}
    target = _check_columns(frame, target, source)
    frame = drop_missing(frame, target, source)
    coding = Target.fit(target, frame[target], task, source)
    codes = coding.codes(frame[target]) if coding.task == "classification" else None
    rest, test = split(len(frame), codes, test_size, rng)
    rest_codes = None if codes is None else codes[rest]
    train, val = split(len(rest), rest_codes, validation_split, rng)
    train, val = rest[train], rest[val]
    if not len(train) or (test_size > 0 and not len(test)):
        raise TableError(f"{source}: {len(frame)} row(s) are too few to split")
    rows = {"training": frame.iloc[train], "validation": frame.iloc[val]}
    rows["test"] = frame.iloc[test]
    # The splits are copies: from here on one table is held, not two (on a
    # million-row table the whole run's peak memory falls by the table's size).
    # ``data`` too: it is that table when fit_auto hands over the one it read.
    del frame, data
    if coding.task == "regression":
        y = np.asarray(rows["training"][target], dtype=np.float64)
        coding = Target(target, "regression", mean=float(y.mean()), std=float(y.std()))
        if coding.std == 0:
            raise TableError(
                f"{source}: the target {target!r} has one value on every training row"
            )
    prep = Preprocessing.fit(rows["training"], target, drop, source)
    fit_options: dict[str, Any] = {}
    if class_weight == "balanced":
        if codes is None:
            raise TableError(
                f"{source}: class_weight='balanced' needs a classification target; "
                f"{target!r} is a regression target"
            )
        fit_options["class_weight"] = coding.balanced_weights(codes[train])
    net = network(
        len(prep.features), coding.units, coding.activation, hidden, dropout, batch_norm
    )
    net.compile(
        optimizer=axon.optimizers.Adam(learning_rate=learning_rate),
        loss=coding.loss,
        metrics=["accuracy"] if coding.task == "classification" else [],
    )
    model = TabularModel(net, prep, coding, source)
    model.rows = {part: len(part_rows) for part, part_rows in rows.items()}
    model.split_index = {part: part_rows.index for part, part_rows in rows.items()}

    def prepared(part: str) -> tuple[Any, Any]:
        with warnings.catch_warnings():
            # Held-out rows of the same table may hold a category the training rows
            # lack: that is the split at work, not news about the user's data.
            warnings.simplefilter("ignore", TableWarning)
            x = prep.transform(rows[part], source, expected=[target])
        return x, coding.encode(rows[part][target], source)

    x_train, y_train = prepared("training")
    validation = prepared("validation") if len(val) else None
    timings["prepare"] = time.perf_counter() - started - timings["read"]
    if before_training is not None:
        before_training(model)
    elif verbose:
        from axon.tabular.report import print_plan

        print_plan(model)
    started = time.perf_counter()
    stopper = axon.callbacks.EarlyStopping(
        monitor="val_loss" if validation else "loss",
        patience=patience,
        restore_best_weights=True,
    )
    model.history = net.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation,
        callbacks=[stopper, *(callbacks or [])],
        verbose=verbose,
        **fit_options,
    )
    timings["train"] = time.perf_counter() - started
    del x_train, y_train, validation  # scoring builds its own, split by split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TableWarning)
        model.results = {
            part: model._score(part_rows, source)
            for part, part_rows in rows.items()
            if len(part_rows)
        }
    model.test_rows = rows["test"]
    model.timings = {
        **timings,
        "score": time.perf_counter() - started - timings["train"],
    }
    return model
