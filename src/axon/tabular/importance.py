"""Which columns matter: permutation importance of each original column.

Shuffle one column of the raw rows, so that its values no longer belong to their
rows, run the model's preprocessing and prediction again, and see how much the
task's score falls: ROC AUC for two classes, accuracy for more, R² for regression.
(scikit-learn's ``permutation_importance`` scores classifiers by accuracy; on a
test set of a hundred rows accuracy moves in steps of 1%, and most columns of a
good binary model then show no drop at all, where the AUC, which ranks every pair
of rows, still sees one.) A column the network ignores loses nothing; one it leans
on loses a lot. Each column is shuffled ``repeats`` times with a seeded generator;
the mean drop and its spread (the standard deviation over the repeats) are
reported. A drop within its spread of zero is noise.

Every column's features depend on that column alone, row by row (see
:mod:`axon.tabular.columns`), so shuffling the raw column and preparing the rows
again gives the design matrix with that column's block of features shuffled the
same way. The rows are therefore prepared once and the block permuted in place:
the same numbers, without re-reading text each time (tested against re-preparing).
"""

from __future__ import annotations

import warnings
import weakref
from typing import Any

import numpy as np

from axon.config import Array
from axon.tabular import scores
from axon.tabular.columns import TableWarning

MAX_ROWS = 20_000  # rows scored per shuffle; a sample of bigger test sets
_CACHE: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _scorer(model: Any, frame: Any) -> tuple[str, Any]:
    """The score's name, and the score of the network's outputs on ``frame``."""
    target = model.target
    if target.task == "regression":
        actual = np.asarray(frame[target.name], dtype=np.float64)

        def r2(output: Array) -> float:
            predicted, _ = target.decode(output)
            return float(scores.regression(actual, predicted).get("r2", np.nan))

        return "R2", r2
    codes = target.codes(frame[target.name])
    if len(target.classes) == 2 and codes.min() < codes.max():

        def auc(output: Array) -> float:
            _, probabilities = target.decode(output)
            return scores.roc_auc(codes == 1, probabilities[:, 1])

        return "ROC AUC", auc

    def accuracy(output: Array) -> float:
        _, probabilities = target.decode(output)
        return float(np.mean(probabilities.argmax(axis=1) == codes))

    return "accuracy", accuracy


def permutation_importance(
    model: Any,
    rows: Any = None,
    *,
    repeats: int = 5,
    seed: int = 0,
    max_rows: int | None = MAX_ROWS,
) -> dict[str, Any]:
    """Drop in the task's score when each column the model uses is shuffled.

    ``importance(c) = score(rows) - score(rows with column c shuffled)``, averaged
    over ``repeats`` shuffles.

    Parameters
    ----------
    model : TabularModel
        A trained table model.
    rows : DataFrame, optional
        Labelled raw rows; by default the model's held-out test rows.
    repeats : int
        Shuffles per column.
    seed : int
        Seeds the generator that samples the rows and draws the shuffles.
    max_rows : int or None
        Score a sample of this many rows when there are more (None: all).

    Returns
    -------
    dict
        Plain JSON: ``score`` (its name), ``baseline`` (the score of the rows as
        they are), ``rows`` (scored), ``of_rows`` (given), ``repeats``, ``seed``
        and ``columns``, a list of ``{"column", "mean", "std"}`` sorted by
        decreasing mean. Dropped columns, which the network never sees, are left
        out.
    """
    if not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"Expected an integer >= 1. Received: repeats={repeats!r}")
    if max_rows is not None and (not isinstance(max_rows, int) or max_rows < 2):
        raise ValueError(
            f"Expected max_rows=None or an integer >= 2. Received: max_rows={max_rows!r}"
        )
    frame = model.test_rows if rows is None else rows
    if frame is None or len(frame) < 2:
        raise ValueError(
            "Expected at least 2 labelled rows to shuffle (the model's test rows by "
            f"default). Received: {0 if frame is None else len(frame)} rows"
        )
    rng = np.random.default_rng(seed)
    given = len(frame)
    if max_rows is not None and given > max_rows:
        frame = frame.iloc[np.sort(rng.choice(given, max_rows, replace=False))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TableWarning)  # said once, at training
        x = model.preprocessing.transform(frame, expected=[model.target.name])
    name, score = _scorer(model, frame)

    def predicted() -> Array:
        output: Array = model.network.predict(x, batch_size=4096, verbose=0)
        return output

    baseline = score(predicted())
    found = []
    start = 0
    for step in model.preprocessing.steps:
        width = len(step.features)
        if not width:
            continue
        block = slice(start, start + width)
        start += width
        kept = x[:, block].copy()  # (rows, width)
        drops = []
        for _ in range(repeats):
            x[:, block] = kept[rng.permutation(len(x))]
            drops.append(baseline - score(predicted()))
        x[:, block] = kept
        # Rounded to 12 places: a mean of drops that cancel reads 0, not -1e-17.
        mean, spread = (
            float(round(v, 12)) + 0.0 for v in (np.mean(drops), np.std(drops))
        )
        found.append({"column": step.name, "mean": mean, "std": spread})
    found.sort(key=lambda item: -item["mean"])
    return {
        "score": name,
        "baseline": float(baseline),
        "rows": len(x),
        "of_rows": given,
        "repeats": repeats,
        "seed": seed,
        "columns": found,
    }


def of_test_rows(model: Any) -> dict[str, Any] | None:
    """:func:`permutation_importance` on the model's test rows, computed once.

    The report's figure and table and ``history.json`` all read this one result.
    None when the model has fewer than two test rows.
    """
    if model.test_rows is None or len(model.test_rows) < 2:
        return None
    if model not in _CACHE:
        _CACHE[model] = permutation_importance(model)
    return _CACHE[model]


def four(value: float) -> str:
    """``value`` to four places, the way the report's table shows it.

    A drop too small to show reads ``0.0000``, not ``-0.0000``.

    Examples
    --------
    >>> four(-0.00003), four(-0.0123), four(0.5)
    ('0.0000', '-0.0123', '0.5000')
    """
    text = f"{value:.4f}"
    return text[1:] if text == "-0.0000" else text


def rows_of(result: dict[str, Any]) -> list[list[str]]:
    """The report's table: one row per column, most important first."""
    return [[c["column"], four(c["mean"]), four(c["std"])] for c in result["columns"]]


def header_of(result: dict[str, Any]) -> list[str]:
    """The table's header, naming the score."""
    return ["column", f"drop in {result['score']} (mean)", "spread (std)"]
