"""Generators and PyDatasets in fit, evaluate and predict."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import axon


def model() -> Any:
    axon.utils.set_random_seed(2)
    net = axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.Dense(5, activation="tanh"),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    net.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return net


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    return x, rng.integers(0, 3, len(x))


class Batches(axon.utils.PyDataset):
    def __init__(self, x: np.ndarray, y: np.ndarray, size: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.x, self.y, self.size, self.epochs_ended = x, y, size, 0

    def __len__(self) -> int:
        return -(-len(self.x) // self.size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = slice(index * self.size, (index + 1) * self.size)
        return self.x[rows], self.y[rows]

    def on_epoch_end(self) -> None:
        self.epochs_ended += 1


def forever(x: np.ndarray, y: np.ndarray, size: int) -> Iterator[Any]:
    while True:
        for start in range(0, len(x), size):
            yield x[start : start + size], y[start : start + size]


def test_pydataset_and_generator_train_as_the_same_arrays() -> None:
    x, y = data()
    reference = model().fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    dataset = Batches(x, y, 8)
    from_dataset = model().fit(dataset, epochs=3, shuffle=False, verbose=0)
    from_generator = model().fit(
        forever(x, y, 8), steps_per_epoch=5, epochs=3, verbose=0
    )
    for history in (from_dataset, from_generator):
        for key, values in reference.history.items():
            np.testing.assert_allclose(history.history[key], values, rtol=1e-6)
    assert dataset.epochs_ended == 3
    # shuffle=True (the default) reads the batches in a new order each epoch, as Keras
    read: list[int] = []

    class Recording(Batches):
        def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
            read.append(index)
            return super().__getitem__(index)

    model().fit(Recording(x, y, 8), epochs=2, verbose=0)
    assert sorted(read[:5]) == sorted(read[5:]) == [0, 1, 2, 3, 4]
    assert read[:5] != read[5:] or read[:5] != [0, 1, 2, 3, 4]
    assert axon.utils.Sequence is axon.utils.PyDataset


def test_streams_in_validation_evaluate_and_predict() -> None:
    x, y = data()
    net = model()
    history = net.fit(
        Batches(x, y, 8),
        validation_data=forever(x, y, 10),
        validation_steps=4,
        epochs=2,
        verbose=0,
    )
    expected = net.evaluate(x, y, verbose=0, return_dict=True)
    assert history.history["val_loss"][-1] == pytest.approx(expected["loss"], rel=1e-6)
    got = net.evaluate(forever(x, y, 16), steps=3, verbose=0, return_dict=True)
    # batches of 16, 16 and 8 (the generator's cycle ends there): the 40 rows once
    assert got == pytest.approx(expected, rel=1e-6)
    assert net.evaluate(Batches(x, y, 7), verbose=0) == pytest.approx(
        net.evaluate(x, y, verbose=0), rel=1e-6
    )
    np.testing.assert_allclose(
        net.predict(forever(x, y, 16), steps=2, verbose=0),
        net.predict(x[:32], verbose=0),
    )
    np.testing.assert_allclose(
        net.predict(Batches(x, y, 16), verbose=0), net.predict(x, verbose=0)
    )


def test_sample_weights_from_a_stream() -> None:
    x, y = data()
    w = np.linspace(0, 1, len(x)).astype(np.float32)

    def weighted() -> Iterator[Any]:
        while True:
            for start in range(0, 40, 8):
                rows = slice(start, start + 8)
                yield x[rows], y[rows], w[rows]

    a = model().fit(weighted(), steps_per_epoch=5, epochs=2, verbose=0)
    b = model().fit(
        x, y, sample_weight=w, batch_size=8, epochs=2, shuffle=False, verbose=0
    )
    np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=1e-6)
    c = model().fit(
        forever(x, y, 8),
        steps_per_epoch=5,
        class_weight={0: 1, 1: 2, 2: 0.5},
        verbose=0,
    )
    d = model().fit(
        x, y, batch_size=8, shuffle=False, class_weight={0: 1, 1: 2, 2: 0.5}, verbose=0
    )
    assert c.history["loss"] == pytest.approx(d.history["loss"], rel=1e-6)


def test_bad_streams_are_named() -> None:
    x, y = data()

    def widening() -> Iterator[Any]:
        yield x[:8], y[:8]
        yield x[8:16], y[8:16]
        yield np.hstack([x[16:24], x[16:24]]), y[16:24]

    with pytest.raises(ValueError, match=r"batch 2 with 8 column"):
        model().fit(widening(), steps_per_epoch=3, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch=None"):
        model().fit(forever(x, y, 8), verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch=0"):
        model().fit(forever(x, y, 8), steps_per_epoch=0, verbose=0)
    with pytest.raises(ValueError, match=r"validation_split=0\.2"):
        model().fit(Batches(x, y, 8), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="Expected batch 0 as"):
        model().fit(iter([{"x": x}]), steps_per_epoch=1, verbose=0)
    with pytest.warns(UserWarning, match="ran out of data at batch 2"):
        model().fit(iter([(x[:8], y[:8])] * 2), steps_per_epoch=4, verbose=0)
