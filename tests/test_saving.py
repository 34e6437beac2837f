from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon


def trained_model(iris_split: Any) -> axon.Sequential:
    x_train, _, y_train, _ = iris_split
    model = axon.Sequential(
        [
            axon.layers.Dense(
                16, activation="relu", input_shape=(4,), kernel_initializer="he_normal"
            ),
            axon.layers.BatchNormalization(),
            axon.layers.Dropout(0.2),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=axon.optimizers.Adam(0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, epochs=3, verbose=0)
    return model


def test_save_and_load_round_trip(tmp_path: Path, iris_split: Any) -> None:
    model = trained_model(iris_split)
    path = tmp_path / "model.axon"
    model.save(path)
    loaded = axon.models.load_model(path)
    assert loaded.get_config() == model.get_config()
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=False):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    x_test = iris_split[1]
    np.testing.assert_array_equal(
        loaded.predict(x_test, verbose=0), model.predict(x_test, verbose=0)
    )
    assert loaded.optimizer is not None and model.optimizer is not None
    assert loaded.optimizer.iterations == model.optimizer.iterations
    assert isinstance(loaded.optimizer, axon.optimizers.Adam)
    for name, slot in model.optimizer.slots.items():
        np.testing.assert_array_equal(loaded.optimizer.slots[name], slot)
    assert [m.name for m in loaded.metrics] == ["accuracy"]


def test_the_file_is_json_and_raw_arrays_only(tmp_path: Path, iris_split: Any) -> None:
    path = tmp_path / "model.axon"
    trained_model(iris_split).save(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        document = json.loads(archive.read("model.json"))
        for name in names:
            if name.endswith(".npy"):
                with archive.open(name) as handle:
                    np.lib.format.read_array(
                        handle, allow_pickle=False
                    )  # raises on pickles
    assert document["format"] == "axon-model" and document["class_name"] == "Sequential"
    assert all(n == "model.json" or n.endswith(".npy") for n in names)


def test_saving_replaces_atomically_and_leaves_no_temporary_files(
    tmp_path: Path, iris_split: Any
) -> None:
    model = trained_model(iris_split)
    path = tmp_path / "model.axon"
    model.save(path)
    model.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.axon"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip", "not a zip archive"),
        (None, "model.json is missing"),
    ],
)
def test_load_refuses_files_that_are_not_models(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "bad.axon"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("other.txt", "hello")
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        axon.models.load_model(path)


def test_load_refuses_weights_whose_shape_disagrees(
    tmp_path: Path, iris_split: Any
) -> None:
    path = tmp_path / "model.axon"
    trained_model(iris_split).save(path)
    tampered = tmp_path / "tampered.axon"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "weights/00000.npy":
                buffer = __import__("io").BytesIO()
                np.save(buffer, np.zeros((5, 16), dtype=np.float32))
                data = buffer.getvalue()
            target.writestr(item, data)
    with pytest.raises(ValueError, match=r"weights/00000.npy has shape \(5, 16\)"):
        axon.models.load_model(tampered)


def test_load_of_a_missing_file() -> None:
    with pytest.raises(FileNotFoundError, match="No model file"):
        axon.models.load_model("/nonexistent/model.axon")
