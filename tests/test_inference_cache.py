"""BatchNormalization's cached inference fold is never stale, and the unchecked paths.

The fold ``s = gamma / sqrt(var + eps)``, ``t = beta - mean s`` is cached per layer.
Every door through which weights change is tried in turn, each followed by a
``predict`` compared with the formula computed afresh from the layer's arrays.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.models import data, inference

RNG = np.random.default_rng(0)
X = RNG.normal(1.0, 2.0, size=(5, 4)).astype(np.float32)
Y = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 5)]


def bn_model() -> axon.Sequential:
    model = axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.BatchNormalization(),
            axon.layers.Dense(3),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    return model


def expected(model: axon.Sequential, x: np.ndarray) -> np.ndarray:
    """The inference formula from the layers' arrays as they are now, in float64."""
    bn, dense = model.layers
    w = {name: bn.weight(name).astype(np.float64) for name in bn.weight_order}
    x_hat = (x - w["moving_mean"]) / np.sqrt(w["moving_variance"] + bn.epsilon)
    y = w["gamma"] * x_hat + w["beta"]
    return y @ dense.params["kernel"] + dense.params["bias"]


def check(model: axon.Sequential) -> None:
    for x in (X, X[:1]):  # several rows, and the one-row fast path
        np.testing.assert_allclose(
            model.predict(x, verbose=0), expected(model, x), rtol=2e-5, atol=2e-5
        )
        np.testing.assert_allclose(
            model.predict_on_batch(x), expected(model, x), rtol=2e-5, atol=2e-5
        )


def doors(model: axon.Sequential, tmp_path: Path) -> list[tuple[str, Any]]:
    bn = model.layers[0]
    start, stop = model._layout[(id(bn), "gamma")]
    twin = bn_model()
    twin.set_weights([w * 1.5 + 0.25 for w in model.get_weights()])
    twin.save_weights(str(tmp_path / "twin.weights.axon"))
    return [
        (
            "fit: an optimizer step and the moving statistics",
            lambda: model.fit(X, Y, epochs=1, batch_size=5, verbose=0),
        ),
        (
            "model.set_weights",
            lambda: model.set_weights([w + 0.5 for w in model.get_weights()]),
        ),
        (
            "layer.set_weights",
            lambda: bn.set_weights([w * 2.0 for w in bn.get_weights()]),
        ),
        (
            "model.parameters in place",
            lambda: model.parameters.__setitem__(slice(start, stop), 3.0),
        ),
        ("gamma through its view", lambda: bn.params["gamma"].__imul__(-1.0)),
        ("beta through its view", lambda: bn.params["beta"].__iadd__(0.75)),
        ("moving_mean in place", lambda: bn.state["moving_mean"].__isub__(0.5)),
        (
            "one moving_variance value",
            lambda: bn.state["moving_variance"].__setitem__(2, 9.0),
        ),
        ("epsilon", lambda: setattr(bn, "epsilon", 0.5)),
        (
            "load_weights",
            lambda: model.load_weights(str(tmp_path / "twin.weights.axon")),
        ),
        ("train_on_batch", lambda: model.train_on_batch(X, Y)),
    ]


def test_the_fold_is_never_stale_whichever_door_the_weights_change_by(
    tmp_path: Path,
) -> None:
    model = bn_model()
    check(model)
    for name, change in doors(model, tmp_path):
        before = model.predict(X, verbose=0)  # the fold is cached now
        change()
        after = model.predict(X, verbose=0)
        assert not np.array_equal(before, after), name  # the door changed something
        check(model)


def test_the_fold_is_reused_while_the_weights_hold_still() -> None:
    model = bn_model()
    bn = model.layers[0]
    model.predict(X, verbose=0)
    fold = bn._fold
    model.predict(X[:1], verbose=0)
    model.evaluate(X, Y, verbose=0)
    assert bn._fold is fold
    bn.state["moving_variance"][0] += 1.0
    model.predict(X, verbose=0)
    assert bn._fold is not fold


def test_a_frozen_batch_normalization_runs_in_inference_mode_inside_fit() -> None:
    model = bn_model()
    bn = model.layers[0]
    bn.set_weights([RNG.uniform(0.5, 2.0, 4).astype(np.float32) for _ in range(4)])
    statistics = [w.copy() for w in bn.weights]
    bn.trainable = False
    frozen = bn.forward(X, training=True).copy()
    np.testing.assert_array_equal(frozen, bn.forward(X, training=False))
    model.fit(X, Y, epochs=3, batch_size=2, verbose=0)
    for before, after in zip(statistics, bn.weights, strict=True):
        np.testing.assert_array_equal(before, after)  # nor gamma and beta
    bn.trainable = True
    model.fit(X, Y, epochs=1, batch_size=5, verbose=0)
    assert not np.array_equal(statistics[2], bn.state["moving_mean"])


def test_the_frozen_layers_input_gradient_is_the_inference_one() -> None:
    axon.config.set_floatx("float64")
    try:
        layer = axon.layers.BatchNormalization(trainable=False)
        layer.ensure_built((4,), np.random.default_rng(1))
        layer.set_weights([RNG.uniform(0.5, 2.0, 4) for _ in range(4)])
        layer.forward(X.astype(np.float64), training=True)
        g = RNG.normal(size=X.shape)
        gamma, variance = layer.params["gamma"], layer.state["moving_variance"]
        np.testing.assert_allclose(
            layer.backward(g.copy()), g * gamma / np.sqrt(variance + 1e-3)
        )
    finally:
        axon.config.set_floatx("float32")


def test_predict_skips_its_checks_only_for_a_ready_finite_single_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = bn_model()
    checked = model.predict(X, verbose=0)
    calls: list[str] = []
    original = data.as_inputs
    monkeypatch.setattr(
        data, "as_inputs", lambda *a: calls.append("checked") or original(*a)
    )
    np.testing.assert_array_equal(model.predict(X, verbose=0), checked)
    assert calls == []
    for bad in (np.nan, np.inf, -np.inf):
        spoiled = X.copy()
        spoiled[2, 1] = bad
        with pytest.raises(ValueError, match="finite"):
            model.predict(spoiled, verbose=0)
    big = np.full((2, 4), 3e38, np.float32)  # finite; a float32 sum would overflow
    assert inference.one_batch(model, big, None, 0)
    big[1, 1] = np.inf
    assert not inference.one_batch(model, big, None, 0)
    with pytest.raises(ValueError, match="verbose"):
        model.predict(X, verbose=7)
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(X, batch_size=0, verbose=0)
    calls.clear()
    model.predict(X, batch_size=2, verbose=0)  # a ready array, in chunks
    assert calls == []
    model.predict(X.astype(np.float64), verbose=0)
    assert calls == ["checked"]
    assert not inference.one_batch(model, np.zeros((33, 4), np.float32), None, 0)
    assert not inference.one_batch(model, np.zeros((0, 4), np.float32), None, 0)


def functional_model(outputs: str) -> axon.Model:
    inputs = axon.Input((4,), name="x")
    hidden = axon.layers.BatchNormalization()(axon.layers.Dense(5)(inputs))
    a = axon.layers.Dense(3, activation="softmax", name="a")(hidden)
    b = axon.layers.Dense(1, name="b")(hidden)
    structure = {"one": a, "list": [a, b], "dict": {"a": a, "b": b}}[outputs]
    return axon.Model(inputs, structure)


@pytest.mark.parametrize("outputs", ["one", "list", "dict"])
def test_a_functional_predict_on_batch_skips_the_checks_for_a_ready_array(
    outputs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = functional_model(outputs)
    expected_ = model.predict(X, verbose=0)
    calls = [0]

    def count(frame: Any, event: str, arg: Any) -> None:
        calls[0] += event == "call"

    def python_calls(fn: Any) -> int:
        calls[0] = 0
        sys.setprofile(count)
        try:
            fn()
        finally:
            sys.setprofile(None)
        return calls[0]

    slow = python_calls(lambda: model.predict(X, verbose=0))
    assert python_calls(lambda: model.predict_on_batch(X)) < slow / 2

    def refuse(*args: Any) -> None:
        raise AssertionError("checked")

    monkeypatch.setattr(data, "as_inputs", refuse)
    result = model.predict_on_batch(X)
    assert type(result) is type(expected_)
    for got, want in zip(as_list(result), as_list(expected_), strict=True):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(AssertionError, match="checked"):  # a list is checked
        model.predict_on_batch(X.tolist())
    monkeypatch.undo()
    as_float64 = model.predict_on_batch(X.astype(np.float64))  # checked, cast
    for got, want in zip(as_list(as_float64), as_list(expected_), strict=True):
        np.testing.assert_array_equal(got, want)


def as_list(outputs: Any) -> list[np.ndarray]:
    if isinstance(outputs, dict):
        return list(outputs.values())
    return list(outputs) if isinstance(outputs, list) else [outputs]


def test_predict_in_chunks_matches_the_checked_path_and_names_a_bad_value() -> None:
    model = axon.Sequential(
        [
            axon.layers.Input((6,)),
            axon.layers.Dense(5, activation="relu"),
            axon.layers.BatchNormalization(),
            axon.layers.Dense(2, activation="softmax"),
        ]
    )
    x = np.random.default_rng(4).normal(size=(1000, 6)).astype(np.float32)
    for batch_size in (None, 7, 300, 5000):
        np.testing.assert_allclose(
            model.predict(x, batch_size=batch_size, verbose=0),
            model.predict(x.astype(np.float64), batch_size=batch_size, verbose=0),
            rtol=1e-6,
            atol=1e-7,
        )
    spoiled = x.copy()
    spoiled[700, 3] = np.nan  # in the third chunk
    with pytest.raises(
        ValueError,
        match=r"1 NaN or infinite value\(s\), the first at "
        r"index \(700, 3\)",
    ):
        model.predict(spoiled, verbose=0)
    with pytest.raises(TypeError, match="batch_size"):
        model.predict(x, batch_size="many", verbose=0)
