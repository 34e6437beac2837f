"""Keras 3's file format, without Keras: layout, round trips and refusals."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.models import keras_compile, keras_format, keras_layers

h5py = pytest.importorskip("h5py")


def data(n: int = 48) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, axon.utils.to_categorical(rng.integers(0, 3, n), 3)


def every_layer_model(optimizer: Any = "adam") -> axon.Sequential:
    model = axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.Dense(8, activation="relu", kernel_initializer="he_normal"),
            axon.layers.BatchNormalization(),
            axon.layers.Dropout(0.3, seed=3),
            axon.layers.Dense(6),
            axon.layers.LeakyReLU(0.1),
            axon.layers.ReLU(),
            axon.layers.Activation("tanh"),
            axon.layers.Dense(3),
            axon.layers.Softmax(),
        ]
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["acc"])
    return model


def rewrite(
    path: Path,
    config: Callable[[dict[str, Any]], Any] | None = None,
    weights: Callable[[Any], None] | None = None,
    extra: dict[str, bytes] | None = None,
) -> None:
    """Edit a .keras file in place: its config, its HDF5 weights, extra entries."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    if config is not None:
        document = json.loads(entries["config.json"])
        document = config(document) or document
        entries["config.json"] = json.dumps(document).encode()
    if weights is not None:
        buffer = io.BytesIO(entries["model.weights.h5"])
        with h5py.File(buffer, "a") as h5:
            weights(h5)
        entries["model.weights.h5"] = buffer.getvalue()
    entries.update(extra or {})
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)


@pytest.fixture
def saved(tmp_path: Path) -> tuple[axon.Sequential, Path]:
    x, y = data()
    model = every_layer_model(axon.optimizers.Adam(0.01))
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    return model, path


# -- what is written -------------------------------------------------------------------
def test_the_archive_holds_keras_entries_and_layout(
    saved: tuple[axon.Sequential, Path],
) -> None:
    model, path = saved
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == [
            "metadata.json",
            "config.json",
            "model.weights.h5",
        ]
        document = json.loads(archive.read("config.json"))
        metadata = json.loads(archive.read("metadata.json"))
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")))
    assert metadata["keras_version"].startswith("3.")
    assert document["class_name"] == "Sequential" and document["module"] == "keras"
    entries = document["config"]["layers"]
    assert [e["class_name"] for e in entries] == [
        "InputLayer", "Dense", "BatchNormalization", "Dropout", "Dense", "LeakyReLU",
        "ReLU", "Activation", "Dense", "Softmax",
    ]  # fmt: skip
    assert entries[0]["config"]["batch_shape"] == [None, 4]
    dense = entries[1]["config"]
    assert dense["activation"] == "relu"
    assert dense["kernel_initializer"] == {
        "module": "keras.initializers",
        "class_name": "HeNormal",
        "config": {"seed": None},
        "registered_name": None,
    }
    assert dense["dtype"]["class_name"] == "DTypePolicy"
    assert entries[5]["config"]["negative_slope"] == 0.1
    compiled = document["compile_config"]
    assert compiled["optimizer"]["class_name"] == "Adam"
    assert compiled["optimizer"]["config"]["learning_rate"] == 0.01
    assert compiled["loss"] == "categorical_crossentropy"
    assert compiled["metrics"] == ["acc"]
    # Groups are named after the Keras class, made unique; the layer's name is an attribute.
    assert sorted(h5["layers"]) == [
        "activation", "batch_normalization", "dense", "dense_1", "dense_2", "dropout",
        "leaky_re_lu", "re_lu", "softmax",
    ]  # fmt: skip
    assert h5["layers/dense_1/vars"].attrs["name"] == model.layers[3].name
    bn = [h5[f"layers/batch_normalization/vars/{i}"][()] for i in range(4)]
    for stored, weight in zip(bn, model.layers[1].get_weights(), strict=True):
        np.testing.assert_array_equal(stored, weight)
    # Adam: step, learning rate, then m and v interleaved per trainable weight.
    optimizer = h5["optimizer/vars"]
    assert len(optimizer) == 2 + 2 * 8
    assert optimizer["0"][()] == model.optimizer.iterations == 6
    np.testing.assert_array_equal(
        optimizer["2"][()], model.optimizer.slots["m"][:32].reshape(4, 8)
    )
    np.testing.assert_array_equal(
        optimizer["3"][()], model.optimizer.slots["v"][:32].reshape(4, 8)
    )
    np.testing.assert_array_equal(optimizer["4"][()], model.optimizer.slots["m"][32:40])


def test_round_trip_keeps_architecture_weights_and_optimizer(
    saved: tuple[axon.Sequential, Path],
) -> None:
    model, path = saved
    loaded = axon.models.load_model(path)
    assert loaded.get_config() == model.get_config()
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    x, _ = data()
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )
    assert isinstance(loaded.optimizer, axon.optimizers.Adam)
    assert loaded.optimizer.learning_rate == 0.01  # not float32's 0.0099999998
    assert loaded.optimizer.iterations == model.optimizer.iterations
    for name, slot in model.optimizer.slots.items():
        np.testing.assert_array_equal(loaded.optimizer.slots[name], slot)
    assert axon.models.load_model(path, compile=False).compiled is False


OPTIMIZERS: dict[str, Callable[[], Any]] = {
    "adam": lambda: axon.optimizers.Adam(0.02),
    "adam-amsgrad": lambda: axon.optimizers.Adam(0.02, amsgrad=True),
    "adamw": lambda: axon.optimizers.AdamW(0.02, weight_decay=0.01),
    "nadam": lambda: axon.optimizers.Nadam(0.02),
    "adamax": lambda: axon.optimizers.Adamax(0.02),
    "adagrad": lambda: axon.optimizers.Adagrad(0.1),
    "adadelta": lambda: axon.optimizers.Adadelta(1.0),
    "lion": lambda: axon.optimizers.Lion(0.01),
    "ftrl": lambda: axon.optimizers.Ftrl(0.1, l1_regularization_strength=0.01),
    "rmsprop": lambda: axon.optimizers.RMSprop(0.01),
    "rmsprop-centered": lambda: axon.optimizers.RMSprop(0.01, 0.9, 0.5, centered=True),
    "sgd": lambda: axon.optimizers.SGD(0.1),
    "sgd-nesterov": lambda: axon.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "sgd-schedule": lambda: axon.optimizers.SGD(
        axon.optimizers.schedules.ExponentialDecay(0.1, 3, 0.5), momentum=0.5
    ),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_resumed_from_a_keras_file_matches_training_on(
    tmp_path: Path, name: str
) -> None:
    x, y = data()
    model = axon.Sequential(
        [
            axon.layers.Dense(8, activation="tanh", input_shape=(4,)),
            axon.layers.BatchNormalization(),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=OPTIMIZERS[name](), loss="categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    resumed = axon.models.load_model(tmp_path / "m.keras")
    assert resumed.optimizer.get_config() == model.optimizer.get_config()
    resumed.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def every_new_layer_model() -> axon.Sequential:
    layers = axon.layers
    norm = layers.Normalization()
    norm.adapt(data()[0])
    return axon.Sequential(
        [
            layers.Input((4,)),
            norm,
            layers.Normalization(mean=[0.5] * 4, variance=[2.0] * 4),
            layers.Dense(
                6,
                activation="elu",
                kernel_regularizer=axon.regularizers.L2(0.02),
                activity_regularizer="l1",
            ),
            layers.LayerNormalization(),
            layers.PReLU(alpha_initializer="ones"),
            layers.ELU(0.5),
            layers.GaussianNoise(0.1, seed=1),
            layers.GaussianDropout(0.1),
            layers.AlphaDropout(0.1),
            layers.Reshape((2, 3)),
            layers.Flatten(),
            layers.ReLU(max_value=6.0, negative_slope=0.1),
            layers.Dense(3, activation="gelu"),
            layers.Softmax(axis=-1),
        ]
    )


def test_every_layer_on_main_round_trips(tmp_path: Path) -> None:
    model = every_new_layer_model()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")))
        # Keras keeps a count beside an adapted Normalization's statistics, and
        # nothing for one given mean and variance (they are in the config).
        assert len(h5["layers/normalization/vars"]) == 3
        assert h5["layers/normalization/vars/2"].dtype == np.int32
        assert len(h5["layers/normalization_1/vars"]) == 0
        assert "p_re_lu" in h5["layers"] and "layer_normalization" in h5["layers"]
    loaded = axon.models.load_model(tmp_path / "m.keras")
    assert loaded.get_config() == model.get_config()
    x, _ = data()
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )


def test_embedding_round_trips(tmp_path: Path) -> None:
    model = axon.Sequential(
        [
            axon.layers.Input((3,)),
            axon.layers.Embedding(10, 4),
            axon.layers.Flatten(),
            axon.layers.Dense(2),
        ]
    )
    model.save(tmp_path / "m.keras")
    loaded = axon.models.load_model(tmp_path / "m.keras")
    codes = np.arange(9).reshape(3, 3)
    np.testing.assert_array_equal(
        loaded.predict(codes, verbose=0), model.predict(codes, verbose=0)
    )


def test_float64_model_and_a_model_built_from_data(
    tmp_path: Path, float64: None
) -> None:
    x, y = data()
    model = axon.Sequential([axon.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    model.fit(x.astype("float64"), y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    axon.config.set_floatx("float32")
    loaded = axon.models.load_model(tmp_path / "m.keras")
    assert loaded.input_shape == (4,)
    assert all(w.dtype == np.float64 for w in loaded.get_weights())
    assert axon.config.floatx() == "float32"  # loading restores the global setting


def test_weights_file_round_trip_and_weights_from_a_keras_archive(
    saved: tuple[axon.Sequential, Path], tmp_path: Path
) -> None:
    model, path = saved
    model.save_weights(tmp_path / "w.weights.h5")
    x, _ = data()
    for source in (tmp_path / "w.weights.h5", path):
        twin = every_layer_model()
        twin.build((4,))
        twin.load_weights(source)
        np.testing.assert_array_equal(
            twin.predict(x, verbose=0), model.predict(x, verbose=0)
        )


def test_an_uncompiled_model_and_one_whose_optimizer_never_stepped(
    tmp_path: Path,
) -> None:
    model = axon.Sequential([axon.layers.Dense(2, input_shape=(3,))])
    model.save(tmp_path / "plain.keras")
    with zipfile.ZipFile(tmp_path / "plain.keras") as archive:
        assert "compile_config" not in json.loads(archive.read("config.json"))
    assert axon.models.load_model(tmp_path / "plain.keras").compiled is False
    model.compile(axon.optimizers.Adam(), "mse")
    model.save(tmp_path / "fresh.keras")  # zero slots, as Keras builds them on loading
    with zipfile.ZipFile(tmp_path / "fresh.keras") as archive:
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")))
        assert len(h5["optimizer/vars"]) == 2 + 2 * 2
        assert not h5["optimizer/vars/2"][()].any()


# -- translation ----------------------------------------------------------------------
def test_keras_activation_names_keep_keras_defaults() -> None:
    assert keras_layers.activation_from_keras("leaky_relu", "x") == {
        "name": "leaky_relu",
        "negative_slope": 0.2,
    }
    assert keras_layers.activation_from_keras(None, "x") == "linear"
    fn = {"module": "builtins", "class_name": "function", "config": "tanh",
          "registered_name": "function"}  # fmt: skip
    assert keras_layers.activation_from_keras(fn, "x") == "tanh"
    slope = axon.activations.get({"name": "leaky_relu", "negative_slope": 0.2})
    assert keras_layers.activation_to_keras(slope, "x") == "leaky_relu"
    with pytest.raises(ValueError, match="LeakyReLU layer"):
        keras_layers.activation_to_keras(axon.activations.get("leaky_relu"), "x")
    with pytest.raises(ValueError, match="unknown Keras activation 'evil'"):
        keras_layers.activation_from_keras("evil", "x")


def test_the_leaky_relu_layer_takes_keras_slope_when_the_file_omits_it() -> None:
    entry = keras_layers.keras_object("keras.layers", "LeakyReLU", {"name": "l"})
    _, config, _ = keras_layers.layer_from_keras(entry, "x")
    assert config["negative_slope"] == 0.3


def test_keras_only_arguments_pass_only_when_switched_off() -> None:
    entry = keras_layers.keras_object(
        "keras.layers", "Dropout", {"name": "d", "rate": 0.5, "noise_shape": None}
    )
    assert keras_layers.layer_from_keras(entry, "x")[1] == {"name": "d", "rate": 0.5}
    entry["config"]["noise_shape"] = [None, 1]
    with pytest.raises(
        ValueError, match=r"Dropout has no argument noise_shape. Received: noise_shape="
    ):
        keras_layers.layer_from_keras(entry, "x")


def test_optimizer_and_loss_arguments_axon_lacks_are_refused() -> None:
    adam = keras_layers.keras_object("keras.optimizers", "Adam", {"foo": True})
    with pytest.raises(ValueError, match="axon has no argument foo"):
        keras_compile.optimizer_from_keras(adam, "x")
    ema = keras_layers.keras_object("keras.optimizers", "Adam", {"use_ema": True})
    with pytest.raises(ValueError, match="use_ema"):
        keras_compile.optimizer_from_keras(ema, "x")
    odd = keras_layers.keras_object(
        "keras.losses", "CategoricalCrossentropy", {"foo": 1}
    )
    with pytest.raises(ValueError, match="axon has no argument foo"):
        keras_compile.loss_from_keras(odd, "x")
    with pytest.raises(ValueError, match="axon has no loss 'made_up'"):
        keras_compile.loss_from_keras("made_up", "x")
    with pytest.raises(ValueError, match="axon has no metric MadeUp"):
        keras_compile.metric_from_keras(
            keras_layers.keras_object("keras.metrics", "MadeUp", {}), "x"
        )


def test_losses_with_arguments_are_written_as_keras_objects(tmp_path: Path) -> None:
    model = axon.Sequential([axon.layers.Dense(3, input_shape=(4,))])
    model.compile("rmsprop", axon.losses.CategoricalCrossentropy(from_logits=True))
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        loss = json.loads(archive.read("config.json"))["compile_config"]["loss"]
    assert loss["class_name"] == "CategoricalCrossentropy"
    assert loss["config"]["from_logits"] is True
    loaded = axon.models.load_model(tmp_path / "m.keras")
    assert loaded.loss is not None and loaded.loss.from_logits


# -- refusals -------------------------------------------------------------------------
def _layer(document: dict[str, Any], index: int = 1) -> dict[str, Any]:
    entry: dict[str, Any] = document["config"]["layers"][index]
    return entry


def _unbuilt(document: dict[str, Any]) -> None:
    document["config"]["layers"].pop(0)  # the InputLayer
    del document["build_config"], document["config"]["build_input_shape"]


REFUSALS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "lambda": (
        lambda d: _layer(d).update(class_name="Lambda"),
        "a Lambda layer holds Python code",
    ),
    "custom-registered": (
        lambda d: _layer(d).update(registered_name="Mine>Dense"),
        "'Dense' .*registered as 'Mine>Dense'.* is a custom object",
    ),
    "foreign-module": (
        lambda d: _layer(d).update(module="os", class_name="system"),
        "'system' \\(module 'os'.* is a custom object",
    ),
    "unknown-class": (
        lambda d: _layer(d).update(class_name="Conv2D"),
        "cannot load the Keras layer class Conv2D",
    ),
    "custom-activation": (
        lambda d: _layer(d)["config"].update(
            activation={
                "module": "builtins",
                "class_name": "function",
                "config": "Mine>act",
                "registered_name": "function",
            }
        ),
        "the function 'Mine>act' is a custom object",
    ),
    "constraint": (
        lambda d: _layer(d)["config"].update(
            kernel_constraint={
                "module": "keras.constraints",
                "class_name": "MaxNorm",
                "config": {},
                "registered_name": None,
            }
        ),
        "Dense has no argument kernel_constraint",
    ),
    "mixed-precision": (
        lambda d: _layer(d)["config"]["dtype"]["config"].update(name="mixed_float16"),
        "no mixed precision\\). Received: 'mixed_float16'",
    ),
    "bad-units": (
        lambda d: _layer(d)["config"].update(units="eight"),
        "units='eight'",
    ),
    "subclassed": (
        lambda d: d.update(class_name="Model"),
        "axon loads Sequential and functional models. Received: Model",
    ),
    "layers-not-list": (
        lambda d: d["config"].update(layers={"a": 1}),
        "layers are not a list",
    ),
    "custom-loss": (
        lambda d: d["compile_config"].update(
            loss={
                "module": "builtins",
                "class_name": "function",
                "config": "Mine>loss",
                "registered_name": "function",
            }
        ),
        "'Mine>loss' is a custom object",
    ),
    "loss-weights": (
        lambda d: d["compile_config"].update(loss_weights=[0.5]),
        "loss_weights weigh the losses of several outputs; this model has one",
    ),
    "not-an-object": (lambda d: ["a list"], "config.json holds a list"),
    "ragged-input": (
        lambda d: _layer(d, 0)["config"].update(ragged=True),
        "axon has no ragged inputs",
    ),
    "input-later": (
        lambda d: d["config"]["layers"].insert(2, _layer(d, 0)),
        "an InputLayer after the first layer",
    ),
    "never-built": (_unbuilt, "the model was never built"),
    "two-float-types": (
        lambda d: _layer(d, 2)["config"]["dtype"]["config"].update(name="float64"),
        r"layers of several float types \(float32, float64\)",
    ),
    "unknown-optimizer": (
        lambda d: d["compile_config"]["optimizer"].update(class_name="Muon"),
        "axon cannot load the Keras optimizer Muon",
    ),
    "unknown-schedule": (
        lambda d: d["compile_config"]["optimizer"]["config"].update(
            learning_rate=keras_layers.keras_object(
                "keras.optimizers.schedules", "Cyclic", {}
            )
        ),
        "axon has no learning-rate schedule Cyclic",
    ),
    "unknown-initializer": (
        lambda d: _layer(d)["config"]["kernel_initializer"].update(
            class_name="Orthogonal"
        ),
        "axon has no initializer 'orthogonal'",
    ),
    "unknown-regularizer": (
        lambda d: _layer(d)["config"].update(
            kernel_regularizer=keras_layers.keras_object("keras.regularizers", "Lp", {})
        ),
        "axon has no regularizer Lp",
    ),
    "activation-object": (
        lambda d: _layer(d)["config"].update(
            activation=keras_layers.keras_object("keras.layers", "ReLU", {})
        ),
        "axon reads activations given by name",
    ),
    "metrics-dict": (
        lambda d: d["compile_config"].update(metrics={"out": ["acc"]}),
        "Expected a list of metrics",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_config_refusals_name_the_problem(
    saved: tuple[axon.Sequential, Path], case: str
) -> None:
    _, path = saved
    edit, message = REFUSALS[case]
    rewrite(path, config=edit)
    with pytest.raises(ValueError, match=message) as caught:
        axon.models.load_model(path)
    assert str(path) in str(caught.value)


def test_loading_with_compile_false_ignores_the_compile_config(
    saved: tuple[axon.Sequential, Path],
) -> None:
    _, path = saved
    rewrite(path, config=REFUSALS["loss-weights"][0])
    assert axon.models.load_model(path, compile=False).compiled is False


def _set(path: str, value: Any) -> Callable[[Any], None]:
    def edit(h5: Any) -> None:
        del h5[path]
        h5[path] = value

    return edit


def _soft_link(h5: Any) -> None:
    del h5["layers/dense/vars/0"]
    h5["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense_1/vars/0")


def _external_link(h5: Any) -> None:
    del h5["layers/dense/vars/0"]
    h5["layers/dense/vars/0"] = h5py.ExternalLink("/etc/passwd", "/x")


def _external_storage(h5: Any) -> None:
    outside = Path(__file__)  # any file on the disk will do
    del h5["layers/dense/vars/0"]
    h5.create_dataset(
        "layers/dense/vars/0", (4, 8), "float32", external=[(str(outside), 0, 128)]
    )


H5_REFUSALS: dict[str, tuple[Callable[[Any], None], str]] = {
    "wrong-shape": (_set("layers/dense/vars/0", np.zeros((4, 9), "float32")),
                    r"layers/dense/vars/0 has shape \(4, 9\), the model expects \(4, 8\)"),
    "integers": (_set("layers/dense/vars/1", np.zeros(8, "int64")), "int64 values"),
    "strings": (_set("layers/dense/vars/1", np.array([b"x"] * 8, dtype=object)),
                "object values"),
    "nan": (_set("layers/dense/vars/1", np.full(8, np.nan, "float32")), "finite"),
    "missing": (lambda h5: h5.__delitem__("layers/dense/vars/1"), "holds 1 arrays"),
    "extra-layer": (lambda h5: h5.create_group("layers/dense_9/vars"), "layers/dense_9"),
    "soft-link": (_soft_link, "SoftLink: refused"),
    "external-link": (_external_link, "ExternalLink: refused"),
    "external-storage": (_external_storage, "keeps its data outside the file"),
    "optimizer-count": (lambda h5: h5.__delitem__("optimizer/vars/17"),
                        "optimizer/vars holds 17 arrays"),
    "optimizer-shape": (_set("optimizer/vars/2", np.zeros(3, "float32")), "vars/2 has shape"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(H5_REFUSALS))
def test_weights_refusals_name_the_problem(
    saved: tuple[axon.Sequential, Path], case: str
) -> None:
    _, path = saved
    edit, message = H5_REFUSALS[case]
    rewrite(path, weights=edit)
    with pytest.raises(ValueError, match=message):
        axon.models.load_model(path)


def test_damaged_archives_are_refused(saved: tuple[axon.Sequential, Path]) -> None:
    _, path = saved
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="not a zip archive, or a truncated one"):
        axon.models.load_model(path)
    flipped = bytearray(good)
    start = good.index(b"HDF")  # flip bytes inside the stored weights: a bad CRC
    flipped[start + 600 : start + 700] = bytes(100)
    path.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match=r"model\.weights\.h5 is corrupted"):
        axon.models.load_model(path)


def test_a_truncated_weights_file_is_refused(
    saved: tuple[axon.Sequential, Path],
) -> None:
    _, path = saved
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["model.weights.h5"] = entries["model.weights.h5"][:3000]
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    with pytest.raises(ValueError, match="HDF5 weights are unreadable"):
        axon.models.load_model(path)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"assets/x.txt": b"x"}, "unexpected entry 'assets/x.txt'"),
        ({"../../evil.py": b"x"}, "unexpected entry '../../evil.py'"),
        ({"config.json": b"{not json"}, "config.json is not valid JSON"),
        (
            {"metadata.json": b'{"keras_version": "2.13.1"}'},
            "written by Keras '2.13.1'",
        ),
    ],
)
def test_archive_entries_are_checked(
    saved: tuple[axon.Sequential, Path], extra: dict[str, bytes], message: str
) -> None:
    _, path = saved
    rewrite(path, extra=extra)
    with pytest.raises(ValueError, match=message):
        axon.models.load_model(path)


def test_implausibly_large_entries_are_refused_before_reading(
    saved: tuple[axon.Sequential, Path],
) -> None:
    _, path = saved
    padding = b" " * (17 * 2**20)  # still valid JSON, but beyond any real config
    with zipfile.ZipFile(path) as archive:
        document = archive.read("config.json")
    rewrite(path, extra={"config.json": document + padding})
    with pytest.raises(ValueError, match=r"config\.json would decompress"):
        axon.models.load_model(path)


def test_failed_weight_loading_leaves_the_model_as_it_was(
    saved: tuple[axon.Sequential, Path],
) -> None:
    _, path = saved
    rewrite(path, weights=_set("layers/dense_2/vars/1", np.zeros(4, "float32")))
    twin = every_layer_model()
    twin.build((4,))
    before = twin.get_weights()
    with pytest.raises(ValueError, match="dense_2/vars/1 has shape"):
        twin.load_weights(path)
    for a, b in zip(before, twin.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_file_names_pick_the_operation(tmp_path: Path) -> None:
    model = axon.Sequential([axon.layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match=r"use model\.save_weights"):
        model.save(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match=r"use model\.save for it"):
        model.save_weights(tmp_path / "m.keras")
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="holds no architecture"):
        axon.models.load_model(tmp_path / "w.weights.h5")
    with pytest.raises(FileNotFoundError):
        axon.models.load_model(tmp_path / "missing.keras")
    model.save(tmp_path / "m.axon")  # axon's own format stays
    assert zipfile.ZipFile(tmp_path / "m.axon").namelist()[0] == "model.json"


def test_writing_refuses_what_keras_cannot_hold(tmp_path: Path) -> None:
    model = axon.Sequential([axon.layers.Dense(2, "leaky_relu", input_shape=(3,))])
    with pytest.raises(
        ValueError, match=r"'leaky_relu' cannot take negative_slope=0\.01"
    ):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()


def test_a_failed_save_leaves_the_previous_file(
    saved: tuple[axon.Sequential, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, path = saved
    before = path.read_bytes()

    calls = []
    dumps = json.dumps

    def broken(*args: Any, **kwargs: Any) -> str:
        calls.append(args)
        if len(calls) == 2:  # metadata.json is in the archive, config.json is not
            raise OSError("disk full")
        return dumps(*args, **kwargs)

    monkeypatch.setattr(keras_format.json, "dumps", broken)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["m.keras"]


def test_without_h5py_the_error_says_what_to_install(
    saved: tuple[axon.Sequential, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, path = saved
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"pip install 'axon\[keras\]'"):
        axon.models.load_model(path)
    with pytest.raises(ImportError, match=r"pip install 'axon\[keras\]'"):
        model.save_weights(path.with_name("w.weights.h5"))


# -- functional models -----------------------------------------------------------------
def functional_model() -> axon.Model:
    a, b = axon.Input((4,), name="a"), axon.Input((2,), name="b")
    shared = axon.layers.Dense(4, activation="tanh", name="shared")
    x = shared(a)
    x = axon.layers.Add()([shared(axon.layers.Dense(4, name="up")(x)), x])
    x = axon.layers.concatenate([x, axon.layers.Dense(3, name="side")(b)])
    x = axon.layers.BatchNormalization()(x)
    outputs = axon.layers.Dense(3, activation="softmax", name="out")(x)
    model = axon.Model([a, b], outputs, name="two_inputs")
    model.compile(
        axon.optimizers.Adam(0.01), "categorical_crossentropy", metrics=["acc"]
    )
    return model


def functional_data() -> tuple[dict[str, np.ndarray], np.ndarray]:
    x, y = data()
    return {"a": x, "b": x[:, :2] * 2}, y


def test_functional_round_trip_and_resumed_training(tmp_path: Path) -> None:
    model = functional_model()
    x, y = functional_data()
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    model.save(tmp_path / "f.keras")
    with zipfile.ZipFile(tmp_path / "f.keras") as archive:
        document = json.loads(archive.read("config.json"))
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")))
        assert sorted(h5["layers"]) == [
            "add", "batch_normalization", "concatenate", "dense", "dense_1", "dense_2",
            "dense_3", "input_layer", "input_layer_1",
        ]  # fmt: skip
    assert document["class_name"] == "Functional"
    shared = next(e for e in document["config"]["layers"] if e["name"] == "shared")
    assert len(shared["inbound_nodes"]) == 2  # called twice
    assert document["config"]["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    loaded = axon.models.load_model(tmp_path / "f.keras")
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def _calls(document: dict[str, Any], name: str) -> list[Any]:
    entry = next(e for e in document["config"]["layers"] if e["name"] == name)
    calls: list[Any] = entry["inbound_nodes"]
    return calls


def _history_of(document: dict[str, Any], name: str) -> list[Any]:
    history: list[Any] = _calls(document, name)[0]["args"][0]["config"]["keras_history"]
    return history


GRAPH_REFUSALS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "second-output": (
        lambda d: _history_of(d, "side").__setitem__(2, 1),
        r"expected a tensor as \[layer name, call, 0\]",
    ),
    "missing-layer": (
        lambda d: _history_of(d, "side").__setitem__(0, "nowhere"),
        "take tensors that no layer in it makes",
    ),
    "mask": (
        lambda d: _calls(d, "side")[0]["kwargs"].update(mask=[True]),
        r"axon cannot pass mask=\[True\]",
    ),
    "two-args": (
        lambda d: _calls(d, "side")[0]["args"].append(1),
        "expected {'args': \\[inputs\\]",
    ),
    "not-a-tensor": (
        lambda d: _calls(d, "side")[0]["args"].__setitem__(0, {"class_name": "x"}),
        "expected a __keras_tensor__",
    ),
    "bad-ends": (
        lambda d: d["config"].update(output_layers="out"),
        "output_layers: expected a tensor",
    ),
    "renamed-entry": (
        lambda d: next(e for e in d["config"]["layers"] if e["name"] == "side").update(
            name="other"
        ),
        "the entry's name 'other' is not its layer's",
    ),
}


@pytest.mark.parametrize("case", sorted(GRAPH_REFUSALS))
def test_functional_config_refusals(tmp_path: Path, case: str) -> None:
    functional_model().save(tmp_path / "f.keras")
    edit, message = GRAPH_REFUSALS[case]
    rewrite(tmp_path / "f.keras", config=edit)
    with pytest.raises(ValueError, match=message):
        axon.models.load_model(tmp_path / "f.keras")


def test_weights_of_another_layer_are_refused(tmp_path: Path) -> None:
    functional_model().save(tmp_path / "f.keras")

    def rename(h5: Any) -> None:
        h5["layers/dense_1/vars"].attrs["name"] = "intruder"

    rewrite(tmp_path / "f.keras", weights=rename)
    with pytest.raises(ValueError, match="holds the weights of layer 'intruder'"):
        axon.models.load_model(tmp_path / "f.keras")


def test_several_outputs_keep_their_losses_weights_and_metrics(tmp_path: Path) -> None:
    inputs = axon.Input((4,), name="x")
    hidden = axon.layers.Dense(5, activation="tanh")(inputs)
    model = axon.Model(
        inputs,
        [
            axon.layers.Dense(3, activation="softmax", name="cls")(hidden),
            axon.layers.Dense(1, name="reg")(hidden),
        ],
    )
    model.compile(
        "adam",
        loss={"cls": "categorical_crossentropy", "reg": axon.losses.Huber(2.0)},
        loss_weights={"reg": 0.25},
        metrics={"cls": ["accuracy"], "reg": ["mae"]},
    )
    x, y = data()
    targets = {"cls": y, "reg": x[:, :1]}
    model.fit(x, targets, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        compiled = json.loads(archive.read("config.json"))["compile_config"]
    assert compiled["loss"][0] == "categorical_crossentropy"
    assert compiled["loss"][1]["class_name"] == "Huber"
    assert compiled["loss_weights"] == [1.0, 0.25]
    assert compiled["metrics"] == [["accuracy"], ["mae"]]
    loaded = axon.models.load_model(tmp_path / "m.keras")
    expected = model.evaluate(x, targets, verbose=0, return_dict=True)
    assert loaded.evaluate(x, targets, verbose=0, return_dict=True) == expected
