"""ONNX export of networks trained on arrays: onnxruntime against model.predict."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon import layers

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
export = pytest.importorskip("axon.export")

TOLERANCE = 1e-5


def run_onnx(proto: Any, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    session = ort.InferenceSession(
        proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, feeds)


def gap(model: Any, x: np.ndarray, rtol: float = 0.0) -> float:
    """Largest |onnxruntime - predict| (scaled by 1 + rtol |predict|); must be small."""
    proto = export.to_onnx(model)
    (got,) = run_onnx(proto, {"x": x.astype(np.float32)})
    want = model.predict(x, verbose=0)
    assert got.shape == want.shape and got.dtype == np.float32
    return float(np.max(np.abs(got - want) / (1 + rtol * np.abs(want))))


def randomise(model: Any, rng: np.random.Generator) -> None:
    """Non-trivial weights: moving statistics, gammas, PReLU slopes (not scalers')."""
    for layer in model.layers:
        for name, value in {**layer.params, **layer.state}.items():
            if name == "moving_variance":
                value[...] = rng.uniform(0.2, 3.0, value.shape)
            elif name not in ("embeddings", "mean", "variance"):
                value[...] = rng.normal(0.0, 0.7, value.shape)


# Kinks and saturations: 0, +-3, 6, a threshold of 0.5, and far tails.
POINTS = np.array([-30.0, -6.0, -3.0, -1.0, -1e-3, 0.0, 0.5, 1.0, 3.0, 6.0, 7.5, 30.0])

VARIANTS = [
    *sorted(axon.activations.ACTIVATIONS),
    {"name": "relu", "negative_slope": 0.1},
    {"name": "relu", "max_value": 4.0},
    {"name": "relu", "threshold": 0.5, "negative_slope": 0.2, "max_value": 5.0},
    {"name": "relu", "threshold": 0.5},
    {"name": "leaky_relu", "negative_slope": 0.2},
    {"name": "elu", "alpha": 0.5},
    {"name": "gelu", "approximate": True},
    {"name": "softmax", "axis": 1},
    {"name": "log_softmax", "axis": 1},
]


@pytest.mark.parametrize("identifier", VARIANTS, ids=str)
def test_every_activation_matches_predict(identifier: Any) -> None:
    """Every registered activation (and its options) on kinks and tails."""
    rng = np.random.default_rng(0)
    x = np.concatenate([np.tile(POINTS, (2, 1)), rng.normal(0, 3, (30, 12))])
    model = axon.Sequential([layers.Input((12,)), layers.Activation(identifier)])
    # exponential reaches e^30: compared relative to the value there.
    assert gap(model, x, rtol=1.0) < TOLERANCE


@pytest.mark.parametrize("name", ["relu", "gelu", "selu", "mish", "hard_sigmoid"])
def test_dense_layers_with_activations(name: str) -> None:
    rng = np.random.default_rng(1)
    model = axon.Sequential(
        [
            layers.Input((7,)),
            layers.Dense(16, activation=name),
            layers.Dense(8, activation=name, use_bias=False),
            layers.Dense(3, activation="softmax"),
        ]
    )
    randomise(model, rng)
    assert gap(model, rng.normal(0, 2, (50, 7))) < TOLERANCE


def test_every_flat_layer_in_one_trained_model() -> None:
    """The tutorial's layers trained (so BatchNormalization's statistics moved)."""
    rng = np.random.default_rng(2)
    x = rng.normal(3.0, 2.0, (200, 6)).astype(np.float32)
    y = axon.utils.to_categorical((x[:, 0] + x[:, 1] > 6).astype(int) * 2, 3)
    scaler = layers.Normalization()
    scaler.adapt(x)
    model = axon.Sequential(
        [
            layers.Input((6,)),
            scaler,
            layers.Dense(32, activation="relu", kernel_initializer="he_normal"),
            layers.BatchNormalization(),
            layers.Dropout(0.3),
            layers.Dense(16),
            layers.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.2),
            layers.GaussianNoise(0.1),
            layers.Dense(16),
            layers.LeakyReLU(0.2),
            layers.GaussianDropout(0.2),
            layers.Dense(16),
            layers.ELU(0.7),
            layers.LayerNormalization(),
            layers.Dense(16),
            layers.PReLU(),
            layers.AlphaDropout(0.1),
            layers.Dense(16, activation="selu"),
            layers.BatchNormalization(center=False, scale=False),
            layers.Dense(3),
            layers.Softmax(),
        ]
    )
    model.compile("adam", "categorical_crossentropy")
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    randomise(model, rng)  # PReLU slopes and gammas away from their starts
    assert gap(model, rng.normal(3.0, 2.0, (64, 6))) < TOLERANCE


def test_samples_of_several_axes() -> None:
    """Normalization and LayerNormalization per axis, Reshape, Flatten, Softmax axis."""
    rng = np.random.default_rng(3)
    stack = [
        layers.Input((12,)),
        layers.Reshape((3, 4)),
        layers.Normalization(axis=1, mean=[1.0, 2.0, 3.0], variance=[4.0, 0.0, 9.0]),
        layers.Normalization(axis=None, mean=0.5, variance=2.0, invert=True),
        layers.LayerNormalization(axis=[1, 2]),
        layers.LayerNormalization(axis=1, center=False),
        layers.PReLU(shared_axes=[1]),
        layers.Softmax(axis=1),
        layers.Flatten(data_format="channels_first"),
        layers.Reshape((2, -1)),
        layers.Activation({"name": "log_softmax", "axis": 1}),
        layers.Flatten(),
        layers.Dense(5),
    ]
    model = axon.Sequential(stack)
    randomise(model, rng)
    assert gap(model, rng.normal(0, 2, (40, 12))) < TOLERANCE


def test_embedding_takes_integer_codes_as_floats() -> None:
    rng = np.random.default_rng(4)
    model = axon.Sequential(
        [
            layers.Input((4,)),
            layers.Embedding(10, 3),
            layers.Flatten(),
            layers.Dense(2, activation="sigmoid"),
        ]
    )
    assert gap(model, rng.integers(0, 10, (30, 4)).astype(np.float32)) < TOLERANCE


def functional_model() -> Any:
    a, b = axon.Input((4,), name="a"), axon.Input((3,), name="b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    left, right = shared(a), shared(layers.Dense(4)(b))
    merged = layers.concatenate([left, right, b])
    total = layers.add([left, right, layers.Dense(5)(merged)])
    rest = [
        layers.average([left, total]),
        layers.multiply([left, right, total]),
        layers.subtract([total, left]),
    ]
    hidden = layers.Concatenate(axis=1)(rest)
    hidden = layers.Dropout(0.5)(layers.BatchNormalization()(hidden, training=False))
    return axon.Model(
        {"a": a, "b": b},
        {
            "kind": layers.Dense(3, activation="softmax")(hidden),
            "size": layers.Dense(1)(hidden),
        },
    )


def test_functional_graph_with_merges_shared_layers_and_two_outputs() -> None:
    rng = np.random.default_rng(5)
    model = functional_model()
    randomise(model, rng)
    feeds = {"a": rng.normal(size=(20, 4)), "b": rng.normal(size=(20, 3))}
    proto = export.to_onnx(model)
    assert [i.name for i in proto.graph.input] == ["a", "b"]
    assert [o.name for o in proto.graph.output] == ["kind", "size"]
    got = run_onnx(proto, {k: v.astype(np.float32) for k, v in feeds.items()})
    want = model.predict(feeds, verbose=0)
    assert (
        max(np.abs(g - want[k]).max() for g, k in zip(got, want, strict=True))
        < TOLERANCE
    )


def test_functional_model_with_one_input_takes_x() -> None:
    rng = np.random.default_rng(6)
    inputs = axon.Input((4,), name="features")
    x = layers.Dense(6, activation="relu")(inputs)
    first, second = layers.Dense(2)(x), layers.Dense(2)(x)
    model = axon.Model(inputs, [first, layers.add([first, second])])
    proto = export.to_onnx(model)
    assert [i.name for i in proto.graph.input] == ["x"]
    names = [o.name for o in proto.graph.output]
    assert len(set(names)) == 2
    data = rng.normal(size=(9, 4)).astype(np.float32)
    got, want = run_onnx(proto, {"x": data}), model.predict(data, verbose=0)
    assert max(np.abs(g - w).max() for g, w in zip(got, want, strict=True)) < TOLERANCE


def test_a_float64_model_exports_in_float32(float64: None) -> None:
    rng = np.random.default_rng(7)
    model = axon.Sequential([layers.Input((5,)), layers.Dense(4, "tanh")])
    randomise(model, rng)
    proto = export.to_onnx(model)
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert gap(model, rng.normal(size=(10, 5))) < TOLERANCE


def test_export_writes_a_checked_file_with_the_model_metadata(tmp_path: Path) -> None:
    model = axon.Sequential([layers.Input((3,)), layers.Dense(2, "softmax")])
    model.metadata = {"class_names": ["no", "yes"]}
    path = tmp_path / "sub" / "model.onnx"
    export.export(model, path)
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)
    assert loaded.opset_import[0].version == export.OPSET
    props = {p.key: p.value for p in loaded.metadata_props}
    assert props == {"axon.metadata": '{"class_names": ["no", "yes"]}'}
    dims = loaded.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["N", 3]
    assert [p.name for p in tmp_path.joinpath("sub").iterdir()] == ["model.onnx"]


# -- what is refused ---------------------------------------------------------------
class Doubling(layers.Layer):
    def forward(self, x: Any, training: bool = False) -> Any:
        return 2 * x


class Cube(axon.activations.Activation):
    name = "cube"

    def forward(self, x: Any, out: Any = None) -> Any:
        return x**3


def test_a_layer_of_your_own_is_refused_by_name_and_nothing_written(
    tmp_path: Path,
) -> None:
    model = axon.Sequential([layers.Input((3,)), Doubling(name="twice")])
    with pytest.raises(ValueError, match=r"layer 'twice'.*Doubling"):
        export.export(model, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_a_subclass_of_an_axon_layer_is_refused() -> None:
    class MyDense(layers.Dense):
        pass

    model = axon.Sequential([layers.Input((3,)), MyDense(2, name="mine")])
    with pytest.raises(ValueError, match=r"layer 'mine'.*MyDense"):
        export.to_onnx(model)


def test_an_activation_of_your_own_is_refused_by_name() -> None:
    model = axon.Sequential([layers.Input((3,)), layers.Dense(2, Cube(), name="d")])
    with pytest.raises(ValueError, match="activation Cube\\(\\) of layer 'd'"):
        export.to_onnx(model)


def test_a_call_fixed_to_training_is_refused() -> None:
    inputs = axon.Input((3,))
    model = axon.Model(inputs, layers.Dropout(0.5, name="drop")(inputs, training=True))
    with pytest.raises(ValueError, match=r"'drop'.*training=True"):
        export.to_onnx(model)


def test_unbuilt_models_and_other_objects_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not been built"):
        export.to_onnx(axon.Sequential([layers.Dense(2)]))
    with pytest.raises(ValueError, match="not been built"):
        export.to_onnx(axon.Sequential())
    with pytest.raises(TypeError, match=r"Expected an axon model.*list"):
        export.to_onnx([1, 2])
    model = axon.Sequential([layers.Input((3,)), layers.Dense(2)])
    with pytest.raises(TypeError, match=r"Expected a file path.*path=3"):
        export.export(model, 3)  # type: ignore[arg-type]


def test_without_onnx_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    model = axon.Sequential([layers.Input((3,)), layers.Dense(2)])
    with pytest.raises(ImportError, match=r"pip install 'axon\[onnx\]'"):
        export.to_onnx(model)
