"""The fitted preprocessing of a whole table: one step per column, in table order.

Like scikit-learn's ``ColumnTransformer``, it owns one fitted step per column (see
:mod:`axon.tabular.columns`), lays their features side by side in the order of the
training table's columns, and reports what it did to each column. Unlike it, its
state is plain JSON, saved inside the model file.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.tabular import columns
from axon.tabular.columns import Column, Dropped, TableWarning
from axon.tabular.io import TableError


def closest(name: str, names: Iterable[str]) -> str:
    """``" (did you mean 'price'?)"`` when a name is close, else ``""``."""
    by_lower = {candidate.lower(): candidate for candidate in names}
    match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[match[0]]!r}?)" if match else ""


def listed(names: list[str], limit: int = 30) -> str:
    """``a, b, c`` (the first ``limit`` names, then how many more)."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


class Preprocessing:
    """The column steps fitted on the training rows, applied to any rows.

    Parameters
    ----------
    steps : list of Column
        One fitted step per training column (the target excluded), in table order.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"size": [1.0, 2.0, None, 4.0], "colour": list("rgrb")})
    >>> prep = Preprocessing.fit(rows)
    >>> prep.features
    ['size', 'size_missing', 'colour=b', 'colour=g', 'colour=r']
    >>> prep.transform(pd.DataFrame({"colour": ["g"], "size": [None]})).round(3)
    array([[-0.267,  1.   ,  0.   ,  1.   ,  0.   ]], dtype=float32)
    """

    def __init__(self, steps: list[Column]) -> None:
        self.steps = steps

    @classmethod
    def fit(
        cls,
        frame: Any,
        target: str | None = None,
        drop: Iterable[str] = (),
        source: str = "the table",
    ) -> Preprocessing:
        """Infer and fit one step per column of ``frame`` (the training rows)."""
        drop = list(drop)
        names = [str(c) for c in frame.columns]
        for name in drop:
            if name not in names:
                raise TableError(
                    f"{source} has no column {name!r} to drop{closest(name, names)}; "
                    f"the columns are: {listed(names)}"
                )
        steps = [
            Dropped(name, columns._type_name(frame[name]), 0.0, "requested")
            if name in drop
            else columns.infer(name, frame[name], source)
            for name in names
            if name != target
        ]
        if not any(step.features for step in steps):
            raise TableError(
                f"{source}: no column is left to learn from (every one was dropped; "
                "see the column table)"
            )
        return cls(steps)

    @property
    def features(self) -> list[str]:
        """The network's input features, in order."""
        return [name for step in self.steps for name in step.features]

    @property
    def required(self) -> list[str]:
        """The columns a table must have to be transformed."""
        return [step.name for step in self.steps if step.features]

    def transform(
        self, frame: Any, source: str = "the table", expected: Iterable[str] = ()
    ) -> Array:
        """The design matrix (rows, features) in the float type, from raw rows.

        Columns may come in any order; ``expected`` names columns that may be there
        without a word (the target). Other extra columns are ignored with one
        :class:`TableWarning`, and so are unseen categories (to their bucket) and text
        in number columns (read as missing), counted per column. A missing column is
        a :class:`TableError` naming it.
        """
        present = [str(c) for c in frame.columns]
        known = {step.name for step in self.steps} | set(expected)
        extra = [name for name in present if name not in known]
        absent = [name for name in self.required if name not in present]
        if absent:
            shown = ", ".join(repr(name) for name in absent[:10])
            more = f" and {len(absent) - 10} more" if len(absent) > 10 else ""
            raise TableError(
                f"{source} lacks {len(absent)} column(s) the model needs: {shown}"
                f"{more}{closest(absent[0], extra)}"
            )
        if extra:
            warnings.warn(
                f"{source}: ignored {len(extra)} column(s) the model was not trained "
                f"on: {listed(extra, 10)}",
                TableWarning,
                stacklevel=2,
            )
        out = np.zeros((len(frame), len(self.features)), dtype=config.floatx())
        counts: dict[str, dict[str, int]] = {}
        start = 0
        for step in self.steps:
            width = len(step.features)
            if width:
                found = step.transform(frame[step.name], out[:, start : start + width])
                for what, count in found.items():
                    if count:
                        counts.setdefault(what, {})[step.name] = count
                start += width
        for what, per_column in counts.items():
            total = sum(per_column.values())
            where = ", ".join(f"{name} {n}" for name, n in per_column.items())
            said = (
                "never seen in training, went to their column's bucket"
                if what == "unseen"
                else "are not numbers, read as missing"
            )
            warnings.warn(
                f"{source}: {total} value(s) {said} ({where})",
                TableWarning,
                stacklevel=2,
            )
        return out

    def rows(self) -> list[list[str]]:
        """The column table: name, type, share missing, treatment."""
        return [
            [step.name, step.type, f"{step.missing:.1%}", step.treatment()]
            for step in self.steps
        ]

    def to_json(self) -> dict[str, Any]:
        """``{"columns": [...], "features": [...]}``, plain JSON."""
        return {
            "columns": [step.to_json() for step in self.steps],
            "features": self.features,
        }

    @classmethod
    def from_json(cls, state: dict[str, Any]) -> Preprocessing:
        """Rebuild from :meth:`to_json`'s output; the feature list must agree."""
        prep = cls([columns.from_json(column) for column in state["columns"]])
        if prep.features != list(state["features"]):
            raise ValueError(
                "Expected the saved features to follow from the saved columns. "
                f"Received: {len(state['features'])} features for "
                f"{len(prep.features)} computed"
            )
        return prep
