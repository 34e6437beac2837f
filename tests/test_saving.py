from __future__ import annotations

import io
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
        (None, "unexpected entry .other.txt.: axon never writes it"),
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


# -- files that must be refused ---------------------------------------------------------
def rewrite(source: Path, target: Path, change: Any) -> None:
    """Copy the archive entry by entry; ``change(name, data)`` returns new data or None."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = change(item.filename, src.read(item))
            if data is not None:
                dst.writestr(item.filename, data)


def edit_json(edit: Any) -> Any:
    def change(name: str, data: bytes) -> bytes:
        if name != "model.json":
            return data
        document = json.loads(data)
        edit(document)
        return json.dumps(document).encode()

    return change


def _set_activation(document: dict[str, Any]) -> None:
    document["config"]["layers"][0]["config"]["activation"] = "os.system"


def _set_layer(document: dict[str, Any]) -> None:
    document["config"]["layers"][0]["class_name"] = "Lambda"


def _pickled_weights(name: str, data: bytes) -> bytes:
    if name != "weights/00000.npy":
        return data
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"payload": 1}], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def _integer_weights(name: str, data: bytes) -> bytes:
    if name != "weights/00000.npy":
        return data
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((4, 16), dtype=np.int64))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (edit_json(_set_activation), r"Unknown activation: 'os.system'"),
        (edit_json(_set_layer), r"Unknown layer: 'Lambda'"),
        (edit_json(lambda d: d.update(version=99)), "format version 99"),
        (edit_json(lambda d: d.update(format="other")), "no axon format tag"),
        (
            edit_json(lambda d: d["rng"].update(model={"bit_generator": "MT"})),
            "random generator",
        ),
        (_pickled_weights, "allow_pickle"),
        (_integer_weights, "int64 values, not floats"),
        (
            lambda name, data: None if name == "weights/00001.npy" else data,
            "00001.npy is missing",
        ),
    ],
)
def test_load_refuses_tampered_files(
    tmp_path: Path, iris_split: Any, change: Any, message: str
) -> None:
    good, bad = tmp_path / "good.axon", tmp_path / "bad.axon"
    trained_model(iris_split).save(good)
    rewrite(good, bad, change)
    with pytest.raises(ValueError, match=message):
        axon.models.load_model(bad)


@pytest.mark.parametrize(
    "entry", ["../escape.npy", "/etc/passwd", "weights/../../x.npy", "run.py"]
)
def test_load_refuses_entries_axon_never_writes(
    tmp_path: Path, iris_split: Any, entry: str
) -> None:
    good, bad = tmp_path / "good.axon", tmp_path / "bad.axon"
    trained_model(iris_split).save(good)
    rewrite(good, bad, lambda name, data: data)
    with zipfile.ZipFile(bad, "a") as archive:
        archive.writestr(entry, b"print('owned')")
    with pytest.raises(ValueError, match=r"unexpected entry.*axon never writes it"):
        axon.models.load_model(bad)


def test_load_refuses_a_decompression_bomb(tmp_path: Path, iris_split: Any) -> None:
    good, bomb = tmp_path / "good.axon", tmp_path / "bomb.axon"
    trained_model(iris_split).save(good)
    with (
        zipfile.ZipFile(good) as src,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            if (
                item.filename == "weights/00000.npy"
            ):  # 256 MiB of zeros, ~256 KiB packed
                dst.writestr(item.filename, b"\0" * (256 * 2**20))
            else:
                dst.writestr(item.filename, src.read(item))
    assert bomb.stat().st_size < 2**20
    with pytest.raises(ValueError, match=r"would decompress to 268435456 bytes.*bomb"):
        axon.models.load_model(bomb)


def test_constant_weights_compress_well_and_still_load(tmp_path: Path) -> None:
    model = axon.Sequential([axon.layers.Dense(1000, input_shape=(1000,))])
    model.set_weights([np.ones((1000, 1000), np.float32), np.zeros(1000, np.float32)])
    model.save(tmp_path / "ones.axon")
    assert (tmp_path / "ones.axon").stat().st_size < 100_000  # 4 MB of ones packed
    np.testing.assert_array_equal(
        axon.models.load_model(tmp_path / "ones.axon").get_weights()[0], 1
    )


def test_load_refuses_truncated_and_corrupted_files(
    tmp_path: Path, iris_split: Any
) -> None:
    good = tmp_path / "good.axon"
    trained_model(iris_split).save(good)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.axon"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a zip archive, or a truncated one"):
        axon.models.load_model(truncated)
    # Flip bytes inside the first weight entry's compressed data.
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("weights/00000.npy")
    offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    corrupted = tmp_path / "corrupted.axon"
    corrupted.write_bytes(
        data[:offset]
        + bytes(b ^ 0xFF for b in data[offset : offset + 8])
        + data[offset + 8 :]
    )
    with pytest.raises(ValueError, match=r"weights/00000\.npy is corrupted \("):
        axon.models.load_model(corrupted)


def test_metadata_travels_with_the_model(tmp_path: Path, iris_split: Any) -> None:
    model = trained_model(iris_split)
    model.metadata = {"class_names": ["setosa", "versicolor", "virginica"]}
    model.save(tmp_path / "m.axon")
    loaded = axon.models.load_model(tmp_path / "m.axon")
    assert loaded.metadata == {"class_names": ["setosa", "versicolor", "virginica"]}
    model.metadata = {"scale": np.float32(2.0)}  # not plain JSON: refused, not lost
    with pytest.raises(TypeError, match=r"model\.metadata to be a dict of plain JSON"):
        model.save(tmp_path / "bad.axon")
    assert not (tmp_path / "bad.axon").exists()


# -- resuming ---------------------------------------------------------------------------
def _dropout_model() -> axon.Sequential:
    model = axon.Sequential(
        [
            axon.layers.Dense(16, activation="relu", input_shape=(4,)),
            axon.layers.BatchNormalization(),
            axon.layers.Dropout(0.3),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def test_a_run_resumed_from_a_checkpoint_ends_bit_identical(
    tmp_path: Path, iris_split: Any
) -> None:
    """Checkpoint at epoch 3 of 6, resume from the file: same bits as never stopping."""
    x_train, _, y_train, _ = iris_split
    axon.utils.set_random_seed(11)
    straight = _dropout_model()
    checkpoint = axon.callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch}.axon"))
    straight.fit(
        x_train,
        y_train,
        epochs=6,
        batch_size=16,
        validation_split=0.2,
        callbacks=[checkpoint],
        verbose=0,
    )

    axon.utils.set_random_seed(999)  # whatever the global state now, the file decides
    resumed = axon.models.load_model(tmp_path / "ckpt-3.axon")
    resumed.fit(
        x_train,
        y_train,
        epochs=6,
        initial_epoch=3,
        batch_size=16,
        validation_split=0.2,
        verbose=0,
    )
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert resumed.optimizer is not None and straight.optimizer is not None
    assert resumed.optimizer.iterations == straight.optimizer.iterations


def test_save_weights_and_load_weights(tmp_path: Path, iris_split: Any) -> None:
    model = trained_model(iris_split)
    model.save_weights(str(tmp_path / "w.axon"))
    other = trained_model(iris_split)
    other.load_weights(str(tmp_path / "w.axon"))
    for a, b in zip(model.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    wider = axon.Sequential(
        [
            axon.layers.Dense(17, input_shape=(4,)),
            axon.layers.BatchNormalization(),
            axon.layers.Dense(3),
        ]
    )
    with pytest.raises(
        ValueError, match=r"has shape \(4, 16\), the architecture says \(4, 17\)"
    ):
        wider.load_weights(str(tmp_path / "w.axon"))
    shallower = axon.Sequential([axon.layers.Dense(3, input_shape=(4,))])
    with pytest.raises(ValueError, match="weight manifest does not match"):
        shallower.load_weights(str(tmp_path / "w.axon"))


KILLER = r"""
import sys, numpy as np, axon
model = axon.Sequential([axon.layers.Dense(1500, input_shape=(1500,)), axon.layers.Dense(1500)])
model.set_weights([np.full(w.shape, 2.0, w.dtype) for w in model.get_weights()])
print("ready", flush=True)
while True:
    model.save(sys.argv[1])
"""


def test_killing_a_process_mid_save_leaves_the_previous_file_loadable(
    tmp_path: Path,
) -> None:
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "model.axon"
    original = axon.Sequential(
        [axon.layers.Dense(1500, input_shape=(1500,)), axon.layers.Dense(1500)]
    )
    original.save(target)
    process = subprocess.Popen(
        [sys.executable, "-c", KILLER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    time.sleep(0.8)  # each save writes ~18 MB: the kill lands mid-write
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    loaded = axon.models.load_model(target)  # the old model or a complete new one
    first = loaded.get_weights()[0]
    assert first.shape == (1500, 1500)
    assert np.all(first == 2.0) or np.array_equal(first, original.get_weights()[0])


def test_a_sequential_file_written_before_the_functional_api_still_loads() -> None:
    """``tests/data/sequential_v1.axon`` was saved by axon before Sequential became a
    Model (Input, Dense, BatchNormalization, Dropout, Dense; Adam; three epochs); the
    ``.npz`` holds what that axon then predicted and the loss of one more epoch."""
    data = Path(__file__).parent / "data"
    expected = np.load(data / "sequential_v1_expected.npz")
    model = axon.models.load_model(data / "sequential_v1.axon")
    assert isinstance(model, axon.Sequential) and len(model.layers) == 4
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 64)]
    # Close, not bitwise: the arithmetic of a later axon may round differently.
    predictions = model.predict(x[:5], verbose=0)
    np.testing.assert_allclose(predictions, expected["predictions"], rtol=1e-6)
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0).history
    np.testing.assert_allclose(history["loss"], expected["next_epoch_loss"], rtol=1e-6)
