"""sample_weight and class_weight in fit, evaluate and the *_on_batch methods."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import axon


def model(loss: Any = "sparse_categorical_crossentropy", width: int = 3) -> Any:
    axon.utils.set_random_seed(1)  # the same initial weights and shuffles each time
    net = axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.Dense(5, activation="tanh"),
            axon.layers.Dense(width, activation="softmax"),
        ]
    )
    net.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return net


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    return x, rng.integers(0, 3, len(x))


def test_zero_weights_mask_samples_even_when_shuffled() -> None:
    x, y = data()
    w = np.ones(len(x), dtype=np.float32)
    w[::3] = 0.0
    corrupted = y.copy()
    corrupted[::3] = (y[::3] + 1) % 3  # masked rows: their targets must not matter
    a, b = model(), model()
    ha = a.fit(x, y, sample_weight=w, batch_size=7, epochs=3, verbose=0)
    hb = b.fit(x, corrupted, sample_weight=w, batch_size=7, epochs=3, verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_weighted_loss_divides_by_the_batch_size_not_the_weights() -> None:
    x, y = data()
    w = np.linspace(0, 2, len(x)).astype(np.float32)
    net = model()
    probs = net.predict(x, verbose=0)
    per_sample = -np.log(probs[np.arange(len(x)), y])
    expected = float((per_sample * w).sum() / len(x))
    assert net.evaluate(x, y, sample_weight=w, verbose=0)[0] == pytest.approx(
        expected, rel=1e-5
    )
    assert net.test_on_batch(x, y, sample_weight=w)[0] == pytest.approx(
        expected, rel=1e-5
    )
    net.compile(
        "adam",
        axon.losses.SparseCategoricalCrossentropy(reduction="mean_with_sample_weight"),
    )
    # one batch: the weighted mean is per batch, batches are averaged by their size
    assert net.evaluate(
        x, y, batch_size=40, sample_weight=w, verbose=0
    ) == pytest.approx(float((per_sample * w).sum() / w.sum()), rel=1e-5)


def test_class_weight_is_the_per_sample_weight_of_each_class() -> None:
    x, y = data()
    class_weight = {0: 0.5, 1: 2.0, 2: 1.0}
    w = np.array([class_weight[int(c)] for c in y], dtype=np.float32)
    a, b = model(), model()
    onehot = np.eye(3, dtype=np.float32)[y]
    b.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    ha = a.fit(x, y, sample_weight=w, batch_size=8, epochs=2, verbose=0)
    hb = b.fit(x, onehot, class_weight=class_weight, batch_size=8, epochs=2, verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-5)
    c = model()
    first = c.train_on_batch(x, y, class_weight=class_weight)
    assert first == pytest.approx(model().train_on_batch(x, y, sample_weight=w))


def test_validation_weights_and_split() -> None:
    x, y = data()
    w = np.ones(len(x), dtype=np.float32)
    w[30:] = 0.0  # the validation rows of validation_split=0.25
    history = model().fit(
        x, y, sample_weight=w, validation_split=0.25, epochs=1, verbose=0
    )
    assert history.history["val_loss"] == [0.0]
    history = model().fit(
        x, y, validation_data=(x, y, np.zeros(len(x))), epochs=1, verbose=0
    )
    assert history.history["val_loss"] == [0.0]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"class_weight": {0: 1.0, 2: 1.0}}, ValueError, "class 1 has none"),
        ({"class_weight": [1.0, 2.0, 3.0]}, TypeError, "class_weight="),
        ({"sample_weight": np.ones(3)}, ValueError, r"sample_weight of shape \(3,\)"),
        ({"sample_weight": [np.nan] * 40}, ValueError, "finite"),
        ({"sample_weight": ["a"] * 40}, TypeError, "sample_weight"),
        (
            {"sample_weight": np.ones(40), "class_weight": {0: 1, 1: 1, 2: 1}},
            ValueError,
            "not both",
        ),
    ],
)
def test_bad_weights_are_named(kwargs: Any, error: type, message: str) -> None:
    x, y = data()
    with pytest.raises(error, match=message):
        model().fit(x, y, verbose=0, **kwargs)


def test_class_weights_on_a_model_with_several_outputs_are_refused() -> None:
    inputs = axon.Input((4,))
    net = axon.Model(
        inputs,
        [
            axon.layers.Dense(1, name="a")(inputs),
            axon.layers.Dense(1, name="b")(inputs),
        ],
    )
    net.compile("sgd", loss="mse")
    x, _ = data()
    with pytest.raises(ValueError, match="only supported for a model with one output"):
        net.fit(x, [np.zeros(40), np.zeros(40)], class_weight={0: 1.0}, verbose=0)


def test_pandas_frames_series_and_weights() -> None:
    pd = pytest.importorskip("pandas")
    x, y = data()
    frame, labels = pd.DataFrame(x, columns=list("abcd")), pd.Series(y)
    w = pd.Series(np.linspace(0, 1, len(x)))
    a, b = model(), model()
    ha = a.fit(frame, labels, sample_weight=w, epochs=2, shuffle=False, verbose=0)
    hb = b.fit(x, y, sample_weight=w.to_numpy(), epochs=2, shuffle=False, verbose=0)
    assert ha.history == hb.history
    logs = a.evaluate(frame, labels, sample_weight=w, verbose=0, return_dict=True)
    assert list(logs) == a.metrics_names == ["loss", "accuracy"]


def test_validation_freq_validates_every_nth_epoch_as_keras() -> None:
    x, y = data()
    history = model().fit(
        x, y, validation_split=0.25, validation_freq=2, epochs=5, verbose=0
    )
    assert len(history.history["loss"]) == 5
    assert len(history.history["val_loss"]) == 2  # after epochs 2 and 4
    seen: list[int] = []
    record = axon.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(epoch) if "val_loss" in logs else 0
    )
    model().fit(
        x,
        y,
        validation_data=(x, y),
        validation_freq=[1, 3],
        epochs=4,
        verbose=0,
        callbacks=[record],
    )
    assert seen == [0, 2]
    for bad in (0, 1.5, "2", [1, "3"], True):
        with pytest.raises(ValueError, match="validation_freq="):
            model().fit(x, y, validation_freq=bad, verbose=0)
