"""Every metric against Keras 3 (PyTorch backend): same batches, same results to 1e-5.

Each metric sees four random batches of unequal sizes (with and without sample
weights, some of them zero) through ``update_state``; ``result()`` must equal Keras's.
Then a small model fits for 3 epochs with accuracy, AUC, Precision and Recall from the
same initial weights, unshuffled, and the history must equal Keras's epoch by epoch.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")

import axon  # noqa: E402

# torch's tensors predate NumPy 2's copy keyword; Keras's fit converts them.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
SIZES = (7, 16, 3, 10)


def batches(kind: str, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Four (y_true, y_pred) float32 batches of one kind of problem."""
    rng = np.random.default_rng(seed)
    out = []
    for n in SIZES:
        if kind == "binary":
            y = (rng.random((n, 1)) > 0.5).astype(np.float32)
            # a few scores exactly on the thresholds' edges: 0, 0.5, 1
            p = rng.choice([0.0, 0.5, 1.0, *rng.random(8)], size=(n, 1))
        elif kind == "logits":
            y = (rng.random((n, 1)) > 0.5).astype(np.float32)
            p = rng.normal(scale=3, size=(n, 1))
        elif kind == "multilabel":
            y = (rng.random((n, 3)) > 0.5).astype(np.float32)
            p = rng.random((n, 3))
        elif kind in ("categorical", "sparse"):
            labels = rng.integers(0, 5, n)
            y = labels.astype(np.float32) if kind == "sparse" else np.eye(5)[labels]
            logits = rng.normal(size=(n, 5))
            p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        else:  # regression
            y = rng.normal(size=(n, 2))
            p = y + rng.normal(scale=0.5, size=(n, 2))
        out.append((np.asarray(y, np.float32), np.asarray(p, np.float32)))
    return out


M, K = axon.metrics, keras.metrics
CASES: list[tuple[str, Callable[[], Any], Callable[[], Any], str]] = [
    ("binary_accuracy", M.BinaryAccuracy, K.BinaryAccuracy, "binary"),
    ("binary_accuracy_0.3", lambda: M.BinaryAccuracy(threshold=0.3),
     lambda: K.BinaryAccuracy(threshold=0.3), "multilabel"),
    ("categorical_accuracy", M.CategoricalAccuracy, K.CategoricalAccuracy, "categorical"),
    ("sparse_categorical_accuracy", M.SparseCategoricalAccuracy,
     K.SparseCategoricalAccuracy, "sparse"),
    ("top_k_2", lambda: M.TopKCategoricalAccuracy(k=2),
     lambda: K.TopKCategoricalAccuracy(k=2), "categorical"),
    ("sparse_top_k_3", lambda: M.SparseTopKCategoricalAccuracy(k=3),
     lambda: K.SparseTopKCategoricalAccuracy(k=3), "sparse"),
    ("auc_roc", M.AUC, K.AUC, "binary"),
    ("auc_pr", lambda: M.AUC(curve="PR"), lambda: K.AUC(curve="PR"), "binary"),
    ("auc_prgain", lambda: M.AUC(curve="PRGAIN"), lambda: K.AUC(curve="PRGAIN"),
     "multilabel"),
    ("auc_minoring", lambda: M.AUC(summation_method="minoring"),
     lambda: K.AUC(summation_method="minoring"), "multilabel"),
    ("auc_pr_majoring", lambda: M.AUC(curve="PR", summation_method="majoring"),
     lambda: K.AUC(curve="PR", summation_method="majoring"), "binary"),
    ("auc_7", lambda: M.AUC(num_thresholds=7), lambda: K.AUC(num_thresholds=7),
     "binary"),
    ("auc_uneven", lambda: M.AUC(thresholds=[0.1, 0.45, 0.7]),
     lambda: K.AUC(thresholds=[0.1, 0.45, 0.7]), "multilabel"),
    ("auc_multi_label", lambda: M.AUC(multi_label=True, curve="PR"),
     lambda: K.AUC(multi_label=True, curve="PR"), "multilabel"),
    ("auc_label_weights", lambda: M.AUC(multi_label=True, label_weights=[1, 2, 0.5]),
     lambda: K.AUC(multi_label=True, label_weights=[1, 2, 0.5]), "multilabel"),
    ("auc_from_logits", lambda: M.AUC(from_logits=True),
     lambda: K.AUC(from_logits=True), "logits"),
    ("precision", M.Precision, K.Precision, "binary"),
    ("precision_thresholds", lambda: M.Precision(thresholds=[0.2, 0.5, 0.8]),
     lambda: K.Precision(thresholds=[0.2, 0.5, 0.8]), "multilabel"),
    # evenly spaced thresholds take Keras's bucketing path: scores on the edges
    ("precision_even", lambda: M.Precision(thresholds=[0.0, 0.5, 1.0]),
     lambda: K.Precision(thresholds=[0.0, 0.5, 1.0]), "binary"),
    ("recall_even", lambda: M.Recall(thresholds=[0.0, 0.25, 0.5, 0.75, 1.0]),
     lambda: K.Recall(thresholds=[0.0, 0.25, 0.5, 0.75, 1.0]), "binary"),
    ("precision_top_k", lambda: M.Precision(top_k=2), lambda: K.Precision(top_k=2),
     "multilabel"),
    ("precision_class_id", lambda: M.Precision(class_id=1, thresholds=0.3),
     lambda: K.Precision(class_id=1, thresholds=0.3), "multilabel"),
    ("recall", M.Recall, K.Recall, "binary"),
    ("recall_top_k_class", lambda: M.Recall(top_k=1, class_id=2),
     lambda: K.Recall(top_k=1, class_id=2), "categorical"),
    ("f1_none", M.F1Score, K.F1Score, "categorical"),
    ("f1_macro_threshold", lambda: M.F1Score(average="macro", threshold=0.4),
     lambda: K.F1Score(average="macro", threshold=0.4), "multilabel"),
    ("f1_micro", lambda: M.F1Score(average="micro"),
     lambda: K.F1Score(average="micro"), "categorical"),
    ("f1_weighted", lambda: M.F1Score(average="weighted", threshold=0.5),
     lambda: K.F1Score(average="weighted", threshold=0.5), "multilabel"),
    ("fbeta_2", lambda: M.FBetaScore(beta=2.0, average="macro"),
     lambda: K.FBetaScore(beta=2.0, average="macro"), "categorical"),
    ("mse", M.MeanSquaredError, K.MeanSquaredError, "regression"),
    ("mae", M.MeanAbsoluteError, K.MeanAbsoluteError, "regression"),
    ("mape", M.MeanAbsolutePercentageError, K.MeanAbsolutePercentageError,
     "regression"),
    ("rmse", M.RootMeanSquaredError, K.RootMeanSquaredError, "regression"),
    ("r2", M.R2Score, K.R2Score, "regression"),
    ("r2_none", lambda: M.R2Score(class_aggregation=None),
     lambda: K.R2Score(class_aggregation=None), "regression"),
    ("r2_variance", lambda: M.R2Score(class_aggregation="variance_weighted_average"),
     lambda: K.R2Score(class_aggregation="variance_weighted_average"), "regression"),
    ("r2_adjusted", lambda: M.R2Score(num_regressors=3),
     lambda: K.R2Score(num_regressors=3), "regression"),
]  # fmt: skip


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    ("name", "ours", "theirs", "kind"), CASES, ids=[c[0] for c in CASES]
)
def test_result_after_several_batches_equals_keras(
    name: str,
    ours: Callable[[], Any],
    theirs: Callable[[], Any],
    kind: str,
    weighted: bool,
) -> None:
    mine, reference = ours(), theirs()
    rng = np.random.default_rng(1)
    for y_true, y_pred in batches(kind, seed=len(name)):
        weights = None
        if weighted:
            weights = rng.choice([0.0, 0.5, 1.0, 2.0], size=len(y_true)).astype(
                np.float32
            )
        mine.update_state(y_true, y_pred, sample_weight=weights)
        reference.update_state(y_true, y_pred, sample_weight=weights)
    expected = reference.result().detach().numpy()
    np.testing.assert_allclose(mine.result(), expected, rtol=1e-5, atol=1e-5)
    mine.reset_state()
    reference.reset_state()
    y_true, y_pred = batches(kind, seed=99)[0]
    mine.update_state(y_true, y_pred)
    reference.update_state(y_true, y_pred)
    expected = reference.result().detach().numpy()
    np.testing.assert_allclose(mine.result(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("weighted", [False, True])
def test_mean_and_sum_equal_keras(weighted: bool) -> None:
    rng = np.random.default_rng(0)
    pairs = [(M.Mean(), K.Mean()), (M.Sum(), K.Sum())]
    for n in SIZES:
        values = rng.normal(size=(n, 3)).astype(np.float32)
        weights = rng.random(n).astype(np.float32) if weighted else None
        for mine, reference in pairs:
            mine.update_state(values, sample_weight=weights)
            reference.update_state(values, sample_weight=weights)
    for mine, reference in pairs:
        expected = reference.result().detach().numpy()
        np.testing.assert_allclose(mine.result(), expected, rtol=1e-5)


def _fit(
    library: Any, weights: list[np.ndarray], x: np.ndarray, y: np.ndarray
) -> dict[str, list[float]]:
    m = library.metrics
    first = {"input_shape": (x.shape[1],)} if library is axon else {}
    model = library.Sequential(
        [
            *([] if library is axon else [keras.Input((x.shape[1],))]),
            library.layers.Dense(8, activation="relu", **first),
            library.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.set_weights(weights)
    model.compile(
        optimizer=library.optimizers.Adam(learning_rate=0.01),
        loss="binary_crossentropy",
        metrics=["accuracy", m.AUC(), m.Precision(), m.Recall()],
    )
    history = model.fit(
        x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
        validation_data=(x[:40], y[:40]),
    )  # fmt: skip
    # Keras numbers repeated default names (auc_1...): compare by position.
    names = ["accuracy", "auc", "precision", "recall"]
    keys = [k for k in history.history if not k.startswith("val_") and k != "loss"]
    by_kind = {n: history.history[k] for n in names for k in keys if k.startswith(n)}
    by_kind.update(
        {
            f"val_{n}": history.history[f"val_{k}"]
            for n in names
            for k in keys
            if k.startswith(n)
        }
    )
    by_kind["loss"] = history.history["loss"]
    return by_kind


def test_fit_history_equals_keras_epoch_by_epoch() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 4)).astype(np.float32)
    y = (x[:, :1] + 0.5 * x[:, 1:2] + rng.normal(scale=0.8, size=(100, 1))) > 0
    y = y.astype(np.float32)
    keras.utils.set_random_seed(0)
    probe = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    weights = [w.astype(np.float32) for w in probe.get_weights()]
    ours = _fit(axon, weights, x, y)
    theirs = _fit(keras, weights, x, y)
    assert set(ours) == set(theirs) and len(ours) == 9
    for key in theirs:
        np.testing.assert_allclose(
            ours[key], theirs[key], rtol=1e-4, atol=1e-5, err_msg=key
        )
    print({k: [round(v, 6) for v in values] for k, values in ours.items()})
