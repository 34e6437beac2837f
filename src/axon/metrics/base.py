"""The metric contract (``update_state`` / ``result`` / ``reset_state``) and reducers.

A metric is a small object with state. ``fit`` resets it at the start of each epoch
(and ``evaluate`` at its start), calls ``update_state(y_true, y_pred)`` once per batch,
and logs ``result()``: the value over every sample seen since the reset, which is what
Keras reports. Metrics that are averages of per-sample values keep a running weighted
sum and count; metrics that need the whole epoch (AUC) keep counts per threshold, never
the predictions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from axon import config
from axon.config import Array


def snake_case(name: str) -> str:
    """``"TopKCategoricalAccuracy"`` -> ``"top_k_categorical_accuracy"``.

    Examples
    --------
    >>> snake_case("AUC"), snake_case("RootMeanSquaredError")
    ('auc', 'root_mean_squared_error')
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class Variable(np.ndarray):
    """A metric's state: a NumPy array with Keras's ``assign`` methods.

    ``Metric.add_variable`` returns one, so a Keras custom metric's
    ``self.total.assign_add(x)`` runs unchanged; plain NumPy (``self.total += x``)
    works too.
    """

    def assign(self, value: Any) -> Variable:
        """Overwrite the state in place with ``value``."""
        self[...] = value
        return self

    def assign_add(self, value: Any) -> Variable:
        """Add ``value`` to the state in place."""
        np.add(self, value, out=self, casting="unsafe")
        return self

    def assign_sub(self, value: Any) -> Variable:
        """Subtract ``value`` from the state in place."""
        np.subtract(self, value, out=self, casting="unsafe")
        return self

    def numpy(self) -> Array:
        """A plain NumPy copy of the state."""
        return np.array(self)


class Metric:
    """Base class of every metric: subclass it for a custom metric, as in Keras.

    A subclass creates its state in ``__init__`` with :meth:`add_variable`, adds a
    batch to it in ``update_state(y_true, y_pred, sample_weight=None)`` and computes
    the value in ``result()``. The default ``reset_state`` sets every variable back to
    zero. ``metric(y_true, y_pred)`` updates the state and returns ``result()``.

    Parameters
    ----------
    name : str, optional
        The key in the history and the logs; the class name in snake case by default.
        Unlike Keras, axon does not number default names (``auc_1``) per session, so
        ``history.history["auc"]`` holds whatever ran before; two metrics with one name
        in one ``compile`` are logged as ``name`` and ``name_1``, as in Keras.
    dtype : str, optional
        The dtype of the variables and of the computation (``config.floatx()``).

    Examples
    --------
    >>> class CountPositives(Metric):
    ...     def __init__(self, name="positives"):
    ...         super().__init__(name=name)
    ...         self.positives = self.add_variable(shape=(), name="positives")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.positives.assign_add(np.count_nonzero(np.asarray(y_pred) > 0.5))
    ...     def result(self):
    ...         return float(self.positives)
    >>> metric = CountPositives()
    >>> metric([1, 0, 1], [0.9, 0.8, 0.1]), metric([1], [0.7])
    (2.0, 3.0)
    >>> metric.reset_state(); metric.result()
    0.0
    """

    def __init__(self, name: str | None = None, dtype: str | None = None) -> None:
        if name is not None and not (isinstance(name, str) and name):
            raise ValueError(f"Expected a non-empty string. Received: name={name!r}")
        self.name = name or snake_case(type(self).__name__)
        self.dtype = np.dtype(dtype or config.floatx()).name
        self._variables: list[Variable] = []

    def add_variable(
        self,
        shape: tuple[int, ...] | list[int] | int = (),
        initializer: str | float | Callable[..., Any] = "zeros",
        dtype: str | None = None,
        name: str | None = None,
    ) -> Variable:
        """Create a state array that ``reset_state`` zeroes (Keras's ``add_variable``).

        ``initializer`` is ``"zeros"``, ``"ones"``, a number, or a callable
        ``(shape, dtype) -> array``.
        """
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before "
                "add_variable()"
            )
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        dtype = dtype or self.dtype
        if callable(initializer):
            value = np.asarray(initializer(shape, dtype), dtype=dtype)
        elif initializer in ("zeros", "ones"):
            value = np.full(shape, float(initializer == "ones"), dtype=dtype)
        elif isinstance(initializer, (int, float)):
            value = np.full(shape, initializer, dtype=dtype)
        else:
            raise ValueError(
                "Expected initializer='zeros', 'ones', a number or a callable. "
                f"Received: initializer={initializer!r}"
            )
        variable = np.array(value, dtype=dtype).reshape(shape).view(Variable)
        self._variables.append(variable)
        return variable

    add_weight = add_variable

    @property
    def variables(self) -> list[Variable]:
        """The state arrays made by :meth:`add_variable`."""
        return list(self._variables)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add one batch to the state."""
        raise NotImplementedError(f"{type(self).__name__} must define update_state")

    def result(self) -> Any:
        """The metric's value over every batch since the last reset."""
        raise NotImplementedError(f"{type(self).__name__} must define result")

    def reset_state(self) -> None:
        """Forget every batch: zero the variables."""
        for variable in self._variables:
            variable[...] = 0

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        self.update_state(y_true, y_pred, sample_weight=sample_weight)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments, so ``from_config(get_config())`` rebuilds it."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        """Build a metric from :meth:`get_config`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def same_rank(y_true: Array, y_pred: Array) -> tuple[Array, Array]:
    """Give targets and predictions one rank, as Keras does: ``(n,)`` and ``(n, 1)``."""
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_true = y_true.reshape(*y_true.shape, 1)
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "Expected y_true and y_pred of the same shape. Received: y_true of shape "
            f"{y_true.shape}, y_pred of shape {y_pred.shape}"
        )
    return y_true, y_pred


def sample_weights(sample_weight: Any, n: int) -> Array:
    """One float64 weight per sample, from ``(n,)``, ``(n, 1)`` or a scalar."""
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim == 0:
        return np.full(n, weights)
    if weights.ndim == 2 and weights.shape[1] == 1:
        weights = weights[:, 0]
    if weights.shape != (n,):
        raise ValueError(
            f"Expected sample_weight of shape ({n},), one weight per sample. "
            f"Received: shape {weights.shape}"
        )
    return weights


class Mean(Metric):
    """The weighted mean of the values given: ``sum(w * v) / sum(w)``.

    A value with several entries per sample counts by its mean over them; a weight of
    zero leaves a sample out. The running sums are float64, so counts stay exact past
    2**24 samples (Keras keeps float32 sums).

    Examples
    --------
    >>> m = Mean()
    >>> m.update_state([1, 3, 5, 7]); m.result()
    4.0
    >>> m.reset_state(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> m.result()
    2.0
    """

    def __init__(self, name: str | None = None, dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = 0.0
        self.count = 0.0

    def update_state(  # type: ignore[override]
        self, values: Any, sample_weight: Any = None
    ) -> None:
        values = np.asarray(values, dtype=self.dtype)
        if values.ndim == 0:
            values = values.reshape(1)
        self.add(values, sample_weight)

    def add(self, values: Array, sample_weight: Any) -> None:
        """Add per-sample ``values`` (averaged over any further axes) to the sums."""
        n = len(values)
        if sample_weight is None:
            # sum of the per-sample means without computing them (the hot path)
            self.total += (
                float(np.add.reduce(values.reshape(-1), dtype=np.float64))
                * n
                / max(values.size, 1)
            )
            self.count += n
            return
        weights = sample_weights(sample_weight, n)
        per_sample = values.reshape(n, -1).mean(axis=1, dtype=np.float64)
        self.total += float(per_sample @ weights)
        self.count += float(weights.sum())

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0


class Sum(Metric):
    """The weighted sum of the values given: ``sum(w * v)``.

    Examples
    --------
    >>> s = Sum()
    >>> s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); s.result()
    4.0
    """

    def __init__(self, name: str | None = None, dtype: str | None = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = 0.0

    def update_state(  # type: ignore[override]
        self, values: Any, sample_weight: Any = None
    ) -> None:
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 0:
            values = values.reshape(1)
        if sample_weight is None:
            self.total += float(values.sum())
            return
        weights = sample_weights(sample_weight, len(values))
        self.total += float(values.reshape(len(values), -1).sum(axis=1) @ weights)

    def result(self) -> float:
        return self.total

    def reset_state(self) -> None:
        self.total = 0.0


class MeanMetricWrapper(Mean):
    """The mean over samples of a function ``fn(y_true, y_pred, **kwargs)``.

    ``fn`` returns one value per sample (or per entry, averaged per sample); this is
    how a plain function passed to ``compile(metrics=[fn])`` becomes a metric.

    Examples
    --------
    >>> def within_one(y_true, y_pred):
    ...     return np.abs(np.asarray(y_true) - np.asarray(y_pred)) <= 1
    >>> m = MeanMetricWrapper(within_one)
    >>> m([1.0, 2.0, 3.0, 4.0], [1.5, 4.0, 3.0, 0.0])
    0.5
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        name: str | None = None,
        dtype: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self.fn = fn
        self.fn_kwargs = kwargs

    def update_state(  # type: ignore[override]
        self, y_true: Any, y_pred: Any, sample_weight: Any = None
    ) -> None:
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        values = np.asarray(self.fn(y_true, y_pred, **self.fn_kwargs))
        if values.ndim == 0:
            values = values.reshape(1)
        self.add(values.astype(self.dtype, copy=False), sample_weight)

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            "A MeanMetricWrapper holds a function, which axon does not serialize"
        )


def scalar_result(metric: Metric) -> float:
    """``metric.result()`` as one float for the logs, or a ValueError saying why not."""
    value = np.asarray(metric.result(), dtype=np.float64)
    if value.size != 1:
        raise ValueError(
            f"The metric {metric.name!r} returns {value.size} values (shape "
            f"{value.shape}); the logs hold one number per metric. Use one threshold, "
            "or average='macro' for F1Score."
        )
    return float(value.reshape(()))
