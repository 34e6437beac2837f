"""Class labels to the network's target columns and back, and the scores of a fit.

:class:`Labels` does what scikit-learn's ``LabelBinarizer`` does for its MLPs (one
0/1 column for two classes, one per class for more, the indicator matrix itself
for multi-label targets), in a few NumPy calls: ``LabelBinarizer.transform`` costs
milliseconds, which on small tables is much of a fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from sklearn.utils.multiclass import type_of_target

from axon.config import Array

KINDS = ("binary", "multiclass", "multilabel-indicator")


def _plain(y: Any) -> bool:
    # Integers, booleans or strings in one column: the classes decide the kind,
    # and type_of_target's checks cost more than the rest of a small fit.
    return isinstance(y, np.ndarray) and y.ndim == 1 and y.dtype.kind in "biuU"


class Labels:
    """The label kind and the classes a classifier was fitted on.

    Parameters
    ----------
    kind : {"binary", "multiclass", "multilabel-indicator"}
        scikit-learn's ``type_of_target`` of the training labels.
    classes : ndarray
        The sorted class labels (``arange(n_labels)`` for multi-label targets).

    Examples
    --------
    >>> import numpy as np
    >>> labels = Labels.of(np.array(["b", "a", "c", "a"]))
    >>> labels.encode(np.array(["a", "c"]), np.float32)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    >>> labels.decode(np.array([[0.1, 0.7, 0.2]]))
    array(['b'], dtype='<U1')
    """

    def __init__(self, kind: str, classes: Array) -> None:
        self.kind, self.classes = kind, classes

    @staticmethod
    def kind_of(y: Any) -> str:
        """``type_of_target(y)``, refusing what no classifier can learn."""
        if _plain(y):
            return "binary" if len(np.unique(y)) <= 2 else "multiclass"
        kind = str(type_of_target(y, input_name="y"))
        if kind not in KINDS:
            raise ValueError(
                f"Unknown label type: {kind!r}. Expected class labels (binary or "
                "multiclass) or a 0/1 indicator matrix (multi-label). Received: y "
                f"of type {kind!r}"
            )
        return kind

    @classmethod
    def of(cls, y: Any) -> Labels:
        """The labels of training targets ``y``."""
        if _plain(y):
            classes = np.unique(y)  # once: kind_of and present would sort twice
            return cls("binary" if len(classes) <= 2 else "multiclass", classes)
        kind = cls.kind_of(y)
        return cls(kind, cls.present(y, kind))

    @classmethod
    def declared(cls, classes: Any, y: Any) -> Labels:
        """The labels ``partial_fit`` is told about (``classes``) before seeing them."""
        kind = cls.kind_of(y)
        if kind == "multilabel-indicator":
            return cls(kind, cls.present(y, kind))
        classes = np.unique(np.asarray(classes))
        return cls("multiclass" if len(classes) > 2 else "binary", classes)

    @staticmethod
    def present(y: Any, kind: str) -> Array:
        """The classes found in ``y``."""
        if kind == "multilabel-indicator":
            return np.arange(y.shape[1])
        return np.unique(np.asarray(y))

    def encode(self, y: Any, dtype: Any) -> Array:
        """``y`` as ``(n, outputs)`` 0/1 columns of ``dtype``."""
        if self.kind == "multilabel-indicator":
            dense = y.toarray() if sparse.issparse(y) else np.asarray(y)
            return dense.astype(dtype)
        y = np.asarray(y)
        if self.kind == "binary":
            positive = self.classes[-1] if len(self.classes) == 2 else None
            column = (y == positive) if positive is not None else np.zeros(len(y))
            return column.astype(dtype).reshape(-1, 1)
        codes = np.searchsorted(self.classes, y)
        encoded = np.zeros((len(y), len(self.classes)), dtype=dtype)
        encoded[np.arange(len(y)), codes] = 1
        return encoded

    def decode(self, out: Array) -> Any:
        """Labels from the network's outputs (thresholds at 0.5, or the argmax)."""
        if self.kind == "multilabel-indicator":
            return (out > 0.5).astype(np.intp)
        if self.kind == "multiclass":
            return self.classes.take(out.argmax(axis=1))
        if len(self.classes) == 1:
            return np.repeat(self.classes, len(out))
        return self.classes.take((out[:, 0] > 0.5).astype(np.intp))


def accuracy(predicted: Any, truth: Any, weights: Array | None) -> float:
    """scikit-learn's ``accuracy_score`` (subset accuracy for multi-label)."""
    hits = predicted == truth
    if hits.ndim > 1:
        hits = hits.all(axis=1)
    return float(np.average(hits, weights=weights))


def r2(predicted: Array, truth: Array, weights: Array | None) -> float:
    """scikit-learn's ``r2_score``: ``1 - SS_res / SS_tot``, averaged over outputs.

    As scikit-learn's (``force_finite=True``): an output whose target is constant
    scores 1 when predicted exactly, else 0.
    """
    predicted = predicted.reshape(len(predicted), -1).astype(np.float64)
    truth = truth.reshape(len(truth), -1).astype(np.float64)
    w = np.ones(len(truth)) if weights is None else np.asarray(weights, np.float64)
    mean = np.average(truth, axis=0, weights=w)
    residual = w @ (truth - predicted) ** 2
    total = w @ (truth - mean) ** 2
    scores = np.ones(truth.shape[1])
    varying = total != 0
    scores[varying] = 1 - residual[varying] / total[varying]
    scores[~varying & (residual != 0)] = 0.0
    return float(scores.mean())
