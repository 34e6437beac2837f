"""Each column's step: what it is taken for, what it learns from training rows only."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from axon.tabular import columns
from axon.tabular.columns import Dropped, Numeric, OneHot, TableWarning, infer
from axon.tabular.io import TableError
from axon.tabular.preprocessing import Preprocessing

N = 40
rng = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("values", "step", "type_name"),
    [
        (pd.Series(rng.normal(size=N)), Numeric, "number"),
        (pd.Series(rng.integers(0, 5, N)), Numeric, "integer"),
        (pd.Series(rng.choice(["a", "b", "c"], N)), OneHot, "text"),
        (pd.Series(rng.choice(["a", "b"], N), dtype="category"), OneHot, "category"),
        (pd.Series(rng.random(N) < 0.5), OneHot, "boolean"),
        (pd.Series([True, False, None] * 10, dtype=object), OneHot, "boolean"),
        (pd.Series(["1.5", "2", "?"] + ["3.25"] * 37), Numeric, "numbers as text"),
        (pd.Series([f"row{i}" for i in range(N)]), Dropped, "text"),
        (pd.Series(["same"] * N), Dropped, "text"),
        (pd.Series([7.0] * N), Dropped, "number"),
        (pd.Series(pd.date_range("2026-01-01", periods=N)), Dropped, "datetime64[us]"),
    ],
)
def test_each_kind_of_column_gets_its_step(
    values: pd.Series, step: type, type_name: str
) -> None:
    fitted = infer("x", values)
    assert type(fitted) is step
    assert fitted.type == type_name


def test_id_like_and_constant_columns_say_why_they_are_dropped() -> None:
    ids = infer("customer", pd.Series([f"C{i}" for i in range(N)]))
    assert ids.treatment() == "dropped: a distinct value on every row (ID-like)"
    assert infer("site", pd.Series(["A"] * N)).treatment() == (
        "dropped: the same value on every row"
    )
    # Whole numbers, one per row: an ID only when its name says so.
    assert isinstance(infer("customer_id", pd.Series(range(N))), Dropped)
    assert isinstance(infer("Unnamed: 0", pd.Series(range(N))), Dropped)
    assert isinstance(infer("income", pd.Series(range(N))), Numeric)
    # One value with gaps still tells something (the gaps): kept.
    assert isinstance(infer("flag", pd.Series(["y"] * 30 + [None] * 10)), OneHot)


def test_an_all_empty_column_is_refused_by_name() -> None:
    with pytest.raises(TableError) as error:
        infer("notes", pd.Series([None] * N, dtype=object), "t.csv")
    assert str(error.value) == (
        "t.csv: column 'notes' is empty in every training row; drop it "
        "(--drop notes) or fill it"
    )


def test_numeric_fill_and_scaling_come_from_the_training_rows_only() -> None:
    train = pd.DataFrame({"age": [20.0, 30.0, np.nan, 50.0, 60.0]})
    later = pd.DataFrame({"age": [1000.0, np.nan, 40.0]})  # never fitted on
    prep = Preprocessing.fit(train)
    step = prep.steps[0]
    assert isinstance(step, Numeric)
    observed = np.array([20.0, 30.0, 50.0, 60.0])
    assert step.fill == 40.0  # the training median, not the later rows'
    assert step.mean == observed.mean() and step.std == observed.std()
    assert step.missing == pytest.approx(0.2) and step.indicator
    x = prep.transform(later)
    assert x.dtype == np.float32 and prep.features == ["age", "age_missing"]
    expected = (np.array([1000.0, 40.0, 40.0]) - observed.mean()) / observed.std()
    np.testing.assert_allclose(x[:, 0], expected, rtol=1e-6)
    np.testing.assert_array_equal(x[:, 1], [0, 1, 0])
    # no gaps in training: no indicator (it would be a column of zeros)
    assert Preprocessing.fit(later.fillna(0)).features == ["age"]


def test_infinities_and_text_in_a_number_column_are_missing_and_counted() -> None:
    prep = Preprocessing.fit(pd.DataFrame({"x": [1.0, 2.0, 3.0, np.inf]}))
    assert prep.steps[0].missing == 0.25 and prep.features == ["x", "x_missing"]
    with pytest.warns(TableWarning, match=r"2 value\(s\) are not numbers, read as "):
        x = prep.transform(pd.DataFrame({"x": ["abc", "2", None, "n/a"]}))
    np.testing.assert_array_equal(x[:, 1], [1, 0, 1, 1])


def test_number_tokens_such_as_question_marks_are_read_as_missing() -> None:
    step = infer("x", pd.Series(["1.5", "2", "?"] + ["3"] * 37))
    assert isinstance(step, Numeric) and step.tokens == ["?"]
    assert "'?' read as missing" in step.treatment()
    assert step.fill == 3.0 and step.indicator


def test_categories_one_hot_with_fill_indicator_and_an_unseen_bucket() -> None:
    train = pd.DataFrame({"city": ["Paris", "Oslo", None, "Paris", "Rome"]})
    prep = Preprocessing.fit(train)
    step = prep.steps[0]
    assert isinstance(step, OneHot)
    assert step.categories == ["Oslo", "Paris", "Rome"] and step.fill == "Paris"
    assert prep.features == ["city=Oslo", "city=Paris", "city=Rome", "city_missing"]
    rows = pd.DataFrame({"city": ["Rome", None, "Lima", "Lima", "Oslo"]})
    with pytest.warns(TableWarning) as caught:
        x = prep.transform(rows, "new.csv")
    assert [str(w.message) for w in caught] == [
        "new.csv: 2 value(s) never seen in training, went to their column's bucket "
        "(city 2)"
    ]
    np.testing.assert_array_equal(
        x,
        [[0, 0, 1, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]],
    )
    assert "unseen -> bucket (all zeros)" in step.treatment()


def test_more_categories_than_kept_get_a_trained_other_column() -> None:
    values = [f"c{i:03d}" for i in range(60)] * 2 + ["c000"] * 5
    step = infer("code", pd.Series(values))
    assert isinstance(step, OneHot)
    assert len(step.categories) == columns.MAX_CATEGORIES and step.other_column
    assert "c000" in step.categories and step.features[-1] == "code=<other>"
    out = np.zeros((2, len(step.features)), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        counts = step.transform(pd.Series(["c059", "never"]), out)
    assert counts == {"unseen": 2} and out[:, -1].tolist() == [1.0, 1.0]
    assert "the 50 most frequent of 60 categories" in step.treatment()


def test_booleans_read_back_from_text_match_the_trained_categories() -> None:
    prep = Preprocessing.fit(pd.DataFrame({"member": [True, False, True, True]}))
    assert prep.features == ["member=False", "member=True"]
    x = prep.transform(pd.DataFrame({"member": [False, True]}))
    np.testing.assert_array_equal(x, [[1, 0], [0, 1]])


def test_columns_in_any_order_extra_ignored_once_missing_refused() -> None:
    train = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "b": ["x", "y", "x"], "id": ["p", "q", "r"]}
    )
    prep = Preprocessing.fit(train, source="train.csv")
    shuffled = pd.DataFrame(
        {"note": [0, 0, 0], "b": ["x", "y", "x"], "a": [3.0, 2.0, 1.0]}
    )
    with pytest.warns(TableWarning) as caught:
        x = prep.transform(shuffled, "new.csv")
    assert [str(w.message) for w in caught] == [
        "new.csv: ignored 1 column(s) the model was not trained on: note"
    ]
    np.testing.assert_array_equal(x[::-1], prep.transform(train[["a", "b"]]))
    with warnings.catch_warnings():  # the target is expected there: no word
        warnings.simplefilter("error")
        prep.transform(train.assign(y=1), expected=["y"])
    with pytest.raises(TableError) as error:
        prep.transform(pd.DataFrame({"b": ["x"], "A": [1.0]}), "new.csv")
    assert str(error.value) == (
        "new.csv lacks 1 column(s) the model needs: 'a' (did you mean 'A'?)"
    )


def test_drop_asks_for_existing_columns_and_says_so() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "notes": ["x", "y", "x"]})
    prep = Preprocessing.fit(frame, drop=["notes"])
    assert prep.features == ["a"]
    assert prep.rows()[1] == ["notes", "text", "0.0%", "dropped: asked for (--drop)"]
    with pytest.raises(TableError, match=r"no column 'note' to drop \(did you mean "):
        Preprocessing.fit(frame, drop=["note"])
    with pytest.raises(TableError, match="no column is left to learn from"):
        Preprocessing.fit(frame, drop=["a", "notes"])


def test_the_fitted_state_is_plain_json_and_round_trips() -> None:
    frame = pd.DataFrame(
        {
            "n": [1.0, np.nan, 3.0, 4.0],
            "t": ["a", "b", None, "a"],
            "f": [True, False, True, False],
            "k": ["same"] * 4,
        }
    )
    prep = Preprocessing.fit(frame)
    state = json.loads(json.dumps(prep.to_json(), allow_nan=False))
    again = Preprocessing.from_json(state)
    assert again.features == prep.features
    assert [s.to_json() for s in again.steps] == state["columns"]
    np.testing.assert_array_equal(again.transform(frame), prep.transform(frame))
    numeric = state["columns"][0]
    assert set(numeric) == {
        "name",
        "kind",
        "type",
        "missing",
        "treatment",
        "fill",
        "indicator",
        "mean",
        "std",
        "missing_tokens",
    }
    assert state["columns"][3]["kind"] == "dropped"
    assert state["columns"][3]["reason"] == "constant"
    state["features"] = state["features"][:-1]
    with pytest.raises(ValueError, match="features to follow from the saved columns"):
        Preprocessing.from_json(state)
    with pytest.raises(ValueError, match="Received: kind='weird'"):
        columns.from_json({**numeric, "kind": "weird"})
