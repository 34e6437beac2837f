"""Any data ``axon train`` accepts, prepared once for every trial of a sweep.

A CSV, TSV or Parquet file, a DataFrame, or a scikit-learn data set name: read, split
and preprocessed by :mod:`axon.tabular` exactly as ``fit_table`` does for the same
seed (test rows, then validation rows, stratified for classification; each
column's preprocessing fitted on the training rows). So the best point, trained last
with ``fit_table``, sees the very rows its trials saw.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from axon.sweep.trial import Dataset, Network


def load(
    data: Any,
    target: str | None = None,
    *,
    task: str = "auto",
    seed: int = 0,
    test_size: float = 0.2,
    validation_split: float = 0.2,
) -> tuple[Dataset, Network]:
    """The sweep's arrays for ``data`` and the network that fits them.

    Returns
    -------
    (Dataset, Network)
        The training, validation and test arrays (``about`` names the source, the
        target and the task), and a builder of the tutorial's network with the
        output and loss the task needs.
    """
    from axon.tabular import Preprocessing, TableWarning, Target
    from axon.tabular.datasets import BUILTIN
    from axon.tabular.model import as_frame
    from axon.tabular.target import drop_missing, split

    if not 0 <= test_size < 1:
        raise ValueError(
            f"Expected a number in [0, 1). Received: test_size={test_size}"
        )
    if target is None and isinstance(data, str) and data in BUILTIN:
        target = "target"
    frame, source = as_frame(data)
    names = [str(c) for c in frame.columns]
    if target is None or target not in names:
        raise ValueError(
            f"Expected --target, one of the columns of {source} ({', '.join(names)}). "
            f"Received: {target!r}"
        )
    frame = drop_missing(frame, target, source)
    coding = Target.fit(target, frame[target], task, source)
    codes = coding.codes(frame[target]) if coding.task == "classification" else None
    rng = np.random.default_rng(seed)  # the draws fit_table makes for this seed
    rest, test = split(len(frame), codes, test_size, rng)
    train, val = split(
        len(rest), None if codes is None else codes[rest], validation_split, rng
    )
    train, val = rest[train], rest[val]
    rows = {
        "train": frame.iloc[train],
        "val": frame.iloc[val],
        "test": frame.iloc[test],
    }
    if coding.task == "regression":
        y = np.asarray(rows["train"][target], dtype=np.float64)
        coding = Target(target, "regression", mean=float(y.mean()), std=float(y.std()))
    prep = Preprocessing.fit(rows["train"], target, (), source)
    arrays = {}
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", TableWarning
        )  # held-out rows: the split's doing
        for part, part_rows in rows.items():
            arrays[part] = (
                prep.transform(part_rows, source, expected=[target]),
                coding.encode(part_rows[target], source),
            )
    about = {
        "source": source,
        "target": target,
        "task": coding.task,
        "rows": {part: len(part_rows) for part, part_rows in rows.items()},
        "features": len(prep.features),
    }
    dataset = Dataset(
        arrays["train"][0],
        arrays["train"][1],
        arrays["test"][0],
        arrays["test"][1],
        arrays["val"][0] if len(val) else None,
        arrays["val"][1] if len(val) else None,
        validation_split=0.0,  # the validation rows above, when there are any
        about=about,
    )
    metrics = ("accuracy",) if coding.task == "classification" else ()
    build = Network(
        len(prep.features), coding.units, coding.activation, coding.loss, metrics
    )
    return dataset, build
