"""Sample and class weights against Keras 3 itself: the same weights, the same numbers.

Keras's initial weights are copied into axon; then ``fit`` with ``shuffle=False`` and
``sample_weight`` or ``class_weight`` gives the same loss and metrics at every epoch
(validation included), and ``evaluate`` with ``sample_weight`` the same values, to
1e-5 in float32. Skipped when Keras (with PyTorch) is absent.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import axon

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")
pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy:DeprecationWarning"
)

# (last activation, loss, width, metrics): the fused softmax path, logits, a regression.
CASES = [
    ("softmax", "sparse_categorical_crossentropy", 3, ["accuracy"]),
    ("softmax", "categorical_crossentropy", 3, ["accuracy"]),
    ("sigmoid", "binary_crossentropy", 1, ["accuracy", "auc"]),
    ("linear", "mse", 2, ["mae"]),
]


def build(k: Any, activation: str, width: int) -> Any:
    return k.Sequential(
        [
            k.Input((4,)),
            k.layers.Dense(6, activation="tanh"),
            k.layers.Dense(width, activation=activation),
        ]
    )


def data(loss: str, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(37, 4)).astype(np.float32)
    labels = rng.integers(0, max(width, 2), len(x))
    if loss == "sparse_categorical_crossentropy":
        y = labels
    elif loss == "categorical_crossentropy":
        y = np.eye(width, dtype=np.float32)[labels]
    elif loss == "binary_crossentropy":
        y = labels[:, None].astype(np.float32)
    else:
        y = rng.normal(size=(len(x), width)).astype(np.float32)
    w = rng.uniform(0, 2, len(x)).astype(np.float32)
    w[::5] = 0.0  # zeros mask samples out
    return x, y, w


def pair(case: tuple[str, str, int, list[str]]) -> tuple[Any, axon.Sequential]:
    activation, loss, width, metrics = case
    keras.utils.set_random_seed(0)
    k_model = build(keras, activation, width)
    a_model = build(axon, activation, width)
    a_model.set_weights(k_model.get_weights())
    k_model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss, metrics=metrics)
    a_model.compile(optimizer=axon.optimizers.Adam(0.05), loss=loss, metrics=metrics)
    return k_model, a_model


def assert_same_history(k_hist: dict[str, Any], a_hist: dict[str, Any]) -> None:
    assert set(k_hist) == set(a_hist)
    for key, values in k_hist.items():
        np.testing.assert_allclose(
            a_hist[key], values, rtol=1e-5, atol=1e-5, err_msg=key
        )


@pytest.mark.parametrize("case", CASES, ids=[c[1] for c in CASES])
def test_fit_with_sample_weight_matches_keras(case: Any) -> None:
    x, y, w = data(case[1], case[2])
    k_model, a_model = pair(case)
    kwargs = dict(sample_weight=w, batch_size=8, epochs=3, shuffle=False, verbose=0)
    k_hist = k_model.fit(x, y, validation_data=(x[:9], y[:9], w[:9]), **kwargs)
    a_hist = a_model.fit(x, y, validation_data=(x[:9], y[:9], w[:9]), **kwargs)
    assert_same_history(k_hist.history, a_hist.history)
    k_eval = k_model.evaluate(x, y, sample_weight=w, batch_size=8, verbose=0)
    a_eval = a_model.evaluate(x, y, sample_weight=w, batch_size=8, verbose=0)
    np.testing.assert_allclose(a_eval, k_eval, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES[:3], ids=[c[1] for c in CASES[:3]])
def test_fit_with_class_weight_matches_keras(case: Any) -> None:
    x, y, _ = data(case[1], case[2])
    k_model, a_model = pair(case)
    class_weight = {0: 0.3, 1: 2.0, 2: 1.1}
    if case[2] == 1:
        class_weight = {0: 0.4, 1: 1.7}
    kwargs = dict(
        class_weight=class_weight,
        batch_size=8,
        epochs=3,
        shuffle=False,
        verbose=0,
        validation_split=0.25,
    )
    assert_same_history(
        k_model.fit(x, y, **kwargs).history, a_model.fit(x, y, **kwargs).history
    )


def test_train_and_test_on_batch_with_sample_weight_match_keras() -> None:
    x, y, w = data("sparse_categorical_crossentropy", 3)
    k_model, a_model = pair(CASES[0])
    for _ in range(2):
        k_out = k_model.train_on_batch(x, y, sample_weight=w)
        a_out = a_model.train_on_batch(x, y, sample_weight=w)
        np.testing.assert_allclose(a_out, k_out, rtol=1e-5)
    np.testing.assert_allclose(
        a_model.test_on_batch(x, y, sample_weight=w),
        k_model.test_on_batch(x, y, sample_weight=w),
        rtol=1e-5,
    )


def dataset_class(base: type) -> type:
    """The same batches, with weights, as a Keras or an axon PyDataset."""

    class Batches(base):  # type: ignore[misc, valid-type]
        def __init__(self, x: Any, y: Any, w: Any) -> None:
            super().__init__()
            self.x, self.y, self.w = x, y, w

        def __len__(self) -> int:
            return -(-len(self.x) // 8)

        def __getitem__(self, index: int) -> Any:
            rows = slice(index * 8, (index + 1) * 8)
            return self.x[rows], self.y[rows], self.w[rows]

    return Batches


def test_fit_on_a_pydataset_matches_keras() -> None:
    x, y, w = data("sparse_categorical_crossentropy", 3)
    k_model, a_model = pair(CASES[0])
    k_data = dataset_class(keras.utils.PyDataset)(x, y, w)
    a_data = dataset_class(axon.utils.PyDataset)(x, y, w)
    k_hist = k_model.fit(k_data, epochs=3, shuffle=False, verbose=0)
    a_hist = a_model.fit(a_data, epochs=3, shuffle=False, verbose=0)
    assert_same_history(k_hist.history, a_hist.history)
    k_pred = k_model.predict(k_data, verbose=0)
    np.testing.assert_allclose(a_model.predict(a_data, verbose=0), k_pred, atol=1e-5)
