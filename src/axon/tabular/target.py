"""The target column: which task it asks for, and how the network sees it.

- Classification when the target holds text, booleans, categories, or at most 20
  distinct whole numbers. Two classes: one sigmoid unit, binary cross-entropy, the
  unit's output is the probability of the second class (classes sorted). More: one
  softmax unit per class, categorical cross-entropy.
- Regression when it holds numbers with more distinct values. The network learns
  ``(y - mean) / std`` (the training rows' mean and population std), a linear unit
  and the mean squared error; predictions come back as ``output * std + mean``, in
  the target's own units.

Rows whose target is missing cannot teach anything: they are dropped and counted.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.tabular.columns import TableWarning, missing_mask
from axon.tabular.io import TableError, pandas

MAX_AUTO_CLASSES = 20
TASKS = ("auto", "classification", "regression")


def _label(value: Any) -> Any:
    """A class label as plain JSON: ``np.int64(3)`` -> 3, ``3.0`` -> 3, ``True``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else float(value)
    return str(value)


def _keys(values: Any) -> Array:
    """Labels as comparable text: ``3``, ``3.0`` and ``"3"`` are all ``"3"``."""
    pd = pandas()
    api = pd.api.types
    if api.is_numeric_dtype(values.dtype) and not api.is_bool_dtype(values.dtype):
        numbers = np.asarray(values, dtype=np.float64)
        whole = np.mod(numbers, 1) == 0
        text = np.where(
            whole, numbers.astype(np.int64).astype(str), numbers.astype(str)
        )
        return np.asarray(text, dtype=object)
    return np.asarray(values.astype(str).to_numpy(dtype=object))


class Target:
    """The fitted target: its task and either its classes or its mean and std.

    Examples
    --------
    >>> import pandas as pd
    >>> target = Target.fit("churn", pd.Series(["no", "yes", "no"]))
    >>> target.task, target.classes, target.loss
    ('classification', ['no', 'yes'], 'binary_crossentropy')
    >>> target.encode(pd.Series(["yes", "no"])).ravel().tolist()
    [1.0, 0.0]
    """

    def __init__(
        self,
        name: str,
        task: str,
        classes: list[Any] | None = None,
        mean: float = 0.0,
        std: float = 1.0,
    ) -> None:
        self.name, self.task = name, task
        self.classes = list(classes or [])
        self.mean, self.std = mean, std

    @classmethod
    def fit(
        cls, name: str, values: Any, task: str = "auto", source: str = "the table"
    ) -> Target:
        """Infer the task from the training rows' target ``values`` (none missing)."""
        pd = pandas()
        api = pd.api.types
        if task not in TASKS:
            raise ValueError(
                f"Expected task to be one of {', '.join(TASKS)}. Received: task={task!r}"
            )
        dtype = values.dtype
        numeric = api.is_numeric_dtype(dtype) and not api.is_bool_dtype(dtype)
        distinct = values.unique()
        if len(distinct) < 2:
            raise TableError(
                f"{source}: the target {name!r} has one value ({_label(distinct[0])!r})"
                " on every row; there is nothing to learn"
            )
        if task == "auto":
            whole = numeric and bool(
                np.all(np.mod(np.asarray(distinct, float), 1) == 0)
            )
            few = len(distinct) <= MAX_AUTO_CLASSES
            task = "regression" if numeric and not (whole and few) else "classification"
        if task == "regression":
            if not numeric:
                shown = ", ".join(repr(_label(v)) for v in distinct[:3])
                raise TableError(
                    f"{source}: the target {name!r} holds {dtype} values ({shown}, ...); "
                    "regression needs numbers (or use --task classification)"
                )
            numbers = np.asarray(values, dtype=np.float64)
            return cls(name, task, mean=float(numbers.mean()), std=float(numbers.std()))
        keys = _keys(pd.Series(distinct))
        order = np.argsort(keys, kind="stable")
        if numeric or api.is_bool_dtype(dtype):  # numbers sort as numbers
            order = np.argsort(np.asarray(distinct, dtype=np.float64), kind="stable")
        return cls(name, task, classes=[_label(distinct[i]) for i in order])

    def describe(self) -> str:
        """``binary classification of 'churn' (no, yes): one sigmoid unit, ...``."""
        if self.task == "regression":
            return (
                f"regression of {self.name!r}: a linear unit and the mean squared "
                f"error on (y - {self.mean:.4g}) / {self.std:.4g}; predictions in its "
                "units"
            )
        shown = ", ".join(str(c) for c in self.classes[:10])
        shown += f" and {len(self.classes) - 10} more" if len(self.classes) > 10 else ""
        if self.units == 1:
            return (
                f"binary classification of {self.name!r} ({shown}): one sigmoid unit, "
                f"binary cross-entropy, the probability of {self.classes[1]!r}"
            )
        return (
            f"classification of {self.name!r} into {len(self.classes)} classes "
            f"({shown}): softmax, categorical cross-entropy"
        )

    @property
    def units(self) -> int:
        """Output units: one for regression and for two classes."""
        return 1 if len(self.classes) <= 2 else len(self.classes)

    @property
    def activation(self) -> str:
        if self.task == "regression":
            return "linear"
        return "sigmoid" if self.units == 1 else "softmax"

    @property
    def loss(self) -> str:
        if self.task == "regression":
            return "mse"
        return "binary_crossentropy" if self.units == 1 else "categorical_crossentropy"

    def codes(self, values: Any, source: str = "the table") -> Array:
        """Class indices (int64) of the labels in ``values``; unknown labels refused."""
        index = pandas().Index(_keys(pandas().Series(self.classes)))
        codes = index.get_indexer(_keys(values))
        if (codes < 0).any():
            unknown = sorted({str(v) for v in np.asarray(values)[codes < 0]})
            raise TableError(
                f"{source}: the target {self.name!r} holds {len(unknown)} label(s) the "
                f"model has never seen ({', '.join(unknown[:5])}); it knows "
                f"{', '.join(map(str, self.classes))}"
            )
        return np.asarray(codes, dtype=np.int64)

    def encode(self, values: Any, source: str = "the table") -> Array:
        """What the network is trained on, (rows, units) in the float type."""
        dtype = config.floatx()
        if self.task == "regression":
            numbers = np.asarray(values, dtype=np.float64)
            return ((numbers - self.mean) / self.std).astype(dtype).reshape(-1, 1)
        codes = self.codes(values, source)
        if self.units == 1:
            return codes.astype(dtype).reshape(-1, 1)
        return np.eye(self.units, dtype=dtype)[codes]

    def decode(self, output: Array) -> tuple[Array, Array | None]:
        """Network output -> (predictions in the target's terms, probabilities).

        Probabilities are (rows, classes) for classification, None for regression.
        """
        if self.task == "regression":
            return output[:, 0].astype(np.float64) * self.std + self.mean, None
        if self.units == 1:
            p = output[:, 0].astype(np.float64)
            probabilities = np.stack([1.0 - p, p], axis=1)
        else:
            probabilities = output.astype(np.float64)
        labels = np.asarray(self.classes, dtype=object)
        return labels[probabilities.argmax(axis=1)], probabilities

    def balanced_weights(self, codes: Array) -> dict[int, float]:
        """scikit-learn's ``balanced`` class weights, ``n / (classes * count)``."""
        counts = np.bincount(codes, minlength=len(self.classes))
        return {
            k: float(len(codes) / (len(self.classes) * c))
            for k, c in enumerate(counts)
            if c
        }

    def to_json(self) -> dict[str, Any]:
        """``{"name", "task", "classes"}`` or ``{"name", "task", "mean", "std"}``."""
        state: dict[str, Any] = {"name": self.name, "task": self.task}
        if self.task == "regression":
            state.update(mean=self.mean, std=self.std, output="linear")
        else:
            state.update(classes=self.classes, output=self.activation)
        return state

    @classmethod
    def from_json(cls, state: dict[str, Any]) -> Target:
        """Rebuild from :meth:`to_json`'s output."""
        if state["task"] == "regression":
            return cls(
                state["name"],
                "regression",
                mean=float(state["mean"]),
                std=float(state["std"]),
            )
        return cls(state["name"], "classification", classes=list(state["classes"]))


def drop_missing(frame: Any, name: str, source: str = "the table") -> Any:
    """The rows whose target ``name`` is present; a TableWarning counts the others."""
    missing = missing_mask(frame[name])
    dropped = int(missing.sum())
    if dropped == len(frame):
        raise TableError(f"{source}: the target {name!r} is missing on every row")
    if dropped:
        warnings.warn(
            f"{source}: dropped {dropped} row(s) whose target {name!r} is missing",
            TableWarning,
            stacklevel=3,
        )
    return frame[~missing] if dropped else frame


def split(
    n: int, codes: Array | None, fraction: float, rng: np.random.Generator
) -> tuple[Array, Array]:
    """Row indices (kept, held out), stratified by ``codes`` when given.

    Each class gives ``round(fraction * count)`` rows to the held-out part, but
    keeps at least one: a class too small to split stays in the kept part.
    """
    order = rng.permutation(n)
    if codes is None:
        held = round(fraction * n)
        return np.sort(order[held:]), np.sort(order[:held])
    by_class = order[np.argsort(codes[order], kind="stable")]  # shuffled in class
    counts = np.bincount(codes)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    take = np.minimum(np.round(fraction * counts).astype(np.int64), counts - 1)
    take = np.maximum(take, 0)
    rank = np.arange(n) - np.repeat(starts, counts)  # position within its class
    held_mask = rank < np.repeat(take, counts)
    return np.sort(by_class[~held_mask]), np.sort(by_class[held_mask])
