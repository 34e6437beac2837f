"""The Python entry point: a DataFrame in, a model that predicts on raw rows out."""

from __future__ import annotations

import inspect
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import axon
from axon import tabular
from axon.tabular import TableError, TableWarning, TabularModel, fit_table
from axon.tabular.datasets import load as load_dataset

FAST = {"epochs": 4, "batch_size": 32}


def patients(seed: int = 0) -> pd.DataFrame:
    """breast_cancer with text, boolean, category, ID, constant columns and gaps."""
    rng = np.random.default_rng(seed)
    frame = load_dataset("breast_cancer").iloc[:, [0, 1, 2, 7, 20, 27, 30]]
    n = len(frame)
    frame = frame.assign(
        smoker=rng.choice(["yes", "no"], n),
        insured=rng.random(n) < 0.6,
        clinic=pd.Categorical(rng.choice(["north", "south", "east"], n)),
        record=[f"R{i:04d}" for i in range(n)],
        country="NZ",
    )
    frame.loc[rng.random(n) < 0.1, "mean radius"] = np.nan
    frame.loc[rng.random(n) < 0.1, "smoker"] = None
    return frame


@pytest.fixture(scope="module")
def model() -> TabularModel:
    return fit_table(patients(), "target", **FAST)


def test_fit_table_splits_prepares_trains_and_scores(model: TabularModel) -> None:
    assert model.task == "classification"
    assert model.target.classes == ["benign", "malignant"]
    assert model.rows == {"training": 365, "validation": 91, "test": 113}
    assert set(model.results) == {"training", "validation", "test"}
    test = model.results["test"]
    assert test["rows"] == 113 and 0.5 < test["accuracy"] <= 1
    assert {"macro_f1", "roc_auc", "per_class"} <= set(test)
    assert set(model.timings) == {"read", "prepare", "train", "score"}
    kinds = {row[0]: row[3] for row in model.column_rows()}
    assert kinds["record"].startswith("dropped: a distinct value")
    assert kinds["country"] == "dropped: the same value on every row"
    assert "+ smoker_missing" in kinds["smoker"]
    # stratified: each class gives a fifth of its rows (357 benign, 212 malignant)
    assert model.test_rows["target"].value_counts().to_dict() == {
        "benign": 71,
        "malignant": 42,
    }
    assert model.test_rows.index.equals(model.split_index["test"])


def test_the_preprocessing_learns_from_the_training_rows_only(
    model: TabularModel,
) -> None:
    frame = patients()
    radius = frame["mean radius"]
    training = radius.loc[model.split_index["training"]]
    step = model.preprocessing.steps[0]
    assert step.name == "mean radius"
    assert step.fill == training.median() != radius.median()
    assert step.mean == pytest.approx(training.mean()) and step.mean != radius.mean()
    assert step.missing == training.isna().mean()
    seen = set(model.split_index["training"])
    assert not seen & set(model.split_index["validation"])
    assert not seen & set(model.split_index["test"])
    assert [type(layer).__name__ for layer in model.network.layers] == [
        "Dense",
        "BatchNormalization",
        "Dropout",
        "Dense",
        "Dropout",
        "Dense",
    ]
    assert model.network.layers[-1].activation.name == "sigmoid"


def test_predict_takes_raw_rows_in_any_order_and_adds_its_columns(
    model: TabularModel,
) -> None:
    raw = patients(1).drop(columns=["target"]).sample(frac=1, random_state=2)
    raw = raw[list(raw.columns[::-1])]
    out = model.predict(raw)
    assert list(out.columns) == [
        *raw.columns,
        "prediction",
        "probability_benign",
        "probability_malignant",
    ]
    assert out.index.equals(raw.index)
    p = out[["probability_benign", "probability_malignant"]].to_numpy()
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-6)
    expected = np.where(p[:, 1] > p[:, 0], "malignant", "benign")
    assert (out["prediction"].to_numpy() == expected).all()
    pd.testing.assert_frame_equal(out[raw.columns], raw)  # the input, untouched
    ordered = model.predict(raw.sort_index()[list(raw.columns[::-1])])
    np.testing.assert_array_equal(
        ordered.loc[raw.index, "probability_malignant"], p[:, 1]
    )


def test_unseen_categories_and_extra_columns_are_said_not_fatal(
    model: TabularModel,
) -> None:
    raw = patients(1).head(10).drop(columns=["target"]).assign(extra=1)
    raw["smoker"] = ["sometimes"] * 3 + ["yes"] * 7
    with pytest.warns(TableWarning) as caught:
        out = model.predict(raw)
    assert [str(w.message) for w in caught] == [
        "the DataFrame: ignored 1 column(s) the model was not trained on: extra",
        "the DataFrame: 3 value(s) never seen in training, went to their column's "
        "bucket (smoker 3)",
    ]
    assert len(out) == 10
    with pytest.raises(TableError, match=r"lacks 1 column.*'clinic'"):
        model.predict(raw.drop(columns=["clinic"]))
    with pytest.raises(TableError, match="already has a column 'prediction'"):
        model.predict(out)


def test_the_saved_model_is_one_axon_file_with_a_plain_json_schema(
    model: TabularModel, tmp_path: Path
) -> None:
    path = tmp_path / "m.axon"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert not [n for n in archive.namelist() if not n.endswith((".json", ".npy"))]
        document = json.loads(archive.read("model.json"))
    table = document["metadata"]["table"]
    assert table["format"] == "axon-table" and table["version"] == 1
    assert table["target"] == {
        "name": "target",
        "task": "classification",
        "classes": ["benign", "malignant"],
        "output": "sigmoid",
    }
    by_name = {column["name"]: column for column in table["columns"]}
    radius = by_name["mean radius"]
    assert radius["kind"] == "numeric" and radius["indicator"] is True
    assert {"fill", "mean", "std", "missing", "treatment"} <= set(radius)
    assert by_name["clinic"]["categories"] == ["east", "north", "south"]
    assert by_name["record"] == {**by_name["record"], "kind": "dropped", "reason": "id"}
    assert table["features"] == document["metadata"]["feature_names"]
    assert len(table["features"]) == model.network.get_weights()[0].shape[0]
    network = axon.models.load_model(path)  # still an ordinary model file
    assert type(network).__name__ == "Sequential"
    again = tabular.load(path)
    raw = patients(2).drop(columns=["target"])
    pd.testing.assert_frame_equal(again.predict(raw), model.predict(raw))
    assert again.evaluate(patients(2)) == model.evaluate(patients(2))


def test_load_refuses_a_model_trained_on_arrays(tmp_path: Path) -> None:
    plain = axon.Sequential([axon.layers.Input((2,)), axon.layers.Dense(1)])
    plain.save(tmp_path / "plain.axon")
    with pytest.raises(ValueError, match="holds a network trained on arrays"):
        tabular.load(tmp_path / "plain.axon")


def test_regression_predicts_in_the_targets_own_units() -> None:
    frame = load_dataset("diabetes")
    model = fit_table(frame, "target", epochs=40, batch_size=32)
    assert model.task == "regression" and model.network.layers[-1].units == 1
    training = frame.loc[model.split_index["training"], "target"]
    assert model.target.mean == training.mean() != frame["target"].mean()
    assert model.target.std == pytest.approx(training.std(ddof=0))
    assert model.results["test"]["r2"] > 0.2
    out = model.predict(frame.drop(columns=["target"]))
    assert list(out.columns[-1:]) == ["prediction"]
    raw = model.network.predict(
        model.preprocessing.transform(frame.drop(columns=["target"])), verbose=0
    )
    np.testing.assert_allclose(
        out["prediction"], raw[:, 0] * model.target.std + model.target.mean, rtol=1e-6
    )
    assert 25 < out["prediction"].mean() < 350  # the target's units, not z-scores


def test_more_classes_use_softmax_and_give_one_probability_each() -> None:
    model = fit_table("wine", **FAST)
    assert model.target.classes == ["class_0", "class_1", "class_2"]
    assert model.network.layers[-1].units == 3
    out = model.predict(load_dataset("wine"))
    assert [c for c in out.columns if c.startswith("probability_")] == [
        "probability_class_0",
        "probability_class_1",
        "probability_class_2",
    ]


def test_rows_without_a_target_are_dropped_and_counted() -> None:
    frame = patients()
    frame.loc[frame.index[:7], "target"] = None
    with pytest.warns(TableWarning, match=r"dropped 7 row\(s\) whose target 'target'"):
        model = fit_table(frame, "target", **FAST)
    assert sum(model.rows.values()) == 569 - 7
    with pytest.warns(TableWarning, match=r"dropped 7 row\(s\)"):
        scores = model.evaluate(frame)
    assert scores["rows"] == 562


@pytest.mark.parametrize(
    ("change", "target", "message"),
    [
        (lambda f: f, "taget", "the DataFrame has no column 'taget' (did you mean "),
        (lambda f: f, None, "the DataFrame: say which column to predict (--target "),
        (
            lambda f: f.assign(notes=None),
            "target",
            "the DataFrame: column 'notes' is empty on every row; drop it (--drop "
            "notes) or fill it",
        ),
        (
            lambda f: f.assign(target=None),
            "target",
            "the DataFrame: the target 'target' is empty on every row",
        ),
        (
            lambda f: f.assign(target="benign"),
            "target",
            "the DataFrame: the target 'target' has one value ('benign') on every row",
        ),
        (lambda f: f.head(0), "target", "the DataFrame has a header (mean radius, "),
        (
            lambda f: f.set_axis([*f.columns[:-1], "smoker"], axis=1),
            "smoker",
            "the DataFrame: the column name 'smoker' appears 2 times in the header",
        ),
    ],
)
def test_bad_tables_in_python_are_value_errors_naming_the_column(
    change: object, target: str | None, message: str
) -> None:
    frame = change(patients())  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"^the DataFrame") as error:
        fit_table(frame, target, **FAST)
    assert str(error.value).startswith(message)


def test_not_a_table_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="Expected a pandas DataFrame, a file path"):
        fit_table(np.zeros((3, 2)), "x")


def test_balanced_class_weights_wait_for_fit_to_take_them() -> None:
    if "class_weight" in inspect.signature(axon.Sequential.fit).parameters:
        model = fit_table(patients(), "target", class_weight="balanced", **FAST)
        assert model.results["test"]["rows"] == 113
    else:
        with pytest.raises(ValueError, match=r"needs Model.fit\(class_weight=...\)"):
            fit_table(patients(), "target", class_weight="balanced", **FAST)
    with pytest.raises(ValueError, match="Received: 'even'"):
        fit_table(patients(), "target", class_weight="even")


def test_verbose_prints_the_column_table_task_and_network(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fit_table("iris", epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert (
        "Columns of iris (fitted on 96 training rows; held out: 24 validation, " in out
    )
    assert "petal width (cm)   number     0.0%  standardised (mean" in out
    assert "Task: classification of 'target' into 3 classes" in out
    assert 'Model: "sequential' in out and "Epoch 1/1" in out


def test_the_same_seed_gives_the_same_model() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = fit_table("wine", seed=3, **FAST)
        second = fit_table("wine", seed=3, **FAST)
    assert first.results == second.results
