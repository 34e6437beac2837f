"""The data sets that ship with scikit-learn, as tables with a ``target`` column.

Class labels are the data set's names for them (``setosa``, ``malignant``...), so
predictions read as words; ``digits`` keeps its digits and ``diabetes`` is regression.
"""

from __future__ import annotations

from typing import Any

import numpy as np

BUILTIN = ("iris", "wine", "breast_cancer", "digits", "diabetes")


def load(name: str) -> Any:
    """The data set ``name`` (one of :data:`BUILTIN`) as a DataFrame.

    Examples
    --------
    >>> frame = load("wine")
    >>> frame.shape, sorted(frame["target"].unique())
    ((178, 14), ['class_0', 'class_1', 'class_2'])
    """
    if name not in BUILTIN:
        raise ValueError(
            f"Expected a data set name, one of {', '.join(BUILTIN)}. Received: {name!r}"
        )
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(
            f"The {name} data set comes with scikit-learn: pip install 'axon[sklearn]'"
        ) from None
    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame.copy()
    if name not in ("diabetes", "digits"):
        names = np.asarray([str(n) for n in bunch.target_names], dtype=object)
        frame["target"] = names[bunch.target.to_numpy()]
    return frame
