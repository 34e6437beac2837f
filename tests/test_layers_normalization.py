"""Normalization (a fitted scaler) and LayerNormalization."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.testing import check_layer_gradients

RNG = np.random.default_rng(0)


# -- Normalization ----------------------------------------------------------------------
def test_adapt_gives_the_population_mean_and_variance_per_feature() -> None:
    x = RNG.normal(3.0, 2.0, size=(50, 3))
    layer = axon.layers.Normalization()
    layer.adapt(x)
    np.testing.assert_allclose(layer.state["mean"], x.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(layer.state["variance"], x.var(axis=0), rtol=1e-6)
    y = layer(x)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=0), 1, rtol=1e-5)
    assert layer.weight_order == ["mean", "variance"] and not layer.params


@pytest.mark.usefixtures("float64")
def test_adapt_on_batches_equals_adapt_on_their_concatenation() -> None:
    # A large offset: a running sum of squares would lose most of the digits here.
    batches = [RNG.normal(1e6, 1e-2, size=(n, 4)) for n in (7, 1, 30, 12)]
    whole = np.concatenate(batches)
    streamed, at_once = axon.layers.Normalization(), axon.layers.Normalization()
    streamed.adapt(iter(batches))  # a generator of batches
    at_once.adapt(whole)
    np.testing.assert_allclose(streamed.state["mean"], whole.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(streamed.state["variance"], whole.var(axis=0), rtol=1e-7)
    np.testing.assert_allclose(at_once.state["variance"], whole.var(axis=0), rtol=1e-7)


def test_adapt_reads_large_arrays_in_chunks_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = RNG.normal(size=(100, 3))
    monkeypatch.setattr(axon.layers.normalization, "_ADAPT_CHUNK", 21)  # 7 rows
    layer = axon.layers.Normalization()
    layer.adapt(x)
    np.testing.assert_allclose(layer.state["variance"], x.var(axis=0), rtol=1e-6)


def test_adapt_takes_x_from_x_y_batches() -> None:
    x = RNG.normal(size=(20, 2))
    layer = axon.layers.Normalization()
    layer.adapt([(x[:10], np.zeros(10)), (x[10:], np.ones(10))])
    np.testing.assert_allclose(layer.state["mean"], x.mean(axis=0), rtol=1e-6)


def test_adapt_reads_a_data_frame_and_skips_empty_batches() -> None:
    pandas = pytest.importorskip("pandas")
    x = RNG.normal(size=(20, 2))
    layer = axon.layers.Normalization()
    layer.adapt(pandas.DataFrame(x, columns=["a", "b"]))
    np.testing.assert_allclose(layer.state["mean"], x.mean(axis=0), rtol=1e-6)
    layer.adapt([np.ones((0, 2)), x[:5], np.ones((0, 2))])
    np.testing.assert_allclose(layer.state["mean"], x[:5].mean(axis=0), rtol=1e-6)


def test_keras_examples_axis_none_and_invert() -> None:
    data = np.array(
        [[0.0, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.0]]
    )
    layer = axon.layers.Normalization(axis=-1)
    layer.adapt(data)
    np.testing.assert_allclose(layer(np.array([[0.0, 7.0, 4.0]])), [[-1, -1, -1]])
    inverse = axon.layers.Normalization(invert=True)
    inverse.adapt(data)
    np.testing.assert_allclose(inverse(np.array([[1.0, 2.0, 3.0]])), [[2, 10, 8]])
    scalar = axon.layers.Normalization(axis=None)
    scalar.adapt(np.array([[1.0], [2.0], [3.0], [4.0], [5.0]]))
    assert scalar.state["mean"].shape == () and float(scalar.state["variance"]) == 2.0
    np.testing.assert_allclose(
        scalar(np.array([[1.0], [2.0], [3.0]])).ravel(), [-1.4142135, -0.7071068, 0]
    )


def test_invert_undoes_the_normalisation() -> None:
    x = RNG.normal(5.0, 3.0, size=(10, 3))
    forward = axon.layers.Normalization()
    forward.adapt(x)
    mean, variance = forward.state["mean"], forward.state["variance"]
    inverse = axon.layers.Normalization(mean=mean, variance=variance, invert=True)
    np.testing.assert_allclose(inverse(forward(x)), x, rtol=1e-5)


def test_the_standard_deviation_is_floored_at_epsilon_not_added_to() -> None:
    layer = axon.layers.Normalization(mean=[1.0, 0.0], variance=[0.0, 1e-4])
    y = layer(np.array([[1.0, 1.0], [1.5, -1.0]]))
    # A constant feature maps to 0 and a departure from it to (x - m) / 1e-7, as in
    # Keras; the second feature is divided by exactly sqrt(1e-4) = 0.01, not by
    # sqrt(1e-4 + epsilon).
    np.testing.assert_allclose(y, [[0.0, 100.0], [0.5 / 1e-7, -100.0]], rtol=1e-6)


@pytest.mark.parametrize(
    ("axis", "shape"), [(-1, (4,)), (1, (3,)), ([1, 2], (3, 4)), (None, ())]
)
def test_axis_keeps_statistics_per_index_of_the_kept_axes(
    axis: Any, shape: tuple[int, ...]
) -> None:
    x = RNG.normal(size=(5, 3, 4)) * np.arange(1, 5)
    layer = axon.layers.Normalization(axis=axis)
    layer.adapt(x)
    assert layer.state["mean"].shape == shape
    reduce = tuple(d for d in range(3) if d not in layer.keep)
    np.testing.assert_allclose(layer.state["mean"], x.mean(axis=reduce), rtol=1e-5)
    np.testing.assert_allclose(layer.state["variance"], x.var(axis=reduce), rtol=1e-5)
    y = layer(x)
    np.testing.assert_allclose(y.mean(axis=reduce), 0, atol=1e-5)


def test_mean_and_variance_broadcast_to_the_kept_axes() -> None:
    with pytest.raises(ValueError, match="same shape"):
        axon.layers.Normalization(axis=[1, 2], mean=[1.0, 2.0], variance=4.0)
    layer = axon.layers.Normalization(axis=[1, 2], mean=[1.0, 2.0], variance=[4, 4])
    y = layer(np.ones((2, 3, 2)))
    assert layer.state["mean"].shape == (3, 2)
    np.testing.assert_allclose(y[0], [[0.0, -0.5]] * 3)


@pytest.mark.usefixtures("float64")
def test_inverse_gradient_check() -> None:
    layer = axon.layers.Normalization(
        mean=[1.0, -2.0], variance=[4.0, 0.5], invert=True
    )
    errors = check_layer_gradients(layer, RNG.normal(size=(5, 2)))
    assert errors["input"] < 1e-8


def test_adapt_after_build_updates_the_weights_a_model_uses(tmp_path: Path) -> None:
    x = RNG.normal(10.0, 5.0, size=(40, 3))
    layer = axon.layers.Normalization()
    model = axon.Sequential([layer, axon.layers.Dense(1)])
    model.build((3,))
    before = model.predict(x, verbose=0)
    layer.adapt(x)
    np.testing.assert_allclose(model.weights[0], x.mean(axis=0), rtol=1e-6)
    after = model.predict(x, verbose=0)
    assert not np.allclose(before, after)
    model.save(tmp_path / "scaled.axon")
    loaded = axon.models.load_model(tmp_path / "scaled.axon")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), after)
    np.testing.assert_array_equal(
        loaded.layers[0].state["variance"], x.var(0).astype("f")
    )


def test_a_fitted_scaler_saved_inside_a_model(tmp_path: Path) -> None:
    x = RNG.normal(2.0, 3.0, size=(30, 2))
    y = x @ [[1.0], [-2.0]]
    scaler = axon.layers.Normalization(mean=x.mean(0), variance=x.var(0))
    model = axon.Sequential([scaler, axon.layers.Dense(1)])
    model.build((2,))
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.axon")
    loaded = axon.models.load_model(tmp_path / "m.axon")
    assert loaded.layers[0].get_config() == scaler.get_config()
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )


def test_config_round_trips_through_json() -> None:
    layer = axon.layers.Normalization(axis=None, mean=2.0, variance=3.0, invert=True)
    twin = axon.layers.Normalization.from_config(layer.get_config())
    assert twin.get_config() == layer.get_config()
    np.testing.assert_array_equal(twin(np.ones((2, 2))), layer(np.ones((2, 2))))


@pytest.mark.parametrize(
    ("factory", "error", "message"),
    [
        (lambda: axon.layers.Normalization(mean=1.0), ValueError, "both mean and"),
        (
            lambda: axon.layers.Normalization(mean=[1.0, 2.0], variance=[1.0]),
            ValueError,
            "same shape",
        ),
        (
            lambda: axon.layers.Normalization(mean=[[1.0]], variance=[[1.0]]),
            ValueError,
            "at most 1 axes",
        ),
        (
            lambda: axon.layers.Normalization(mean=0.0, variance=-1.0),
            ValueError,
            "variance=-1.0",
        ),
        (
            lambda: axon.layers.Normalization(mean="a", variance=1.0),
            ValueError,
            "mean='a'",
        ),
        (
            lambda: axon.layers.Normalization(mean=np.nan, variance=1.0),
            ValueError,
            "mean=nan",
        ),
        (lambda: axon.layers.Normalization(axis=1.5), TypeError, "axis=1.5"),
        (lambda: axon.layers.Normalization(invert="yes"), TypeError, "invert='yes'"),
    ],
)
def test_bad_arguments_are_named(factory: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        factory()


@pytest.mark.parametrize(
    ("axis", "message"), [(0, "batch axis"), (-3, "batch axis"), (3, r"\[-3, 3\)")]
)
def test_axes_are_checked_when_the_layer_builds(axis: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        axon.layers.Normalization(axis=axis).adapt(np.ones((4, 2, 3)))


def test_broadcast_failure_names_the_shapes() -> None:
    layer = axon.layers.Normalization(mean=[1.0, 2.0], variance=[1.0, 1.0])
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\)"):
        layer(np.ones((2, 3)))


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ([], ValueError, "at least one sample"),
        (np.ones((0, 3)), ValueError, "at least one sample"),
        (np.ones(3), ValueError, r"shape \(3,\).*reshape"),
        (np.array(2.0), ValueError, r"shape \(1,\).*reshape"),
        ("abc", TypeError, "data of type str"),
        (5, TypeError, "data of type int"),
        ([np.array([["a", "b"]])], TypeError, "dtype <U1"),
        ([[[1.0], [1.0, 2.0]]], TypeError, "ragged"),
        (np.array([[1.0, np.nan]]), ValueError, "NaN"),
    ],
)
def test_bad_adapt_data_is_named(data: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        axon.layers.Normalization().adapt(data)


def test_adapt_refuses_batches_that_do_not_match_the_built_layer() -> None:
    layer = axon.layers.Normalization()
    layer.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"shape \(4, 2\)"):
        layer.adapt(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"shape \(2, 3, 1\)"):
        layer.adapt([np.ones((2, 3, 1))])
    # Only the kept axes must match: a (batch, seq, features) layer adapts on
    # sequences of another length, as in Keras.
    seq = axon.layers.Normalization()
    seq.adapt(np.ones((2, 5, 3)))
    seq.adapt(RNG.normal(size=(2, 7, 3)))
    assert seq.state["mean"].shape == (3,)


# -- LayerNormalization -------------------------------------------------------------------
def test_layer_normalization_standardises_each_sample_alone() -> None:
    x = RNG.normal(size=(6, 8)) * np.arange(1, 7)[:, None] + np.arange(6)[:, None]
    layer = axon.layers.LayerNormalization(epsilon=1e-6)
    y = layer(x)
    np.testing.assert_allclose(y.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=1), 1, rtol=1e-4)
    # Per sample: the first row alone gives the same result; training changes nothing.
    np.testing.assert_allclose(layer(x[:1]), y[:1], rtol=1e-6)
    np.testing.assert_array_equal(layer(x, training=True), y)
    assert layer.weight_order == ["gamma", "beta"] and not layer.state


def test_layer_normalization_adds_epsilon_to_the_variance() -> None:
    x = np.array([[1.0, 3.0]])  # mean 2, variance 1
    y = axon.layers.LayerNormalization(epsilon=0.25)(x)
    np.testing.assert_allclose(y, [[-1 / np.sqrt(1.25), 1 / np.sqrt(1.25)]], rtol=1e-6)


def test_layer_normalization_scales_and_shifts() -> None:
    layer = axon.layers.LayerNormalization()
    layer.ensure_built((2,))
    layer.set_weights([np.array([2.0, 3.0]), np.array([10.0, -1.0])])
    y = layer(np.array([[1.0, 3.0]]))
    s = 1 / np.sqrt(1 + 1e-3)
    np.testing.assert_allclose(y, [[10 - 2 * s, -1 + 3 * s]], rtol=1e-6)


@pytest.mark.parametrize(
    ("axis", "gamma_shape", "reduce"),
    [(-1, (5,), (2,)), (2, (5,), (2,)), ([1, 2], (4, 5), (1, 2)), (1, (4,), (1,))],
)
def test_layer_normalization_axes(axis: Any, gamma_shape: Any, reduce: Any) -> None:
    x = RNG.normal(size=(3, 4, 5)) * 4 + 2
    layer = axon.layers.LayerNormalization(axis=axis, epsilon=1e-6)
    y = layer(x)
    assert layer.params["gamma"].shape == gamma_shape == layer.params["beta"].shape
    np.testing.assert_allclose(y.mean(axis=reduce), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=reduce), 1, rtol=1e-4)
    assert layer.get_config()["axis"] == axis


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize(
    "kwargs",
    [{"axis": [1, 2]}, {"axis": 1}, {"center": False}, {"scale": False}],
)
def test_layer_normalization_gradient_check_on_every_path(kwargs: Any) -> None:
    layer = axon.layers.LayerNormalization(
        **kwargs,
        gamma_initializer={"name": "random_uniform", "minval": 0.5, "maxval": 2},
    )
    errors = check_layer_gradients(layer, RNG.normal(size=(3, 4, 5)))
    assert max(errors.values()) < 1e-7, errors
    layer.needs_input_gradient = False
    layer.forward(RNG.normal(size=(3, 4, 5)))
    assert layer.backward(np.ones((3, 4, 5))) is None


def test_layer_normalization_without_center_and_scale_has_no_weights() -> None:
    layer = axon.layers.LayerNormalization(center=False, scale=False)
    y = layer(np.array([[1.0, 3.0]]))
    assert layer.count_params() == 0
    np.testing.assert_allclose(np.abs(y), 1 / np.sqrt(1.001), rtol=1e-6)


def test_layer_normalization_in_a_model_trains_saves_and_loads(tmp_path: Path) -> None:
    x = RNG.normal(size=(32, 6))
    y = x[:, :1] * 2
    model = axon.Sequential(
        [
            axon.layers.Dense(8, activation="tanh"),
            axon.layers.Reshape((2, 4)),
            axon.layers.LayerNormalization(),
            axon.layers.Flatten(),
            axon.layers.Dense(1),
        ]
    )
    model.build((6,))
    model.compile(optimizer=axon.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not np.array_equal(model.layers[2].params["gamma"], np.ones((4,)))
    model.save(tmp_path / "ln.axon")
    loaded = axon.models.load_model(tmp_path / "ln.axon")
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )


@pytest.mark.parametrize(
    ("factory", "error", "message"),
    [
        (lambda: axon.layers.LayerNormalization(axis=None), TypeError, "axis=None"),
        (lambda: axon.layers.LayerNormalization(axis=[]), TypeError, r"axis=\[\]"),
        (lambda: axon.layers.LayerNormalization(axis="1"), TypeError, "axis='1'"),
        (lambda: axon.layers.LayerNormalization(epsilon=0), ValueError, "epsilon=0"),
        (lambda: axon.layers.LayerNormalization(epsilon=True), ValueError, "epsilon"),
        (
            lambda: axon.layers.LayerNormalization(gamma_initializer="one"),
            ValueError,
            "ones",
        ),
    ],
)
def test_layer_normalization_bad_arguments(
    factory: Any, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        factory()


@pytest.mark.parametrize(("axis", "message"), [(0, "batch axis"), (3, r"\[-3, 3\)")])
def test_layer_normalization_axes_are_checked_on_build(axis: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        axon.layers.LayerNormalization(axis=axis)(np.ones((2, 3, 4)))
