"""Keras 3's files between axon and Keras itself, both directions.

axon trains, saves ``m.keras``, Keras 3 loads it and predicts the same (1e-6) with
the same optimizer state; Keras trains, saves, axon loads it and predicts the same
and takes the same next training step; ``.weights.h5`` likewise. Files Keras writes
with code or custom objects in them are refused, and no code runs. Skipped when
Keras (with PyTorch) or h5py is absent.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")
pytest.importorskip("torch")
pytest.importorskip("h5py")

# Keras 3.15 converts torch tensors with np.array(tensor), which NumPy 2 warns about.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy:DeprecationWarning"
)
RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 4)).astype("float32")
Y = np.eye(3, dtype="float32")[RNG.integers(0, 3, 64)]


def close(a: Any, b: Any, tol: float = 1e-6) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    scale = max(1.0, float(np.abs(b).max()))
    assert float(np.abs(a - b).max()) <= tol * scale, float(np.abs(a - b).max())


def axon_model(dropout: bool = True) -> axon.Sequential:
    layers: list[Any] = [
        axon.layers.Input((4,)),
        axon.layers.Dense(8, activation="relu", kernel_initializer="he_normal"),
        axon.layers.BatchNormalization(),
        axon.layers.Dropout(0.3) if dropout else axon.layers.Activation("linear"),
        axon.layers.ReLU(),
        axon.layers.Dense(6, activation="sigmoid", bias_initializer="ones"),
        axon.layers.LeakyReLU(0.1),
        axon.layers.Activation("tanh"),
        axon.layers.Dense(3),
        axon.layers.Softmax(),
    ]
    return axon.Sequential(layers)


def keras_model(dropout: bool = True) -> Any:
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((4,)),
            layers.Dense(8, activation="relu", kernel_initializer="he_normal"),
            layers.BatchNormalization(),
            layers.Dropout(0.3) if dropout else layers.Activation("linear"),
            layers.ReLU(),
            layers.Dense(6, activation="leaky_relu"),  # Keras's slope: 0.2
            layers.LeakyReLU(),  # Keras's slope: 0.3
            layers.Activation("tanh"),
            layers.Dense(3),
            layers.Softmax(),
        ]
    )


OPTIMIZERS = {
    "adam": lambda lib: lib.optimizers.Adam(0.01),
    "adam-amsgrad": lambda lib: lib.optimizers.Adam(0.01, amsgrad=True),
    "adamw": lambda lib: lib.optimizers.AdamW(0.01, weight_decay=0.01),
    "nadam": lambda lib: lib.optimizers.Nadam(0.01),
    "adamax": lambda lib: lib.optimizers.Adamax(0.01),
    "adagrad": lambda lib: lib.optimizers.Adagrad(0.05),
    "adadelta": lambda lib: lib.optimizers.Adadelta(1.0),
    "lion": lambda lib: lib.optimizers.Lion(0.001),
    "ftrl": lambda lib: lib.optimizers.Ftrl(0.05, l1_regularization_strength=0.001),
    "rmsprop": lambda lib: lib.optimizers.RMSprop(0.005),
    "rmsprop-centered": lambda lib: lib.optimizers.RMSprop(
        0.005, momentum=0.5, centered=True
    ),
    "sgd-nesterov": lambda lib: lib.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "sgd-schedule": lambda lib: lib.optimizers.SGD(
        lib.optimizers.schedules.ExponentialDecay(0.05, 4, 0.5), momentum=0.5
    ),
}


def keras_slots(model: Any) -> list[np.ndarray]:
    return [
        np.asarray(keras.ops.convert_to_numpy(v)) for v in model.optimizer.variables
    ]


def weights(model: Any) -> list[np.ndarray]:
    return [np.asarray(w) for w in model.get_weights()]


# -- (a) axon writes, Keras reads ------------------------------------------------------
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_keras_loads_what_axon_trained(tmp_path: Path, name: str) -> None:
    model = axon_model()
    model.compile(
        OPTIMIZERS[name](axon), "categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(X, Y, epochs=3, batch_size=16, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    close(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    state = keras_slots(loaded)
    assert int(state[0]) == model.optimizer.iterations == 12
    head = 1 if name == "sgd-schedule" else 2
    if head == 2:
        close(state[1], model.optimizer.learning_rate)
    tail = 1 if name == "nadam" else 0  # Nadam's product of its momentum schedule
    stored = np.sort(
        np.concatenate([s.ravel() for s in state[head : len(state) - tail]])
    )
    slots = [model.optimizer.slots[s] for s in model.optimizer.slot_names]
    np.testing.assert_array_equal(stored, np.sort(np.concatenate(slots)))
    loaded.fit(X, Y, epochs=1, verbose=0)  # and Keras trains on, without a warning


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_keras_takes_the_step_axon_would_take(tmp_path: Path, name: str) -> None:
    model = axon_model(dropout=False)
    model.compile(OPTIMIZERS[name](axon), "categorical_crossentropy")
    model.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    model.train_on_batch(X, Y)
    loaded.train_on_batch(X, Y)
    for a, b in zip(weights(loaded), weights(model), strict=True):
        close(a, b, 1e-5)


# -- (b) Keras writes, axon reads ------------------------------------------------------
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_axon_loads_what_keras_trained(tmp_path: Path, name: str) -> None:
    reference = keras_model()
    reference.compile(
        OPTIMIZERS[name](keras), "categorical_crossentropy", metrics=["accuracy"]
    )
    reference.fit(X, Y, epochs=3, batch_size=16, verbose=0)
    reference.save(tmp_path / "k.keras")
    model = axon.models.load_model(tmp_path / "k.keras")
    close(model.predict(X, verbose=0), reference.predict(X, verbose=0))
    assert model.optimizer is not None and model.optimizer.iterations == 12
    assert [type(layer).__name__ for layer in model.layers] == [
        type(layer).__name__ for layer in reference.layers
    ]
    history = model.fit(X, Y, epochs=2, batch_size=16, verbose=0)  # fit continues
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["accuracy"]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_axon_takes_the_step_keras_would_take(tmp_path: Path, name: str) -> None:
    reference = keras_model(dropout=False)
    reference.compile(OPTIMIZERS[name](keras), "categorical_crossentropy")
    reference.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    reference.save(tmp_path / "k.keras")
    model = axon.models.load_model(tmp_path / "k.keras")
    reference.train_on_batch(X, Y)
    model.train_on_batch(X, Y)
    for a, b in zip(weights(model), weights(reference), strict=True):
        close(a, b, 1e-5)


def test_keras_losses_and_metrics_given_as_objects(tmp_path: Path) -> None:
    reference = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    reference.compile(
        keras.optimizers.SGD(0.1),
        keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
        metrics=[keras.metrics.CategoricalAccuracy(name="hits"), "mae"],
    )
    reference.fit(X, Y, epochs=1, verbose=0)
    reference.save(tmp_path / "k.keras")
    model = axon.models.load_model(tmp_path / "k.keras")
    assert model.loss is not None and model.loss.from_logits
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    expected = reference.evaluate(X, Y, verbose=0, return_dict=True)
    close(logs["loss"], expected["loss"], 1e-5)
    close(logs["hits"], expected["hits"])
    close(logs["mae"], expected["mae"], 1e-5)
    model.save(tmp_path / "a.keras")  # and back: Keras computes the same loss
    again = keras.models.load_model(tmp_path / "a.keras")
    close(
        again.evaluate(X, Y, verbose=0, return_dict=True)["loss"],
        expected["loss"],
        1e-5,
    )


# -- (c) weights files -----------------------------------------------------------------
def test_weights_files_both_ways(tmp_path: Path) -> None:
    model = axon_model()
    model.compile("adam", "categorical_crossentropy")
    model.fit(X, Y, epochs=2, verbose=0)
    model.save_weights(tmp_path / "a.weights.h5")
    reference = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
         keras.layers.BatchNormalization(), keras.layers.Dropout(0.3),
         keras.layers.ReLU(), keras.layers.Dense(6, activation="sigmoid"),
         keras.layers.LeakyReLU(0.1), keras.layers.Activation("tanh"),
         keras.layers.Dense(3), keras.layers.Softmax()]
    )  # fmt: skip
    reference.load_weights(tmp_path / "a.weights.h5")
    close(reference.predict(X, verbose=0), model.predict(X, verbose=0))

    trained = keras_model()
    trained.compile("adam", "categorical_crossentropy")
    trained.fit(X, Y, epochs=2, verbose=0)
    trained.save_weights(tmp_path / "k.weights.h5")
    fresh = axon.Sequential(
        [axon.layers.Input((4,)), axon.layers.Dense(8, activation="relu"),
         axon.layers.BatchNormalization(), axon.layers.Dropout(0.3), axon.layers.ReLU(),
         axon.layers.Dense(6, activation={"name": "leaky_relu", "negative_slope": 0.2}),
         axon.layers.LeakyReLU(0.3), axon.layers.Activation("tanh"),
         axon.layers.Dense(3), axon.layers.Softmax()]
    )  # fmt: skip
    fresh.load_weights(tmp_path / "k.weights.h5")
    close(fresh.predict(X, verbose=0), trained.predict(X, verbose=0))


# -- every layer and activation axon has ----------------------------------------------
def layer_stack(lib: Any) -> list[Any]:
    layers = lib.layers
    norm = layers.Normalization()
    norm.adapt(X)
    return [
        lib.Input((4,)),
        norm,
        layers.Normalization(mean=[0.5] * 4, variance=[2.0] * 4),
        layers.Dense(6, activation="elu", bias_initializer="ones"),
        layers.LayerNormalization(beta_initializer="ones"),
        layers.PReLU(alpha_initializer=lib.initializers.Constant(0.2)),
        layers.ELU(0.5),
        layers.GaussianNoise(0.1),
        layers.GaussianDropout(0.1),
        layers.AlphaDropout(0.1),
        layers.Reshape((2, 3)),
        layers.Flatten(),
        layers.ReLU(max_value=0.8, negative_slope=0.1, threshold=0.1),
        layers.Dense(3, activation="gelu"),
        layers.Softmax(axis=-1),
    ]


def test_every_layer_both_ways(tmp_path: Path) -> None:
    model = axon.Sequential(layer_stack(axon))
    model.save(tmp_path / "a.keras")
    close(keras.models.load_model(tmp_path / "a.keras").predict(X, verbose=0),
          model.predict(X, verbose=0))  # fmt: skip
    reference = keras.Sequential(layer_stack(keras))
    reference.save(tmp_path / "k.keras")
    loaded = axon.models.load_model(tmp_path / "k.keras")
    close(loaded.predict(X, verbose=0), reference.predict(X, verbose=0))


def test_embedding_both_ways(tmp_path: Path) -> None:
    codes = RNG.integers(0, 10, (16, 3))
    reference = keras.Sequential(
        [keras.Input((3,), dtype="int32"), keras.layers.Embedding(10, 4),
         keras.layers.Flatten(), keras.layers.Dense(2)]
    )  # fmt: skip
    reference.save(tmp_path / "k.keras")
    model = axon.models.load_model(tmp_path / "k.keras")
    close(model.predict(codes, verbose=0), reference.predict(codes, verbose=0))
    model.save(tmp_path / "a.keras")
    again = keras.models.load_model(tmp_path / "a.keras")
    close(again.predict(codes, verbose=0), reference.predict(codes, verbose=0))


ACTIVATIONS = [
    "elu", "exponential", "gelu", "hard_sigmoid", "hard_silu", "leaky_relu", "linear",
    "log_softmax", "mish", "relu", "relu6", "selu", "sigmoid", "silu", "softmax",
    "softplus", "softsign", "swish", "tanh",
]  # fmt: skip


def test_every_activation_both_ways(tmp_path: Path) -> None:
    reference = keras.Sequential(
        [keras.Input((4,))] + [keras.layers.Dense(4, activation=a) for a in ACTIVATIONS]
    )
    reference.save(tmp_path / "k.keras")
    model = axon.models.load_model(tmp_path / "k.keras")
    close(model.predict(X, verbose=0), reference.predict(X, verbose=0))
    model.save(tmp_path / "a.keras")
    again = keras.models.load_model(tmp_path / "a.keras")
    close(again.predict(X, verbose=0), reference.predict(X, verbose=0))


# -- (d) refusals ----------------------------------------------------------------------
def test_a_lambda_layer_is_refused_and_its_code_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    touch = eval(
        f"lambda t: (__import__('pathlib').Path({str(marker)!r}).touch(), t)[1]"
    )
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3), keras.layers.Lambda(touch)]
    )
    model.save(tmp_path / "lambda.keras")
    marker.unlink(missing_ok=True)  # building the model in Keras ran it once
    with pytest.raises(ValueError, match="a Lambda layer holds Python code"):
        axon.models.load_model(tmp_path / "lambda.keras")
    assert not marker.exists()


@keras.saving.register_keras_serializable(package="Mine")
class Twice(keras.layers.Layer):
    def call(self, x: Any) -> Any:
        return 2 * x


class Unregistered(keras.layers.Layer):
    def call(self, x: Any) -> Any:
        return 2 * x


@keras.saving.register_keras_serializable(package="Mine")
def triple(x: Any) -> Any:
    return 3 * x


KERAS_REFUSALS = {
    "registered-custom-layer": (lambda: Twice(), "registered as 'Mine>Twice'"),
    "unregistered-custom-layer": (
        lambda: Unregistered(),
        "'Unregistered' \\(module 'test_reference_keras_format'.* is a custom object",
    ),
    "custom-activation": (
        lambda: keras.layers.Dense(2, activation=triple),
        "the function 'Mine>triple' is a custom object",
    ),
    "unknown-class": (
        lambda: keras.layers.UnitNormalization(),
        "cannot load the Keras layer class UnitNormalization",
    ),
    "constraint": (
        lambda: keras.layers.Dense(2, kernel_constraint=keras.constraints.MaxNorm(2.0)),
        "Dense has no argument kernel_constraint",
    ),
    "mixed-precision": (
        lambda: keras.layers.Dense(2, dtype="mixed_float16"),
        "axon has no mixed precision",
    ),
    "renorm": (
        lambda: keras.layers.BatchNormalization(renorm=True),
        "BatchNormalization has no argument renorm",
    ),
}


@pytest.mark.parametrize("case", sorted(KERAS_REFUSALS))
def test_keras_files_axon_cannot_load_are_refused_by_name(
    tmp_path: Path, case: str
) -> None:
    make, message = KERAS_REFUSALS[case]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), make()])
    model.save(tmp_path / "k.keras")
    with pytest.raises(ValueError, match=message):
        axon.models.load_model(tmp_path / "k.keras")


def test_damaged_keras_files_are_refused(tmp_path: Path) -> None:
    reference = keras_model()
    reference.save(tmp_path / "k.keras")
    good = (tmp_path / "k.keras").read_bytes()
    (tmp_path / "k.keras").write_bytes(good[:-200])  # the zip's directory is cut off
    with pytest.raises(ValueError, match="not a zip archive, or a truncated one"):
        axon.models.load_model(tmp_path / "k.keras")
    reference.save(tmp_path / "k.keras")
    with (
        zipfile.ZipFile(tmp_path / "whole.keras", "w") as archive,
        zipfile.ZipFile(tmp_path / "k.keras") as source,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "model.weights.h5":
                content = content[: len(content) // 2]
            archive.writestr(info.filename, content)
    with pytest.raises(ValueError, match="HDF5 weights are unreadable"):
        axon.models.load_model(tmp_path / "whole.keras")
    small = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8)])
    small.save_weights(tmp_path / "k.weights.h5")
    other = axon.Sequential([axon.layers.Dense(5, input_shape=(4,))])
    with pytest.raises(
        ValueError,
        match="layers/dense/vars/0 has shape \\(4, 8\\), the model expects \\(4, 5\\)",
    ):
        other.load_weights(tmp_path / "k.weights.h5")


# -- functional models -----------------------------------------------------------------
def graph(lib: Any, outputs: int = 1) -> Any:
    """Two inputs, a layer shared at two depths, a residual Add, a concatenation."""
    layers = lib.layers
    a, b = lib.Input((4,), name="a"), lib.Input((2,), name="b")
    shared = layers.Dense(4, activation="tanh", name="shared")
    x = shared(a)
    x = layers.Add(name="residual")([shared(layers.Dense(4, name="up")(x)), x])
    side = layers.Dense(3, activation="relu", name="side")(b)
    x = layers.Concatenate(name="join")([side, x])
    x = layers.BatchNormalization(name="norm")(x)
    out = layers.Dense(3, activation="softmax", name="out")(x)
    if outputs == 1:
        return lib.Model([a, b], out)
    return lib.Model([a, b], [out, layers.Dense(1, name="extra")(side)])


XA, XB = X, X[:, :2] * 2


def test_keras_loads_an_axon_graph_and_takes_its_step(tmp_path: Path) -> None:
    model = graph(axon)
    model.compile(axon.optimizers.Adam(0.01), "categorical_crossentropy")
    model.fit({"a": XA, "b": XB}, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    model.save(tmp_path / "g.keras")
    loaded = keras.models.load_model(tmp_path / "g.keras")
    assert [layer.name for layer in loaded.layers] == [
        layer.name for layer in model.layers
    ]
    close(
        loaded.predict([XA, XB], verbose=0),
        model.predict({"a": XA, "b": XB}, verbose=0),
    )
    model.train_on_batch({"a": XA, "b": XB}, Y)
    loaded.train_on_batch([XA, XB], Y)
    for a, b in zip(weights(loaded), weights(model), strict=True):
        close(a, b, 1e-5)


def test_axon_loads_a_keras_graph_and_takes_its_step(tmp_path: Path) -> None:
    reference = graph(keras)
    reference.compile(
        keras.optimizers.RMSprop(0.01, momentum=0.5), "categorical_crossentropy"
    )
    reference.fit([XA, XB], Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    reference.save(tmp_path / "g.keras")
    model = axon.models.load_model(tmp_path / "g.keras")
    close(
        model.predict({"a": XA, "b": XB}, verbose=0),
        reference.predict([XA, XB], verbose=0),
    )
    reference.train_on_batch([XA, XB], Y)
    model.train_on_batch({"a": XA, "b": XB}, Y)
    for a, b in zip(weights(model), weights(reference), strict=True):
        close(a, b, 1e-5)


def test_a_graph_with_two_outputs_both_ways(tmp_path: Path) -> None:
    reference = graph(keras, outputs=2)
    reference.save(tmp_path / "k.keras")
    model = axon.models.load_model(tmp_path / "k.keras")
    for got, expected in zip(
        model.predict({"a": XA, "b": XB}, verbose=0),
        reference.predict([XA, XB], verbose=0),
        strict=True,
    ):
        close(got, expected)
    model.save(tmp_path / "a.keras")
    again = keras.models.load_model(tmp_path / "a.keras")
    for got, expected in zip(
        again.predict([XA, XB], verbose=0),
        reference.predict([XA, XB], verbose=0),
        strict=True,
    ):
        close(got, expected)


def test_regularizers_both_ways(tmp_path: Path) -> None:
    reference = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(
                5,
                activation="tanh",
                kernel_regularizer=keras.regularizers.L2(0.05),
                bias_regularizer=keras.regularizers.L1(0.01),
                activity_regularizer=keras.regularizers.L1L2(0.01, 0.02),
            ),
            keras.layers.Dense(
                3, kernel_regularizer=keras.regularizers.OrthogonalRegularizer(0.1)
            ),
        ]
    )
    reference.compile("sgd", keras.losses.CategoricalCrossentropy(from_logits=True))
    reference.save(tmp_path / "k.keras")
    model = axon.models.load_model(tmp_path / "k.keras")
    expected = reference.evaluate(X, Y, verbose=0)  # the loss with every penalty
    close(model.evaluate(X, Y, verbose=0), expected, 1e-5)
    model.save(tmp_path / "a.keras")
    close(
        keras.models.load_model(tmp_path / "a.keras").evaluate(X, Y, verbose=0),
        expected,
        1e-5,
    )


def test_several_outputs_compile_both_ways(tmp_path: Path) -> None:
    reference = graph(keras, outputs=2)
    reference.compile(
        "adam",
        loss=["categorical_crossentropy", "mse"],
        loss_weights=[1.0, 0.5],
        metrics=[["accuracy"], ["mae"]],
    )
    targets = [Y, XB[:, :1]]
    reference.fit([XA, XB], targets, epochs=1, verbose=0)
    reference.save(tmp_path / "k.keras")
    expected = reference.evaluate([XA, XB], targets, verbose=0)
    model = axon.models.load_model(tmp_path / "k.keras")
    got = model.evaluate({"a": XA, "b": XB}, targets, verbose=0)
    close(got[0], expected[0], 1e-5)  # sum of the weighted losses
    model.save(tmp_path / "a.keras")
    again = keras.models.load_model(tmp_path / "a.keras")
    close(again.evaluate([XA, XB], targets, verbose=0)[0], expected[0], 1e-5)
