"""Models with several outputs: a loss per output, loss_weights, targets and metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon import layers
from axon.testing import numerical_gradient, relative_error

RNG = np.random.default_rng(0)
N = 12


def three_outputs(dict_outputs: bool = False) -> axon.Model:
    """A regression head whose output also feeds a classifier, and a binary head."""
    inputs = axon.Input((4,), name="x")
    hidden = layers.Dense(5, activation="tanh", name="hidden")(inputs)
    value = layers.Dense(2, name="value")(hidden)
    kind = layers.Dense(3, activation="softmax", name="kind")(
        layers.concatenate([hidden, value])
    )
    flag = layers.Dense(1, activation="sigmoid", name="flag")(hidden)
    outputs = (
        {"v": value, "k": kind, "f": flag} if dict_outputs else [value, kind, flag]
    )
    return axon.Model(inputs, outputs)


def targets() -> dict[str, np.ndarray]:
    return {
        "value": RNG.normal(size=(N, 2)),
        "kind": RNG.integers(0, 3, N),
        "flag": RNG.integers(0, 2, (N, 1)).astype(float),
    }


X = RNG.normal(size=(N, 4))
Y = targets()
LOSSES = {
    "value": "mse",
    "kind": "sparse_categorical_crossentropy",
    "flag": "binary_crossentropy",
}


@pytest.mark.usefixtures("float64")
def test_the_weighted_sum_of_the_losses_passes_the_gradient_check() -> None:
    model = three_outputs()
    model.compile(
        optimizer="sgd", loss=LOSSES, loss_weights={"value": 0.3, "kind": 2.0}
    )
    xs, ys = model._prepare(X, [Y["value"], Y["kind"], Y["flag"]], "the check")
    heads = model.loss.heads  # type: ignore[union-attr]
    assert [h._path for h in heads] == ["plain", "fused", "fused"]

    def objective() -> float:
        value: float = model._loss_value(ys, model.forward(xs, training=True))
        return value

    out = model.forward(xs, training=True)
    total, grads, at_logits = model._loss_and_gradient(ys, out)
    model.backward(grads, from_logits=at_logits)
    analytic = model.gradients.copy()
    error = relative_error(analytic, numerical_gradient(objective, model.parameters))
    assert error < 1e-7, error
    losses = model.loss.values  # type: ignore[union-attr]
    assert total == pytest.approx(0.3 * losses[0] + 2.0 * losses[1] + losses[2])


def test_fit_logs_each_outputs_loss_and_metrics_in_keras_order() -> None:
    model = three_outputs()
    model.compile(
        optimizer=axon.optimizers.Adam(0.01),
        loss=list(LOSSES.values()),
        loss_weights=[1.0, 0.5, 1.0],
        metrics=[["mae"], ["accuracy"], []],
    )
    y = [Y["value"], Y["kind"], Y["flag"]]
    history = model.fit(X, y, epochs=3, batch_size=4, verbose=0).history
    names = [
        "loss",
        "value_loss",
        "kind_loss",
        "flag_loss",
        "value_mae",
        "kind_accuracy",
    ]
    assert list(history) == names and model.metrics_names == names
    assert history["loss"][-1] < history["loss"][0]
    logs = model.evaluate(X, dict(zip(LOSSES, y, strict=True)), return_dict=True)
    assert list(logs) == names  # type: ignore[arg-type]
    assert logs["loss"] == pytest.approx(  # type: ignore[index]
        logs["value_loss"] + 0.5 * logs["kind_loss"] + logs["flag_loss"]  # type: ignore[index]
    )
    predictions = model.predict(X, verbose=0)
    assert [p.shape for p in predictions] == [(N, 2), (N, 3), (N, 1)]


def test_dict_outputs_are_named_by_their_keys_and_one_loss_serves_all() -> None:
    model = three_outputs(dict_outputs=True)
    model.compile(optimizer="sgd", loss="mse")
    y = {"v": Y["value"], "k": np.eye(3)[Y["kind"]], "f": Y["flag"]}
    history = model.fit(X, y, verbose=0).history
    assert list(history) == ["loss", "v_loss", "k_loss", "f_loss"]
    assert sorted(model.predict(X, verbose=0)) == ["f", "k", "v"]


def test_an_output_without_a_loss_is_not_trained() -> None:
    model = three_outputs()
    model.compile(optimizer="sgd", loss={"value": "mse", "kind": None, "flag": None})
    kind = model.get_layer("kind")
    before = kind.get_weights()
    history = model.fit(X, [Y["value"], None, None], epochs=2, verbose=0).history
    assert list(history) == ["loss", "value_loss"]
    for a, b in zip(before, kind.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # no gradient reached it


def test_a_model_with_several_outputs_saves_its_losses_and_trains_on(
    tmp_path: Path,
) -> None:
    model = three_outputs()
    model.compile(
        optimizer="adam",
        loss=list(LOSSES.values()),
        loss_weights=[1.0, 0.5, 2.0],
        metrics={"kind": "accuracy"},
    )
    y = [Y["value"], Y["kind"], Y["flag"]]
    model.fit(X, y, epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "model.axon")
    loaded = axon.models.load_model(tmp_path / "model.axon")
    assert loaded.metrics_names == model.metrics_names
    after = [m.fit(X, y, batch_size=4, verbose=0).history for m in (model, loaded)]
    assert after[0] == after[1]


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"loss": ["mse", "mse"]}, ValueError, r"a list of 3, one per output"),
        ({"loss": {"value": "mse"}}, ValueError, r"no loss for \['kind', 'flag'\]"),
        ({"loss": {"values": "mse"}}, ValueError, r"keyed by the output names"),
        ({"loss": "mse", "metrics": ["mae"]}, ValueError, "a list per output"),
        ({"loss": "mse", "loss_weights": [1, 2, "x"]}, ValueError, "loss_weights"),
    ],
)
def test_compile_arguments_that_do_not_fit_the_outputs(
    arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        three_outputs().compile(optimizer="sgd", **arguments)


def test_targets_that_do_not_fit_the_outputs_are_explained() -> None:
    model = three_outputs()
    model.compile(optimizer="sgd", loss=LOSSES)
    with pytest.raises(TypeError, match=r"3 outputs \['value', 'kind', 'flag'\]"):
        model.fit(X, Y["value"], verbose=0)
    with pytest.raises(ValueError, match=r"Missing data for output 'flag'"):
        model.fit(X, {"value": Y["value"], "kind": Y["kind"]}, verbose=0)
    with pytest.raises(ValueError, match=r"y\['kind'\]"):
        model.fit(X, {**Y, "kind": Y["kind"] + 5}, verbose=0)
    one_output = axon.Model(inputs := axon.Input((4,)), layers.Dense(1)(inputs))
    with pytest.raises(ValueError, match="loss_weights weigh the losses of several"):
        one_output.compile(optimizer="sgd", loss="mse", loss_weights=[2.0])


def test_compile_takes_its_arguments_in_keras_order() -> None:
    import inspect

    names = list(inspect.signature(axon.Sequential.compile).parameters)[1:6]
    assert names == ["optimizer", "loss", "loss_weights", "metrics", "weighted_metrics"]
    model = axon.Sequential([axon.Input((4,)), layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match=r"third argument is loss_weights.*metrics="):
        model.compile("sgd", "categorical_crossentropy", ["accuracy"])
