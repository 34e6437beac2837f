"""compile(weighted_metrics=...) and sample weights for several outputs (no Keras needed).

The numbers are compared with Keras 3 in tests/test_reference_keras_weighted.py; here:
who receives the weights, the names, and the errors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import axon
from axon import layers

RNG = np.random.default_rng(1)
X = RNG.normal(size=(30, 4)).astype("float32")
LABELS = RNG.integers(0, 3, 30)
Y = np.eye(3, dtype="float32")[LABELS]
V = RNG.normal(size=(30, 1)).astype("float32")


def two_outputs() -> axon.Model:
    inputs = axon.Input((4,))
    a = layers.Dense(3, activation="softmax", name="a")(inputs)
    return axon.Model(inputs, [a, layers.Dense(1, name="b")(inputs)])


def test_weighted_metrics_see_the_weights_and_metrics_do_not() -> None:
    model = axon.Sequential([layers.Dense(3, activation="softmax")])  # built by fit
    model.compile(
        optimizer="sgd",
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        weighted_metrics=["accuracy"],
    )
    mask = (np.arange(30) < 10).astype("float32")  # weight 0 masks the rest out
    logs = model.fit(X, Y, sample_weight=mask, epochs=1, verbose=0).history
    assert sorted(logs) == ["accuracy", "loss", "weighted_accuracy"]
    predicted = model.predict(X, verbose=0).argmax(axis=1) == LABELS
    result = model.evaluate(X, Y, sample_weight=mask, return_dict=True, verbose=0)
    assert result["accuracy"] == pytest.approx(predicted.mean())
    assert result["weighted_accuracy"] == pytest.approx(predicted[:10].mean())


def test_a_weighted_metric_alone_keeps_its_name_and_takes_class_weights() -> None:
    inputs = axon.Input((4,))
    model = axon.Model(inputs, layers.Dense(3, activation="softmax")(inputs))
    model.compile(optimizer="sgd", loss="categorical_crossentropy",
                  weighted_metrics=["accuracy"])  # fmt: skip
    only_class_0 = {0: 1.0, 1: 0.0, 2: 0.0}
    logs = model.train_on_batch(X, Y, class_weight=only_class_0, return_dict=True)
    assert list(logs) == ["loss", "accuracy"]
    # the step changed the weights: measure the prediction the metric saw before it
    model.compile(optimizer="sgd", loss="categorical_crossentropy",
                  weighted_metrics=["accuracy"])  # fmt: skip
    hit = model.predict(X, verbose=0).argmax(axis=1) == LABELS
    logs = model.test_on_batch(X, Y, sample_weight=LABELS == 0, return_dict=True)
    assert logs["accuracy"] == pytest.approx(hit[LABELS == 0].mean())


def test_each_output_takes_its_own_weights() -> None:
    model = two_outputs()
    model.compile(
        optimizer="sgd",
        loss=["categorical_crossentropy", "mse"],
        weighted_metrics={"b": ["mae"]},
    )
    error = np.abs(model.predict(X, verbose=0)[1] - V)[:, 0]
    ones, half = np.ones(30), (np.arange(30) < 15).astype("float32")
    for weights, expected in (
        ([ones, half], error[:15].mean()),
        ({"b": half}, error[:15].mean()),
        ([half, None], error.mean()),
        (half, error[:15].mean()),
    ):
        logs = model.evaluate(X, [Y, V], sample_weight=weights, return_dict=True,
                              verbose=0)  # fmt: skip
        assert logs["b_mae"] == pytest.approx(expected, rel=1e-5), weights
    plain = model.evaluate(X, [Y, V], return_dict=True, verbose=0)
    masked = model.evaluate(X, [Y, V], sample_weight=[half, ones], return_dict=True,
                            verbose=0)  # fmt: skip
    assert masked["b_loss"] == pytest.approx(plain["b_loss"], rel=1e-5)
    assert masked["a_loss"] != pytest.approx(plain["a_loss"], rel=1e-3)


def test_bad_weights_and_weighted_metrics_are_explained() -> None:
    model = two_outputs()
    model.compile(optimizer="sgd", loss=["categorical_crossentropy", "mse"])
    with pytest.raises(ValueError, match="class_weight is only supported"):
        model.fit(X, [Y, V], class_weight={0: 1.0, 1: 1.0, 2: 1.0}, verbose=0)
    with pytest.raises(ValueError, match=r"keyed by the output names \['a', 'b'\]"):
        model.fit(X, [Y, V], sample_weight={"c": np.ones(30)}, verbose=0)
    with pytest.raises(ValueError, match="a list of 2, one per output"):
        model.fit(X, [Y, V], sample_weight=[np.ones(30)] * 3, verbose=0)
    with pytest.raises(ValueError, match=r"sample_weight\['b'\] of shape \(30,\)"):
        model.fit(X, [Y, V], sample_weight=[np.ones(30), np.ones(29)], verbose=0)
    with pytest.raises(ValueError, match="weighted_metrics as a list with a list per"):
        model.compile(loss=["mse", "mse"], weighted_metrics=["mae"])
    with pytest.raises(TypeError, match="Received: weighted_metrics='mae'"):
        axon.Sequential([layers.Dense(1)]).compile(loss="mse", weighted_metrics="mae")


def test_weighted_metrics_survive_saving(tmp_path: Path) -> None:
    model = two_outputs()
    model.compile(
        optimizer="sgd",
        loss=["categorical_crossentropy", "mse"],
        metrics=[["accuracy"], []],
        weighted_metrics=[["accuracy"], ["mae"]],
    )
    expected = model.evaluate(X, [Y, V], sample_weight=[V[:, 0] ** 2, np.ones(30)],
                              return_dict=True, verbose=0)  # fmt: skip
    model.save(tmp_path / "m.axon")
    loaded = axon.models.load_model(tmp_path / "m.axon")
    logs = loaded.evaluate(X, [Y, V], sample_weight=[V[:, 0] ** 2, np.ones(30)],
                           return_dict=True, verbose=0)  # fmt: skip
    assert list(logs) == list(expected)
    np.testing.assert_allclose(list(logs.values()), list(expected.values()), rtol=1e-6)


def test_a_pydataset_gives_weights_per_output_as_arrays_do() -> None:
    w = RNG.uniform(0, 2, 30)

    class Batches(axon.utils.PyDataset):
        def __len__(self) -> int:
            return 3

        def __getitem__(self, i: int) -> tuple[np.ndarray, list[np.ndarray], list]:
            rows = slice(10 * i, 10 * i + 10)
            return X[rows], [Y[rows], V[rows]], [w[rows], None]

    histories = []
    first = two_outputs()
    second = axon.Model.from_config(first.get_config())
    second.set_weights(first.get_weights())
    for model, fed in (
        (first, {"x": X, "y": [Y, V], "sample_weight": [w, None]}),
        (second, {"x": Batches()}),
    ):
        model.compile(optimizer="sgd", loss=["categorical_crossentropy", "mse"],
                      weighted_metrics=[["accuracy"], []])  # fmt: skip
        validation = (X, [Y, V], [w, np.ones(30)]) if "y" in fed else Batches()
        history = model.fit(**fed, batch_size=10, epochs=2, shuffle=False, verbose=0,
                            validation_data=validation)  # fmt: skip
        histories.append(history.history)
    assert list(histories[1]) == list(histories[0])
    for key, values in histories[0].items():
        np.testing.assert_allclose(histories[1][key], values, rtol=1e-6, err_msg=key)
    streamed = second.evaluate(Batches(), return_dict=True, verbose=0)
    expected = second.evaluate(X, [Y, V], sample_weight=[w, None], return_dict=True,
                               verbose=0)  # fmt: skip
    assert list(streamed) == list(expected)
    np.testing.assert_allclose(list(streamed.values()), list(expected.values()))
