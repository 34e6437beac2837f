"""ONNX export of models trained on tables: raw columns into onnxruntime.

Tables are scikit-learn's data sets with text, boolean, category and numbers-as-text
columns and gaps injected; the models are the tutorial's network (BatchNormalization
and Dropout inside). onnxruntime gets the raw columns as a service would send them
and must give axon's own predictions.
"""

from __future__ import annotations

import json
import types
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import axon
from axon import tabular
from axon.cli import main
from axon.tabular.datasets import load as load_dataset

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
export = pytest.importorskip("axon.export")

TOLERANCE = 1e-5


def table(name: str, seed: int = 0) -> pd.DataFrame:
    """A data set with columns of every kind, and gaps in a number and a text column."""
    rng = np.random.default_rng(seed)
    frame = load_dataset(name)
    n = len(frame)
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(n)])  # dropped
    frame["plan"] = rng.choice(["basic", "plus", "pro"], n)
    frame["newsletter"] = rng.random(n) < 0.4
    frame["region"] = pd.Categorical(rng.choice(["north", "south", "west"], n))
    frame["visits"] = rng.integers(0, 9, n).astype(str)  # numbers as text, and "?"
    frame.loc[rng.random(n) < 0.02, "visits"] = "?"
    frame.loc[rng.random(n) < 0.1, str(frame.columns[1])] = np.nan
    frame.loc[rng.random(n) < 0.08, "plan"] = None
    return frame


def raw_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """New rows: shuffled, columns reordered, gaps, unseen categories, an inf."""
    raw = frame.drop(columns=["target"]).sample(frac=1, random_state=7)
    raw = raw[list(raw.columns[::-1])]
    raw.loc[raw.index[:3], "plan"] = "enterprise"  # never seen in training
    raw.loc[raw.index[3:6], "region"] = np.nan
    number = str(frame.columns[2])
    raw.loc[raw.index[6], number] = np.inf  # read as missing, as axon does
    raw.loc[raw.index[7:9], number] = np.nan
    return raw


def feeds(model: Any, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns as a service sends them: floats with NaN, strings with ''."""
    out = {}
    for column in model.metadata["table"]["columns"]:
        values, name = frame[column["name"]], column["name"]
        if column["kind"] == "numeric":
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(np.float32)
            out[name] = numbers.reshape(-1, 1)
        elif column["kind"] == "onehot":
            text = values.astype(str).to_numpy(dtype=object)
            text[values.isna().to_numpy()] = ""
            out[name] = text.reshape(-1, 1)
    return out


def run_onnx(proto: Any, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(
        proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, inputs), strict=True))


def axon_predict(model: Any, raw: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tabular.TableWarning)  # unseen, extra...
        return model.predict(raw)


def fit(frame: pd.DataFrame, **options: Any) -> Any:
    options = {"epochs": 6, "batch_size": 32, "seed": 0, **options}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tabular.TableWarning)
        return tabular.fit_table(frame, target="target", **options)


@pytest.fixture(scope="module")
def cancer() -> tuple[Any, pd.DataFrame]:
    frame = table("breast_cancer")
    return fit(frame), raw_rows(frame)


def check_classification(model: Any, raw: pd.DataFrame) -> float:
    """onnxruntime's probabilities and labels against axon's; the largest gap."""
    got = run_onnx(export.to_onnx(model), feeds(model, raw))
    want = axon_predict(model, raw)
    classes = model.target.classes
    probabilities = want[[f"probability_{c}" for c in classes]].to_numpy()
    assert got["probabilities"].shape == (len(raw), len(classes))
    assert got["label"].tolist() == want["prediction"].tolist()
    return float(np.abs(got["probabilities"] - probabilities).max())


def test_the_tutorial_network_is_what_is_exported(cancer: Any) -> None:
    model, _ = cancer
    kinds = [type(layer).__name__ for layer in model.network.layers]
    assert "BatchNormalization" in kinds and "Dropout" in kinds


def test_binary_classification_from_raw_columns(cancer: Any) -> None:
    model, raw = cancer
    assert check_classification(model, raw) < TOLERANCE


def test_one_input_per_used_column_named_and_typed_as_the_column(cancer: Any) -> None:
    model, _ = cancer
    proto = export.to_onnx(model)
    columns = model.metadata["table"]["columns"]
    used = [c for c in columns if c["kind"] != "dropped"]
    assert [i.name for i in proto.graph.input] == [c["name"] for c in used]
    assert "customer_id" not in [i.name for i in proto.graph.input]
    tensor = onnx.TensorProto
    kinds = {i.name: i.type.tensor_type.elem_type for i in proto.graph.input}
    assert kinds["visits"] == tensor.FLOAT  # numbers as text: a number input
    assert kinds["newsletter"] == kinds["region"] == kinds["plan"] == tensor.STRING
    assert kinds["mean radius"] == tensor.FLOAT
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["N", 1]
    assert [o.name for o in proto.graph.output] == ["probabilities", "label"]
    props = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(props["axon.metadata"])["table"]["features"] == (
        model.preprocessing.features
    )


def test_each_gap_and_unseen_value_takes_axons_path(cancer: Any) -> None:
    """Row by row on the awkward rows: a gap, '', an unseen plan, an inf, a '?'."""
    model, raw = cancer
    awkward = raw.iloc[:12].copy()
    awkward.loc[awkward.index[9], "visits"] = "?"
    awkward["newsletter"] = awkward["newsletter"].astype(object)
    awkward.loc[awkward.index[10], "newsletter"] = None
    assert check_classification(model, awkward) < TOLERANCE
    assert check_classification(model, awkward.iloc[[0]]) < TOLERANCE  # N = 1


def test_multiclass_wine_with_categories_and_gaps() -> None:
    frame = table("wine", seed=1)
    model = fit(frame, epochs=20)
    assert model.target.activation == "softmax"
    assert check_classification(model, raw_rows(frame)) < TOLERANCE


def test_regression_predicts_in_the_targets_units() -> None:
    """Diabetes: ``prediction`` = output * std + mean, as axon computes it.

    Compared in the network's own units (the standardised target): the target
    runs to 346, where float32 steps by 3e-5, so 1e-5 of its own units is below
    what the float32 network resolves.
    """
    frame = table("diabetes", seed=2)
    model = fit(frame, epochs=10)
    raw = raw_rows(frame)
    proto = export.to_onnx(model)
    assert [o.name for o in proto.graph.output] == ["prediction"]
    got = run_onnx(proto, feeds(model, raw))["prediction"]
    want = axon_predict(model, raw)["prediction"].to_numpy()
    assert got.shape == (len(raw), 1) and got.dtype == np.float64
    gap = np.abs(got[:, 0] - want)
    assert gap.max() / model.target.std < TOLERANCE
    assert (gap / np.abs(want)).max() < TOLERANCE
    assert np.abs(want - want.mean()).max() > 50  # in the target's units, not 0-1


@pytest.mark.parametrize(
    ("labels", "kind"),
    [
        (np.array([3, 7]), "INT64"),
        (np.array([False, True]), "BOOL"),
        (np.array([0.5, 1.5, 2.5]), "DOUBLE"),
        (np.array(["no", "yes"], dtype=object), "STRING"),
    ],
)
def test_labels_keep_the_type_of_the_classes(labels: np.ndarray, kind: str) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(90, 2))
    frame = pd.DataFrame(
        {"a": x[:, 0], "b": x[:, 1], "target": labels[(x[:, 0] > 0).astype(int)]}
    )
    model = fit(frame, epochs=2, hidden=(4,), task="classification")
    proto = export.to_onnx(model)
    label = proto.graph.output[1].type.tensor_type.elem_type
    assert label == getattr(onnx.TensorProto, kind)
    got = run_onnx(proto, feeds(model, frame))["label"]
    want = axon_predict(model, frame.drop(columns="target"))["prediction"]
    assert got.tolist() == want.tolist()


def test_rare_and_unseen_values_share_the_other_bucket() -> None:
    """Past 50 categories the rest go to <column>=<other>, and so do unseen ones."""
    rng = np.random.default_rng(7)
    city = np.array([f"city{k:02d}" for k in rng.integers(0, 60, 400)], dtype=object)
    frame = pd.DataFrame({"city": city, "size": rng.normal(size=400)})
    frame["target"] = np.where(frame["size"] + (city < "city20") > 0.5, "y", "n")
    model = fit(frame, epochs=3)
    assert "city=<other>" in model.preprocessing.features
    raw = frame.drop(columns="target")
    raw.loc[raw.index[:3], "city"] = ["atlantis", None, "city59"]
    assert check_classification(model, raw) < TOLERANCE


def test_an_empty_string_category_is_a_category() -> None:
    """From a DataFrame, '' can be a real value: then it is no gap."""
    rng = np.random.default_rng(4)
    colour = rng.choice(["", "red", "blue"], 120).astype(object)
    colour[:5] = None
    frame = pd.DataFrame({"colour": colour, "size": rng.normal(size=120)})
    frame["target"] = np.where((colour == "red") | (frame["size"] > 1), "y", "n")
    model = fit(frame, epochs=2)
    present = frame.iloc[5:].drop(columns="target")
    assert check_classification(model, present) < TOLERANCE


def test_a_column_named_like_an_output_is_refused() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"label": rng.normal(size=40), "b": rng.normal(size=40)})
    frame["target"] = np.where(frame["label"] > 0, "y", "n")
    model = fit(frame, epochs=1)
    with pytest.raises(ValueError, match=r"column 'label'.*output"):
        export.to_onnx(model)


def test_another_schema_version_is_refused(cancer: Any) -> None:
    model, _ = cancer

    later = types.SimpleNamespace(
        network=model.network,
        preprocessing=model.preprocessing,
        metadata={"table": {**model.metadata["table"], "version": 2}},
    )
    with pytest.raises(ValueError, match=r"version 1.*Received: version 2"):
        export.to_onnx(later)


def test_model_export_writes_the_file(cancer: Any, tmp_path: Path) -> None:
    model, raw = cancer
    path = tmp_path / "cancer.onnx"
    model.export(path)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    got = run_onnx(proto, feeds(model, raw))
    want = axon_predict(model, raw)
    assert got["label"].tolist() == want["prediction"].tolist()


# -- the command line ----------------------------------------------------------------
def test_axon_export_of_a_table_run(
    cancer: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, raw = cancer
    model.save(tmp_path / "model.axon")
    assert main(["export", str(tmp_path / "model.axon"), str(tmp_path / "m.onnx")]) == 0
    out = capsys.readouterr().out
    assert "m.onnx" in out and "outputs probabilities, label" in out
    proto = onnx.load(str(tmp_path / "m.onnx"))
    loaded = tabular.load(tmp_path / "model.axon")
    got = run_onnx(proto, feeds(loaded, raw))
    want = axon_predict(loaded, raw)
    assert got["label"].tolist() == want["prediction"].tolist()


def test_axon_export_of_a_model_trained_on_arrays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = axon.Sequential([axon.Input((4,)), axon.layers.Dense(3, "softmax")])
    model.save(tmp_path / "iris.axon")
    assert main(["export", str(tmp_path / "iris.axon"), str(tmp_path / "i.onnx")]) == 0
    assert "inputs x; outputs y" in capsys.readouterr().out
    x = np.random.default_rng(6).normal(size=(5, 4)).astype(np.float32)
    got = run_onnx(onnx.load(str(tmp_path / "i.onnx")), {"x": x})["y"]
    assert np.abs(got - model.predict(x, verbose=0)).max() < TOLERANCE


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nope.axon", "out.onnx"], "no model file at nope.axon"),
        (["model.axon", "out.txt"], "out.txt: expected a file name ending in .onnx"),
    ],
)
def test_axon_export_mistakes_get_one_line(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    axon.Sequential([axon.Input((2,)), axon.layers.Dense(1)]).save("model.axon")
    assert main(["export", *argv]) == 2
    err = capsys.readouterr().err
    assert err == f"axon export: error: {message}\n"
    assert not (tmp_path / argv[1]).exists()
