"""Tables in, models out: a CSV, Parquet file or DataFrame to a trained, saved model.

``fit_table(data, target=...)`` reads the table (:mod:`~axon.tabular.io`), infers
and fits one preprocessing step per column on the training rows
(:mod:`~axon.tabular.columns`, :mod:`~axon.tabular.preprocessing`), infers the task
from the target (:mod:`~axon.tabular.target`), trains the tutorial's network and
scores it (:mod:`~axon.tabular.scores`). The :class:`TabularModel` it returns
predicts on raw rows and saves everything in one ``.axon`` file (the JSON schema is
in :mod:`axon.tabular.model`); ``load`` reads it back. pandas is imported on use.
"""

from __future__ import annotations

from axon.tabular.columns import TableWarning
from axon.tabular.fit import fit_table
from axon.tabular.io import TableError, read_table
from axon.tabular.model import TabularModel, load
from axon.tabular.preprocessing import Preprocessing
from axon.tabular.target import Target

__all__ = [
    "Preprocessing",
    "TableError",
    "TableWarning",
    "TabularModel",
    "Target",
    "fit_table",
    "load",
    "read_table",
]
