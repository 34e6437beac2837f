"""The columns of a table, read as a careful analyst would, fitted on training rows only.

Each column gets one small step, chosen from its values on the training rows
(``infer``), fitted there, and saved as plain JSON:

- :class:`Numeric`: numbers (or text that is numbers apart from a few tokens such as
  ``"?"``, which are read as missing). Missing values and infinities are filled with
  the training median; ``x' = (x - mean) / std`` with the mean and the population
  standard deviation (ddof 0, as scikit-learn's StandardScaler) of the observed
  training values (std 1 when they are all equal).
- :class:`OneHot`: text, booleans and pandas categories. One column per category seen
  in training (the 50 most frequent when there are more), alphabetical; missing values
  are filled with the most frequent category. Any other value (unseen in training, or
  rarer than the 50 kept) goes to the column's bucket: its own ``<name>=<other>``
  feature when the training rows had such values, so the network learned a weight for
  it, else all zeros (a weight never trained must not decide a prediction).
- :class:`Dropped`: ID-like columns (text with a distinct value on every row, or
  whole numbers with a distinct value on every row and an ID's name such as ``id``,
  ``customer_id``, ``Unnamed: 0``), constant columns (one value, nothing missing),
  columns of unsupported types (dates) and those the user dropped.

A column with missing values in the training rows also gets a missing-indicator
feature ``<name>_missing`` (1 where the value was missing); where nothing was
missing it would be a column of zeros, so there is none.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import numpy as np

from axon.config import Array
from axon.tabular.io import TableError, pandas

MAX_CATEGORIES = 50
NUMBER_TOKENS = 3  # text reads as numbers when at most 3 distinct tokens are not
NUMBER_SHARE = 0.95  # ... and at least 95% of its values are numbers
_ID_NAME = re.compile(r"(?i)^(id|index|key|uuid|guid|unnamed: ?\d+)$|(_id|Id|ID)$")


class TableWarning(UserWarning):
    """Something done to rows at prediction time that the user should know about."""


def missing_mask(values: Any) -> Array:
    """True where pandas sees a missing value (None, NaN, NaT, pd.NA)."""
    return np.asarray(values.isna().to_numpy(), dtype=bool)


def as_text(values: Any, missing: Array) -> Any:
    """The non-missing values as strings: ``True`` -> ``"True"``, ``3`` -> ``"3"``."""
    return values[~missing].astype(str).to_numpy(dtype=object)


def text_codes(values: Any, missing: Array) -> tuple[Array, Array]:
    """Each row's value as an index into the distinct values written as text.

    Returns ``(codes, texts)``: ``codes[i]`` indexes ``texts`` (-1 where missing),
    and ``texts`` holds the distinct values as :func:`as_text` writes them. Each
    distinct value is written as text once, not each row (a million-row column of a
    few categories: 0.1 s instead of 2 s), except in object columns, where equal
    values may print differently (``1`` and ``1.0``).
    """
    pd = pandas()
    codes = np.full(len(values), -1, np.int64)
    if values.dtype == object:
        found, texts = pd.factorize(as_text(values, missing))
        codes[~missing] = found
    else:
        found, distinct = pd.factorize(values)  # -1 where missing
        codes[~missing] = np.asarray(found)[~missing]
        texts = pd.Series(distinct).astype(str)
    return codes, np.asarray(texts, dtype=object)


def _numbers(values: Any) -> Array:
    """float64 values; text that is no number and infinities become NaN."""
    pd = pandas()
    numbers = pd.to_numeric(values, errors="coerce")
    array = np.asarray(numbers, dtype=np.float64).copy()
    array[np.isinf(array)] = np.nan
    return array


class Column:
    """One column's step: fitted on training rows, then applied to any rows.

    Attributes
    ----------
    name : str
        The column's name in the table.
    type : str
        What the values looked like: ``number``, ``integer``, ``boolean``, ``text``,
        ``category``, ``numbers as text``, or the pandas dtype of an unsupported one.
    missing : float
        The share of training rows where the value was missing.
    """

    kind: ClassVar[str] = ""

    def __init__(self, name: str, type: str, missing: float) -> None:
        self.name, self.type, self.missing = name, type, missing

    @property
    def features(self) -> list[str]:
        """Names of the features this column becomes, in order."""
        return []

    def treatment(self) -> str:
        """What is done to the column, in words."""
        raise NotImplementedError

    def transform(self, values: Any, out: Array) -> dict[str, int]:
        """Write the column's features for ``values`` into ``out`` (rows, features).

        Returns counts of what the user should hear about (``unseen``, ``not a
        number``).
        """
        return {}

    def to_json(self) -> dict[str, Any]:
        """The fitted state as plain JSON (the schema in ``axon.tabular.model``)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "type": self.type,
            "missing": self.missing,
            "treatment": self.treatment(),
        }


class Numeric(Column):
    """Fill with the median, standardise; see the module docstring."""

    kind = "numeric"

    def __init__(
        self,
        name: str,
        type: str,
        missing: float,
        fill: float,
        mean: float,
        std: float,
        indicator: bool,
        tokens: list[str] | None = None,
    ) -> None:
        super().__init__(name, type, missing)
        self.fill, self.mean, self.std = fill, mean, std
        self.indicator, self.tokens = indicator, list(tokens or [])

    @classmethod
    def fit(cls, name: str, type: str, values: Any, tokens: list[str]) -> Numeric:
        """Fit on the training rows' ``values`` (a pandas Series)."""
        numbers = _numbers(values)
        observed = numbers[~np.isnan(numbers)]
        std = float(observed.std())
        return cls(
            name,
            type,
            missing=float(np.isnan(numbers).mean()),
            fill=float(np.median(observed)),
            mean=float(observed.mean()),
            std=std if std > 0 else 1.0,
            indicator=len(observed) < len(numbers),
            tokens=tokens,
        )

    @property
    def features(self) -> list[str]:
        return [self.name] + ([f"{self.name}_missing"] if self.indicator else [])

    def treatment(self) -> str:
        text = f"standardised (mean {self.mean:.4g}, std {self.std:.4g})"
        if self.tokens:
            text += "; " + ", ".join(map(repr, self.tokens)) + " read as missing"
        if self.missing > 0:
            text += f"; missing -> median {self.fill:.4g}, + {self.name}_missing"
        return text

    def transform(self, values: Any, out: Array) -> dict[str, int]:
        numbers = _numbers(values)
        gaps = np.isnan(numbers)
        not_numbers = int(gaps.sum() - missing_mask(values).sum())
        numbers[gaps] = self.fill
        numbers -= self.mean
        numbers /= self.std
        out[:, 0] = numbers
        if self.indicator:
            out[:, 1] = gaps
        return {"not a number": not_numbers}

    def to_json(self) -> dict[str, Any]:
        return {
            **super().to_json(),
            "fill": self.fill,
            "indicator": self.indicator,
            "mean": self.mean,
            "std": self.std,
            "missing_tokens": self.tokens,
        }


class OneHot(Column):
    """One-hot over the training categories, with a bucket; see the module docstring."""

    kind = "onehot"

    def __init__(
        self,
        name: str,
        type: str,
        missing: float,
        fill: str,
        categories: list[str],
        other_column: bool,
        indicator: bool,
        distinct: int,
    ) -> None:
        super().__init__(name, type, missing)
        self.fill, self.categories = fill, list(categories)
        self.other_column, self.indicator = other_column, indicator
        self.distinct = distinct

    @classmethod
    def fit(cls, name: str, type: str, values: Any) -> OneHot:
        """Fit on the training rows' ``values`` (a pandas Series)."""
        missing = missing_mask(values)
        codes, texts = text_codes(values, missing)
        per_text = pandas().Series(np.bincount(codes[~missing], minlength=len(texts)))
        counts = per_text.groupby(texts).sum()  # two values may print alike
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        kept = sorted(str(v) for v, _ in ranked[:MAX_CATEGORIES])
        return cls(
            name,
            type,
            missing=float(missing.mean()),
            fill=str(ranked[0][0]),
            categories=kept,
            other_column=len(ranked) > MAX_CATEGORIES,
            indicator=bool(missing.any()),
            distinct=len(ranked),
        )

    @property
    def features(self) -> list[str]:
        names = [f"{self.name}={category}" for category in self.categories]
        if self.other_column:
            names.append(f"{self.name}=<other>")
        return names + ([f"{self.name}_missing"] if self.indicator else [])

    def treatment(self) -> str:
        if self.other_column:
            text = (
                f"one-hot, the {len(self.categories)} most frequent of "
                f"{self.distinct} categories; the rest and unseen -> {self.name}=<other>"
            )
        else:
            text = f"one-hot, {len(self.categories)} categories; unseen -> bucket (all zeros)"
        if self.missing > 0:
            text += f"; missing -> {self.fill!r}, + {self.name}_missing"
        return text

    def transform(self, values: Any, out: Array) -> dict[str, int]:
        missing = missing_mask(values)
        found, texts = text_codes(values, missing)
        # Per distinct text its category (-1 where unseen), then the fill, which the
        # missing rows (found == -1) pick up as the last entry.
        lookup = np.append(
            pandas().Index(self.categories).get_indexer(texts),
            self.categories.index(self.fill),
        )
        codes = lookup[found]
        unseen = codes < 0
        codes[unseen] = len(self.categories)  # the bucket's column, if it has one
        rows = np.flatnonzero(codes < len(self.categories) + self.other_column)
        out[rows, codes[rows]] = 1.0
        if self.indicator:
            out[:, -1] = missing
        return {"unseen": int(unseen.sum())}

    def to_json(self) -> dict[str, Any]:
        return {
            **super().to_json(),
            "fill": self.fill,
            "indicator": self.indicator,
            "categories": self.categories,
            "other_column": self.other_column,
            "distinct": self.distinct,
        }


class Dropped(Column):
    """A column the network never sees; ``reason`` says why."""

    kind = "dropped"
    REASONS: ClassVar[dict[str, str]] = {
        "id": "dropped: a distinct value on every row (ID-like)",
        "constant": "dropped: the same value on every row",
        "requested": "dropped: asked for (--drop)",
        "unsupported": "dropped: this type is not used yet",
    }

    def __init__(self, name: str, type: str, missing: float, reason: str) -> None:
        super().__init__(name, type, missing)
        self.reason = reason

    def treatment(self) -> str:
        return self.REASONS[self.reason]

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "reason": self.reason}


def _number_tokens(values: Any, missing: Array) -> list[str] | None:
    """The tokens of text that is numbers apart from them, or None if it is not.

    Parses each distinct value once (a category column has few), never each row.
    """
    pd = pandas()
    codes, texts = text_codes(values, missing)
    if len(texts) == 0:
        return None
    counts = np.bincount(codes[~missing], minlength=len(texts))
    numbers = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce")
    failed = np.asarray(numbers.isna().to_numpy(), dtype=bool)
    share = counts[failed].sum() / counts.sum()
    if share > 1 - NUMBER_SHARE or failed.sum() > NUMBER_TOKENS:
        return None
    return sorted({str(token) for token in texts[failed]})


def infer(name: str, values: Any, source: str = "the table") -> Column:
    """Choose and fit the step for one column from its training ``values``."""
    pd = pandas()
    api = pd.api.types
    missing = missing_mask(values)
    share = float(missing.mean())
    if missing.all():
        raise TableError(
            f"{source}: column {name!r} is empty in every training row; drop it "
            f"(--drop {name}) or fill it"
        )
    present = values[~missing]
    # Counting the distinct values hashes every row (0.2 s for a million floats):
    # done only where it decides something, an ID-like column.
    if share == 0 and bool((present == present.iloc[0]).all()):
        return Dropped(name, _type_name(values), share, "constant")
    if api.is_bool_dtype(values.dtype) or (
        api.infer_dtype(present, skipna=True) == "boolean"
    ):
        return OneHot.fit(name, "boolean", values)
    if api.is_numeric_dtype(values.dtype) and not api.is_complex_dtype(values.dtype):
        if (
            _ID_NAME.search(name)
            and (
                api.is_integer_dtype(values.dtype)
                or bool(np.all(np.mod(_numbers(present), 1) == 0))
            )
            and present.nunique() == len(values)
        ):
            return Dropped(name, _type_name(values), share, "id")
        return Numeric.fit(name, _type_name(values), values, [])
    categorical = isinstance(values.dtype, pd.CategoricalDtype)
    if (
        api.is_string_dtype(values.dtype)
        or api.is_object_dtype(values.dtype)
        or categorical
    ):
        tokens = _number_tokens(values, missing)
        if tokens is not None and not categorical:
            return Numeric.fit(name, "numbers as text", values, tokens)
        if present.nunique() == len(values):
            return Dropped(name, _type_name(values), share, "id")
        return OneHot.fit(name, _type_name(values), values)
    return Dropped(name, _type_name(values), share, "unsupported")


def _type_name(values: Any) -> str:
    api = pandas().api.types
    dtype = values.dtype
    if api.is_bool_dtype(dtype):
        return "boolean"
    if api.is_integer_dtype(dtype):
        return "integer"
    if api.is_float_dtype(dtype):
        return "number"
    if str(dtype) == "category":
        return "category"
    if api.is_string_dtype(dtype) or api.is_object_dtype(dtype):
        return "text"
    return str(dtype)


def from_json(state: dict[str, Any]) -> Column:
    """Rebuild a fitted step from its JSON state."""
    common = (state["name"], state["type"], float(state["missing"]))
    kind = state["kind"]
    if kind == "numeric":
        return Numeric(
            *common,
            fill=float(state["fill"]),
            mean=float(state["mean"]),
            std=float(state["std"]),
            indicator=bool(state["indicator"]),
            tokens=list(state["missing_tokens"]),
        )
    if kind == "onehot":
        return OneHot(
            *common,
            fill=str(state["fill"]),
            categories=[str(c) for c in state["categories"]],
            other_column=bool(state["other_column"]),
            indicator=bool(state["indicator"]),
            distinct=int(state["distinct"]),
        )
    if kind == "dropped":
        return Dropped(*common, reason=str(state["reason"]))
    raise ValueError(
        "Expected a column kind 'numeric', 'onehot' or 'dropped'. "
        f"Received: kind={kind!r}"
    )
