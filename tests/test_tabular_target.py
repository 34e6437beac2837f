"""The target: the task it asks for, its coding, the stratified split."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from axon.tabular.columns import TableWarning
from axon.tabular.io import TableError
from axon.tabular.target import Target, drop_missing, split

rng = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("values", "task", "classes"),
    [
        (pd.Series(["yes", "no", "no"]), "classification", ["no", "yes"]),
        (pd.Series([True, False, True]), "classification", [False, True]),
        (pd.Series([3, 1, 2, 10] * 5), "classification", [1, 2, 3, 10]),
        # whole numbers read as floats (pandas does so when a value is missing)
        (pd.Series([1.0, 0.0, 1.0]), "classification", [0, 1]),
        (pd.Series(pd.Categorical(["b", "a", "b"])), "classification", ["a", "b"]),
        (pd.Series(rng.normal(size=30)), "regression", []),
        (pd.Series(np.arange(25)), "regression", []),  # 25 distinct whole numbers
    ],
)
def test_the_task_is_inferred_from_the_target(
    values: pd.Series, task: str, classes: list[object]
) -> None:
    target = Target.fit("y", values)
    assert target.task == task and target.classes == classes
    assert all(type(a) is type(b) for a, b in zip(target.classes, classes, strict=True))
    json.dumps(target.to_json())  # plain JSON, numpy types converted


def test_binary_is_one_sigmoid_unit_more_classes_softmax_regression_linear() -> None:
    binary = Target.fit("y", pd.Series(["no", "yes"]))
    three = Target.fit("y", pd.Series(["a", "b", "c"]))
    value = Target.fit("y", pd.Series([0.5, 1.5, 2.25]))
    assert (binary.units, binary.activation, binary.loss) == (
        1,
        "sigmoid",
        "binary_crossentropy",
    )
    assert (three.units, three.activation, three.loss) == (
        3,
        "softmax",
        "categorical_crossentropy",
    )
    assert (value.units, value.activation, value.loss) == (1, "linear", "mse")


def test_the_task_can_be_forced_and_is_checked() -> None:
    counts = pd.Series([1, 2, 3, 4] * 3)
    assert Target.fit("n", counts, task="regression").task == "regression"
    floats = pd.Series(rng.normal(size=10))
    assert len(Target.fit("n", floats, task="classification").classes) == 10
    with pytest.raises(TableError) as error:
        Target.fit("label", pd.Series(["a", "b"]), task="regression", source="t.csv")
    assert str(error.value).startswith("t.csv: the target 'label' holds str values")
    assert "regression needs numbers (or use --task classification)" in str(error.value)
    with pytest.raises(ValueError, match="Received: task='guess'"):
        Target.fit("n", counts, task="guess")


def test_a_target_with_one_class_is_refused() -> None:
    with pytest.raises(TableError) as error:
        Target.fit("y", pd.Series(["yes"] * 5), source="t.csv")
    assert str(error.value) == (
        "t.csv: the target 'y' has one value ('yes') on every row; there is nothing "
        "to learn"
    )


def test_encode_and_decode_round_trip_in_the_targets_own_terms() -> None:
    three = Target.fit("y", pd.Series(["b", "a", "c"]))
    np.testing.assert_array_equal(
        three.encode(pd.Series(["c", "a"])), [[0, 0, 1], [1, 0, 0]]
    )
    labels, p = three.decode(np.array([[0.1, 0.7, 0.2]], np.float32))
    assert labels.tolist() == ["b"] and p is not None and p.shape == (1, 3)
    binary = Target.fit("y", pd.Series([True, False]))
    labels, p = binary.decode(np.array([[0.9], [0.2]], np.float32))
    assert labels.tolist() == [True, False]
    assert p is not None and np.allclose(p, [[0.1, 0.9], [0.8, 0.2]])
    value = Target("y", "regression", mean=10.0, std=2.0)
    coded = value.encode(pd.Series([12.0, 8.0]))
    assert coded.dtype == np.float32 and coded.ravel().tolist() == [1.0, -1.0]
    back, none = value.decode(coded)
    assert back.tolist() == [12.0, 8.0] and none is None


def test_labels_match_whatever_type_the_file_gives_them() -> None:
    target = Target.fit("y", pd.Series([1, 2, 3]))
    assert target.codes(pd.Series([3.0, 1.0])).tolist() == [2, 0]
    assert target.codes(pd.Series(["2"])).tolist() == [1]
    with pytest.raises(TableError) as error:
        target.codes(pd.Series([1, 7]), "more.csv")
    assert str(error.value) == (
        "more.csv: the target 'y' holds 1 label(s) the model has never seen (7); "
        "it knows 1, 2, 3"
    )


def test_rows_without_a_target_are_dropped_and_counted() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3, 4], "y": ["a", None, "b", np.nan]})
    with pytest.warns(TableWarning) as caught:
        kept = drop_missing(frame, "y", "t.csv")
    assert kept["x"].tolist() == [1, 3]
    assert [str(w.message) for w in caught] == [
        "t.csv: dropped 2 row(s) whose target 'y' is missing"
    ]
    with pytest.raises(
        TableError, match=r"^t\.csv: the target 'y' is missing on every"
    ):
        drop_missing(frame.assign(y=None), "y", "t.csv")


def test_the_split_is_stratified_and_repeatable() -> None:
    codes = np.repeat([0, 1, 2], [50, 30, 20])
    train, test = split(100, codes, 0.2, np.random.default_rng(1))
    assert np.bincount(codes[test]).tolist() == [10, 6, 4]
    assert sorted([*train, *test]) == list(range(100))
    again = split(100, codes, 0.2, np.random.default_rng(1))
    assert np.array_equal(again[1], test)
    # a class of one row cannot be split: it stays for training
    lonely = np.array([0] * 9 + [1])
    _, held = split(10, lonely, 0.5, np.random.default_rng(0))
    assert 9 not in held
    _, held = split(10, None, 0.3, np.random.default_rng(0))
    assert len(held) == 3


def test_balanced_weights_follow_scikit_learn() -> None:
    from sklearn.utils.class_weight import compute_class_weight

    codes = np.repeat([0, 1, 2], [60, 30, 10])
    target = Target("y", "classification", classes=["a", "b", "c"])
    expected = compute_class_weight("balanced", classes=np.arange(3), y=codes)
    weights = target.balanced_weights(codes)
    assert list(weights) == [0, 1, 2]
    np.testing.assert_allclose(list(weights.values()), expected)


def test_the_state_round_trips_through_json() -> None:
    for target in (
        Target.fit("y", pd.Series([3, 1, 2])),
        Target("price", "regression", mean=3.5, std=1.25),
    ):
        state = json.loads(json.dumps(target.to_json()))
        again = Target.from_json(state)
        assert again.to_json() == target.to_json()
