from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import axon
from axon.regularizers import REGULARIZERS
from axon.testing import check_regularizer_gradient, numerical_gradient, relative_error

RNG = np.random.default_rng(0)
CLASSES = sorted(
    {REGULARIZERS.lookup(n) for n in REGULARIZERS.names()}, key=lambda c: c.__name__
)


def _instances(cls: type[axon.regularizers.Regularizer]) -> list[Any]:
    """The class with every factor set to a non-zero value, in each of its modes."""
    config = {
        k: 0.3 if isinstance(v, float) else v for k, v in cls().get_config().items()
    }
    instances = [cls(**config)]
    if "mode" in config:
        instances.append(cls(**{**config, "mode": "columns"}))
    return instances


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_registered_regularizer_passes_the_gradient_check(
    cls: type[axon.regularizers.Regularizer],
) -> None:
    for regularizer in _instances(cls):
        for shape in [(5, 3), (3, 5)]:
            w = RNG.normal(size=shape)
            assert regularizer(w) > 0
            error = check_regularizer_gradient(regularizer, w)
            assert error < 1e-7, (regularizer, shape)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_regularizer_round_trips_through_serialize(
    cls: type[axon.regularizers.Regularizer],
) -> None:
    for regularizer in _instances(cls):
        again = axon.regularizers.get(axon.regularizers.serialize(regularizer))
        assert type(again) is cls and again.get_config() == regularizer.get_config()
        keras_form = {"class_name": cls.__name__, "config": regularizer.get_config()}
        assert axon.regularizers.get(keras_form).get_config() == (
            regularizer.get_config()
        )


def test_penalties_match_hand_computation() -> None:
    w = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert axon.regularizers.L1(0.1)(w) == pytest.approx(0.1 * 3.5)
    assert axon.regularizers.L2(0.1)(w) == pytest.approx(0.1 * 5.25)
    assert axon.regularizers.L1L2(0.1, 0.2)(w) == pytest.approx(0.35 + 0.2 * 5.25)
    np.testing.assert_allclose(
        axon.regularizers.L1L2(0.1, 0.2).gradient(w), 0.1 * np.sign(w) + 0.4 * w
    )
    # Rows (1, 0), (1, 1)/sqrt(2), (0, 1): |cosines| 1/sqrt(2), 0, 1/sqrt(2) over 3 pairs.
    rows = np.array([[2.0, 0.0], [1.0, 1.0], [0.0, 3.0]])
    expected = 0.01 * 0.5 * (2 * 2 / np.sqrt(2)) / 3
    assert axon.regularizers.OrthogonalRegularizer()(rows) == pytest.approx(expected)
    columns = axon.regularizers.OrthogonalRegularizer(mode="columns")
    assert columns(rows.T) == pytest.approx(expected)


def test_keras_defaults_and_names() -> None:
    assert axon.regularizers.get("l1").get_config() == {"l1": 0.01}
    assert axon.regularizers.get("L2").get_config() == {"l2": 0.01}
    # Keras 3: the string "l1l2" and the class L1L2 (= l1_l2) default to zero factors.
    assert axon.regularizers.get("l1l2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert axon.regularizers.l1_l2 is axon.regularizers.L1L2
    assert axon.regularizers.l1(0.2).get_config() == {"l1": 0.2}
    orthogonal = axon.regularizers.get("orthogonal_regularizer")
    assert orthogonal.get_config() == {"factor": 0.01, "mode": "rows"}
    assert axon.regularizers.get(None) is None
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l1_l2'.*l1l2"):
        axon.regularizers.get("l1_l2")


def test_bad_arguments_are_explained() -> None:
    with pytest.raises(ValueError, match=r"non-negative float\. Received: l1=-1"):
        axon.regularizers.L1(-1)
    with pytest.raises(ValueError, match=r"Received: l2=nan"):
        axon.regularizers.L1L2(l2=float("nan"))
    with pytest.raises(ValueError, match=r"Received: factor='big'"):
        axon.regularizers.OrthogonalRegularizer(factor="big")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"'rows' or 'columns'\. Received: mode='diag'"
    ):
        axon.regularizers.OrthogonalRegularizer(mode="diag")
    with pytest.raises(ValueError, match=r"2-D weight\. Received: .* shape \(3,\)"):
        axon.regularizers.OrthogonalRegularizer()(np.ones(3))
    with pytest.raises(TypeError, match=r"Regularizer instance .* or None"):
        axon.regularizers.get(lambda w: 0.0)


def test_an_orthogonal_penalty_needs_two_rows() -> None:
    regularizer = axon.regularizers.OrthogonalRegularizer()
    assert regularizer(np.ones((1, 4))) == 0.0
    np.testing.assert_array_equal(regularizer.gradient(np.ones((1, 4))), 0.0)


def test_dense_takes_regularizers_as_strings_dicts_or_instances() -> None:
    layer = axon.layers.Dense(
        3,
        kernel_regularizer="l2",
        bias_regularizer={"class_name": "L1", "config": {"l1": 0.5}},
        activity_regularizer=axon.regularizers.L1L2(0.1, 0.2),
    )
    config = layer.get_config()
    assert config["kernel_regularizer"] == {"name": "l2", "l2": 0.01}
    assert config["bias_regularizer"] == {"name": "l1", "l1": 0.5}
    assert config["activity_regularizer"] == {"name": "l1l2", "l1": 0.1, "l2": 0.2}
    twin = axon.layers.Dense.from_config(config)
    assert twin.get_config() == config
    assert axon.layers.Dense(3).get_config()["kernel_regularizer"] is None
    with pytest.raises(ValueError, match="Unknown regularizer: 'l3'"):
        axon.layers.Dense(3, kernel_regularizer="l3")


def _model(**regularizers: Any) -> axon.Sequential:
    # Non-zero biases, so that a bias penalty has a gradient.
    bias = axon.initializers.RandomNormal(stddev=0.5)
    model = axon.Sequential(
        [
            axon.layers.Dense(
                4, "tanh", bias_initializer=bias, input_shape=(3,), **regularizers
            ),
            axon.layers.Dense(3, "softmax", bias_initializer=bias, **regularizers),
        ]
    )
    model.compile(optimizer=axon.optimizers.SGD(1.0), loss="categorical_crossentropy")
    return model


REGULARIZED = {
    "kernel_regularizer": axon.regularizers.L1L2(0.01, 0.02),
    "bias_regularizer": axon.regularizers.L2(0.03),
    "activity_regularizer": axon.regularizers.L1L2(0.05, 0.04),
}


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("which", [*REGULARIZED, "all"])
def test_the_training_gradient_includes_every_penalty(which: str) -> None:
    """One SGD step of rate 1 moves the weights by the gradient of the reported loss.

    The output layer is softmax + cross-entropy, fused: its activity penalty's
    gradient goes through the softmax there.
    """
    chosen = REGULARIZED if which == "all" else {which: REGULARIZED[which]}
    model = _model(**chosen)
    x, y = RNG.normal(size=(6, 3)), np.eye(3)[RNG.integers(0, 3, 6)]
    numeric = numerical_gradient(
        lambda: float(model.evaluate(x, y, batch_size=6, verbose=0)),  # type: ignore[arg-type]
        model.parameters,
    )
    before = model.parameters.copy()
    model.train_on_batch(x, y)
    assert relative_error(before - model.parameters, numeric) < 1e-7


def test_model_losses_lists_activity_then_weight_penalties() -> None:
    model = _model(**REGULARIZED)
    kernels = [layer.params["kernel"] for layer in model.layers]
    biases = [layer.params["bias"] for layer in model.layers]
    weight_penalties = []
    for kernel, bias in zip(kernels, biases, strict=True):
        weight_penalties += [REGULARIZED["kernel_regularizer"](kernel)]
        weight_penalties += [REGULARIZED["bias_regularizer"](bias)]
    assert model.losses == pytest.approx(weight_penalties)  # nothing has run forward
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    hidden = model.layers[0](x)
    output = model.predict(x, verbose=0)
    activity = [REGULARIZED["activity_regularizer"](a) / 5 for a in (hidden, output)]
    assert model.losses == pytest.approx(activity + weight_penalties, rel=1e-5)
    assert all(isinstance(value, float) for value in model.losses)


def test_fit_and_evaluate_report_the_loss_plus_the_penalties() -> None:
    x = RNG.normal(size=(10, 3)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 10)]
    model = _model(**REGULARIZED)
    # A learning rate of ~0 keeps the weights, so the epoch's loss can be recomputed.
    model.compile(optimizer=axon.optimizers.SGD(1e-12), loss="categorical_crossentropy")
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    plain = axon.losses.categorical_crossentropy(y, model.predict(x, verbose=0))
    expected = plain.mean() + sum(model.losses)  # activity: the last pass, all 10 rows
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-5)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)
    assert sum(model.losses) > 0.01 * plain.mean()  # the penalties are not negligible


def test_a_frozen_layer_has_no_weight_penalty() -> None:
    model = _model(kernel_regularizer="l2")
    model.layers[0].trainable = False
    assert len(model.losses) == 1
