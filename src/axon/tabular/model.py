"""A network trained on a table, with the preprocessing that makes raw rows its input.

:func:`~axon.tabular.fit.fit_table` is the one entry point (``axon train DATA
--target COLUMN`` calls it): a file or a DataFrame in, a :class:`TabularModel` out,
whose ``predict`` takes raw rows and returns them with the predictions, whose
``evaluate`` scores labelled rows, and whose ``save`` writes one ``.axon`` file;
:func:`load` reads it back::

    import axon.tabular

    model = axon.tabular.fit_table("customers.csv", target="churn")
    print(model.results["test"])
    predictions = model.predict(new_rows)      # a DataFrame, same rows
    model.save("churn.axon")
    model = axon.tabular.load("churn.axon")

The saved form
--------------
The ``.axon`` file is the usual one (JSON and ``.npy`` arrays, no pickle), so
``axon.models.load_model`` still reads the network. Its ``model.metadata`` holds
``class_names`` (classification), ``feature_names`` (the network's inputs) and,
under ``"table"``, everything needed to rebuild the input from raw columns::

    {"format": "axon-table", "version": 1,
     "source": "customers.csv",           # where the training rows came from
     "columns": [<column>, ...],           # every training column, in table order
     "features": ["age", "age_missing", "city=Paris", ...],   # network input order
     "target": <target>}

Each ``<column>`` has ``name``, ``kind``, ``type`` (``number``, ``integer``,
``boolean``, ``text``, ``category``, ``numbers as text``...), ``missing`` (the
share of training rows where it was missing, 0..1) and ``treatment`` (the words the
column table shows), and by ``kind``:

- ``"numeric"``: ``fill`` (training median), ``mean``, ``std`` (never 0),
  ``indicator`` (bool), ``missing_tokens`` (texts read as missing). Features:
  ``[name]`` then ``[name + "_missing"]`` if ``indicator``. Transform: parse as a
  number (any text that is no number, and ±inf, is missing), fill missing with
  ``fill``, then ``(x - mean) / std``; the indicator is 1.0 where it was missing.
- ``"onehot"``: ``categories`` (strings, in feature order), ``fill`` (a category),
  ``other_column`` (bool), ``indicator`` (bool), ``distinct``. Features:
  ``name + "=" + c`` per category, then ``name + "=<other>"`` if ``other_column``,
  then ``name + "_missing"`` if ``indicator``. Transform: the value as text
  (``True`` -> ``"True"``, ``3`` -> ``"3"``); missing -> ``fill``; 1.0 in the
  matching category's feature; a value not in ``categories`` sets ``=<other>`` if
  there is one, else nothing (all zeros); the indicator as above.
- ``"dropped"``: ``reason`` (``id``, ``constant``, ``requested``, ``unsupported``);
  no features, and the column need not be there at prediction time.

``<target>`` is ``{"name", "task": "classification", "classes": [...] (labels as
JSON values, in output order), "output": "sigmoid" | "softmax"}`` (sigmoid: one
unit, the probability of ``classes[1]``) or ``{"name", "task": "regression",
"mean", "std", "output": "linear"}`` (prediction = output * std + mean).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from axon.tabular import scores
from axon.tabular.io import TableError, check_frame, pandas, read_table
from axon.tabular.preprocessing import Preprocessing, closest, listed
from axon.tabular.target import Target, drop_missing

FORMAT, VERSION = "axon-table", 1


def network(
    n_in: int,
    n_out: int,
    activation: str,
    hidden: Sequence[int] = (64, 32),
    dropout: Sequence[float] = (0.3, 0.2),
    batch_norm: bool = True,
    scaler: tuple[Any, Any] | None = None,
) -> Any:
    """The tutorial's network, sized to the data.

    Dense relu layers (``hidden``), BatchNormalization after the first, Dropout after
    each (``dropout[i]``, the last rate repeating), then ``Dense(n_out, activation)``;
    with ``scaler=(mean, variance)`` a Normalization layer comes first.
    """
    import axon

    stack: list[Any] = [axon.layers.Input((n_in,))]
    if scaler is not None:
        stack.append(axon.layers.Normalization(mean=scaler[0], variance=scaler[1]))
    for i, units in enumerate(hidden):
        initializer = "he_normal" if i == 0 else "glorot_uniform"
        stack.append(axon.layers.Dense(units, "relu", kernel_initializer=initializer))
        if i == 0 and batch_norm:
            stack.append(axon.layers.BatchNormalization())
        rate = dropout[min(i, len(dropout) - 1)] if dropout else 0.0
        if rate:
            stack.append(axon.layers.Dropout(rate))
    stack.append(axon.layers.Dense(n_out, activation))
    return axon.Sequential(stack)


class Handed:
    """A checked DataFrame handed to fit_table, which takes it out (see as_frame).

    fit_table frees the table once it is split, but a call with many keywords (as
    fit_auto's, 16) passes its positional arguments in a tuple that the caller holds
    until the call returns: a DataFrame passed in it stays alive through training.
    """

    def __init__(self, frame: Any) -> None:
        self.frame: Any = frame


def as_frame(data: Any, progress: bool = False) -> tuple[Any, str]:
    """(DataFrame, how to name it in messages) from a path, a data set or a frame."""
    from axon.tabular import datasets

    if isinstance(data, Handed):  # checked when it was read; emptied here
        frame, data.frame = data.frame, None
        return frame, "the DataFrame"
    if isinstance(data, (str, os.PathLike)):
        if str(data) in datasets.BUILTIN and not Path(data).exists():
            return datasets.load(str(data)), str(data)
        return read_table(data, progress=progress), str(data)
    pd = pandas()
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            "Expected a pandas DataFrame, a file path or a data set name. "
            f"Received: {type(data).__name__}"
        )
    frame = check_frame(data, "the DataFrame")
    if any(not isinstance(c, str) for c in frame.columns):
        frame = frame.rename(columns=str)
    return frame, "the DataFrame"


class TabularModel:
    """A network and the preprocessing and target coding it was trained with.

    Attributes
    ----------
    network : axon.Sequential
    preprocessing : Preprocessing
    target : Target
    source : str
        Where the training rows came from.
    history : History or None
        The training history (None for a loaded model).
    results : dict
        Scores per split (``training``, ``validation``, ``test``) after training.
    test_rows : DataFrame or None
        The held-out test rows (None for a loaded model).
    rows : dict of str to int
        Row counts per split after training (empty for a loaded model).
    split_index : dict of str to pandas.Index
        The table's index labels of each split's rows (empty for a loaded model).
    timings : dict of str to float
        Seconds spent reading, preparing, training and scoring.
    """

    def __init__(
        self,
        network: Any,
        preprocessing: Preprocessing,
        target: Target,
        source: str = "the table",
    ) -> None:
        self.network, self.preprocessing, self.target = network, preprocessing, target
        self.source = source
        self.history: Any = None
        self.results: dict[str, dict[str, Any]] = {}
        self.test_rows: Any = None
        self.rows: dict[str, int] = {}
        self.split_index: dict[str, Any] = {}
        self.timings: dict[str, float] = {}

    @property
    def task(self) -> str:
        return self.target.task

    def _outputs(self, frame: Any, source: str) -> tuple[Any, Any]:
        x = self.preprocessing.transform(frame, source, expected=[self.target.name])
        return self.target.decode(self.network.predict(x, batch_size=1024, verbose=0))

    def predict(self, data: Any) -> Any:
        """Raw rows in; the same rows out, with the predictions as the last columns.

        The added columns are ``prediction`` and, for classification,
        ``probability_<class>`` for each class. ``data`` is a DataFrame or a file
        path. Columns may come in any order; extra ones are ignored with a
        :class:`~axon.tabular.columns.TableWarning`, a missing one is a
        :class:`~axon.tabular.io.TableError` naming it.
        """
        frame, source = as_frame(data)
        added = ["prediction"]
        if self.task == "classification":
            added += [f"probability_{c}" for c in self.target.classes]
        clash = [name for name in added if name in frame.columns]
        if clash:
            raise TableError(
                f"{source} already has a column {clash[0]!r}, where the predictions "
                "go; rename or drop it"
            )
        predicted, probabilities = self._outputs(frame, source)
        pd = pandas()
        columns: dict[str, Any] = {"prediction": predicted}
        if probabilities is not None:
            columns.update(zip(added[1:], probabilities.T, strict=True))
        return pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)

    def evaluate(self, data: Any) -> dict[str, Any]:
        """The task's scores on labelled rows (a DataFrame or a file path).

        Rows whose target is missing are dropped with a TableWarning.
        """
        frame, source = as_frame(data)
        name = self.target.name
        if name not in frame.columns:
            names = [str(c) for c in frame.columns]
            raise TableError(
                f"{source} has no target column {name!r}{closest(name, names)}; "
                f"the columns are: {listed(names)}"
            )
        frame = drop_missing(frame, name, source)
        return self._score(frame, source)

    def _score(self, frame: Any, source: str) -> dict[str, Any]:
        predicted, probabilities = self._outputs(frame, source)
        y = frame[self.target.name]
        if probabilities is None:
            return scores.regression(np.asarray(y, dtype=np.float64), predicted)
        codes = self.target.codes(y, source)
        return scores.classification(codes, probabilities, self.target.classes)

    def column_rows(self) -> list[list[str]]:
        """The column table's rows: column, type, share missing, treatment."""
        return self.preprocessing.rows()

    def column_table(self) -> str:
        """What was done to each column, as the text table ``axon train`` prints."""
        from axon.tabular.report import COLUMN_HEADER, text_table

        return text_table(COLUMN_HEADER, self.column_rows())

    @property
    def metadata(self) -> dict[str, Any]:
        """What the saved file carries besides the network (see the module doc)."""
        table = {
            "format": FORMAT,
            "version": VERSION,
            "source": self.source,
            **self.preprocessing.to_json(),
            "target": self.target.to_json(),
        }
        metadata: dict[str, Any] = {
            "feature_names": self.preprocessing.features,
            "inputs": "a table's raw columns: axon.tabular.load(path).predict(frame)",
            "table": table,
        }
        if self.task == "classification":
            metadata["class_names"] = [str(c) for c in self.target.classes]
        return metadata

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the network and the preprocessing to one ``.axon`` file, atomically."""
        self.network.metadata = self.metadata
        self.network.save(path)

    def export(self, path: str | os.PathLike[str]) -> None:
        """Write an ONNX graph taking the raw columns (:mod:`axon.export.table`).

        One input per column, the preprocessing, the network and the decoded
        outputs (``probabilities`` and ``label``, or ``prediction``); needs the
        ``onnx`` package (``pip install 'axon[onnx]'``).
        """
        from axon.export import export

        export(self, path)


def load(path: str | os.PathLike[str]) -> TabularModel:
    """Read a model that :meth:`TabularModel.save` (or ``axon train``) wrote."""
    import axon

    network = axon.models.load_model(path)
    table = network.metadata.get("table")
    if not isinstance(table, dict):
        raise ValueError(
            f"{path} holds a network trained on arrays, not on a table; read it with "
            "axon.models.load_model"
        )
    if table.get("format") != FORMAT or table.get("version") != VERSION:
        raise ValueError(
            f"Expected {path} to hold table format {FORMAT!r} version {VERSION}. "
            f"Received: {table.get('format')!r} version {table.get('version')!r}"
        )
    return TabularModel(
        network,
        Preprocessing.from_json(table),
        Target.from_json(table["target"]),
        str(table.get("source", "the table")),
    )
