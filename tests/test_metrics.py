"""Stateful metrics: exact values on hand-made cases, reset/update, sample weights, names,
custom metrics, and how fit / evaluate / train_on_batch drive them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon import metrics

DOCS = Path(__file__).resolve().parents[1] / "docs" / "extending.md"


# -- exact values -------------------------------------------------------------------
def test_binary_accuracy_thresholds_predictions_and_compares_targets_exactly() -> None:
    y = np.array([[1.0], [0.0], [1.0], [0.7]])
    p = np.array([[0.6], [0.6], [0.2], [0.9]])
    assert metrics.BinaryAccuracy()(y, p) == 0.25  # 0.7 never matches (as Keras)
    assert metrics.BinaryAccuracy(threshold=0.1)(y[:3], p[:3]) == 2 / 3


def test_accuracies_count_hits_per_row() -> None:
    one_hot = np.eye(3)[[0, 1, 2, 2]]
    p = np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.3, 0.3, 0.4], [0.4, 0.35, 0.25]])
    assert metrics.CategoricalAccuracy()(one_hot, p) == 0.5
    assert metrics.SparseCategoricalAccuracy()([0, 1, 2, 2], p) == 0.5
    assert metrics.SparseCategoricalAccuracy()(np.array([[0], [1], [2], [2]]), p) == 0.5
    assert metrics.TopKCategoricalAccuracy(k=2)(one_hot, p) == 0.75
    assert metrics.SparseTopKCategoricalAccuracy(k=3)([0, 1, 2, 2], p) == 1.0
    # a tie at the k-th score counts as a hit, as in Keras
    assert metrics.SparseTopKCategoricalAccuracy(k=1)([1], [[0.4, 0.4, 0.2]]) == 1.0
    assert metrics.Accuracy()([1, 2, 3], [1, 2, 4]) == 2 / 3


def test_precision_recall_at_thresholds_top_k_and_class_id() -> None:
    y = np.array([0, 1, 1, 1, 0])
    p = np.array([0.6, 0.4, 0.7, 0.9, 0.2])
    assert metrics.Precision()(y, p) == 2 / 3
    assert metrics.Recall()(y, p) == 2 / 3
    np.testing.assert_allclose(
        metrics.Precision(thresholds=[0.3, 0.5, 0.8])(y, p), [3 / 4, 2 / 3, 1.0]
    )
    np.testing.assert_allclose(
        metrics.Recall(thresholds=[0.3, 0.5, 0.8])(y, p), [1.0, 2 / 3, 1 / 3]
    )
    y2 = np.array([[0, 1, 1], [1, 0, 0]])
    p2 = np.array([[0.2, 0.5, 0.3], [0.3, 0.6, 0.1]])
    assert metrics.Precision(top_k=1)(y2, p2) == 0.5  # top scores: (0, 1) and (1, 1)
    assert metrics.Recall(top_k=1)(y2, p2) == 1 / 3
    assert metrics.Recall(top_k=2)(y2, p2) == 1.0
    assert metrics.Precision(class_id=0, thresholds=0.25)(y2, p2) == 1.0
    assert (
        metrics.Precision()([0, 0], [0.1, 0.2]) == 0.0
    )  # nothing predicted: 0, not NaN


def test_auc_on_hand_made_curves() -> None:
    assert metrics.AUC()([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == pytest.approx(1.0)
    assert metrics.AUC()([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]) == pytest.approx(0.0)
    # three thresholds (-eps, 0.5, 1+eps): the ROC points (1, 1), (0, 0.5), (0, 0)
    assert metrics.AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]) == 0.75
    # PR points (recall, precision): (1, 0.5), (0.5, 1), and (0, 0) where nothing
    # is predicted positive (Keras's 0 for 0/0); rectangles under or over the curve
    pr = metrics.AUC(num_thresholds=3, curve="PR", summation_method="minoring")
    assert pr([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]) == 0.5 * 0.5 + 0.5 * 0
    pr = metrics.AUC(num_thresholds=3, curve="PR", summation_method="majoring")
    assert pr([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]) == 0.5 * 1 + 0.5 * 1
    with pytest.raises(ValueError, match=r"num_thresholds=1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match=r"curve='XY'"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match=r"thresholds=\[1.5\]"):
        metrics.AUC(thresholds=[1.5])


def test_auc_is_the_epochs_auc_not_a_mean_of_batch_aucs() -> None:
    auc = metrics.AUC()
    auc.update_state([0, 1], [0.1, 0.8])  # this batch alone: 1.0
    auc.update_state([0, 1], [0.4, 0.35])  # this one alone: 0.0
    assert auc.result() == pytest.approx(0.75)  # 3 of the 4 pairs in order
    assert metrics.AUC().counts == {}  # nothing stored before a batch
    assert auc.counts["tp"].shape == (200, 1)  # counts per threshold, never scores


def test_f1_score_per_class_and_averaged() -> None:
    y = np.array([[1, 0], [0, 1], [1, 0], [1, 0]])
    p = np.array([[0.9, 0.2], [0.6, 0.7], [0.3, 0.1], [0.8, 0.1]])
    per_class = metrics.F1Score(threshold=0.5)(y, p)
    # class 0: tp 2, fp 1, fn 1 -> 2/3; class 1: tp 1 -> 1
    np.testing.assert_allclose(per_class, [2 / 3, 1.0], rtol=1e-6)
    assert metrics.F1Score("macro", 0.5)(y, p) == pytest.approx(5 / 6, rel=1e-6)
    assert metrics.F1Score("weighted", 0.5)(y, p) == pytest.approx(
        0.75 * 2 / 3 + 0.25, rel=1e-6
    )
    assert metrics.F1Score("micro", 0.5)(y, p) == pytest.approx(0.75, rel=1e-6)
    # without a threshold each row predicts its largest score: all four right
    assert metrics.F1Score("micro")(y, p) == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(ValueError, match="average='mean'"):
        metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match="threshold=2"):
        metrics.F1Score(threshold=2)  # type: ignore[arg-type]


def test_regression_metrics() -> None:
    y = np.array([[1.0, 2.0], [4.0, 5.0]])
    p = np.array([[1.5, 2.0], [5.0, 5.0]])
    assert metrics.MeanSquaredError()(y, p) == pytest.approx((0.25 + 1) / 4)
    assert metrics.MeanAbsoluteError()(y, p) == pytest.approx(1.5 / 4)
    assert metrics.RootMeanSquaredError()(y, p) == pytest.approx(np.sqrt(1.25 / 4))
    assert metrics.MeanAbsolutePercentageError()(y, p) == pytest.approx(18.75)
    r2 = metrics.R2Score(class_aggregation=None)(y, p)
    np.testing.assert_allclose(r2, [1 - 1.25 / 4.5, 1.0])
    r2_one = metrics.R2Score()([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0])
    assert r2_one == pytest.approx(0.8)
    assert metrics.R2Score(num_regressors=1)(
        [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0]
    ) == (pytest.approx(1 - 0.2 * 3 / 2))
    with pytest.warns(UserWarning, match="num_regressors"):
        metrics.R2Score(num_regressors=5)([1.0, 2.0], [1.0, 3.0])
    with pytest.raises(ValueError, match="class_aggregation='median'"):
        metrics.R2Score(class_aggregation="median")


# -- state: update, reset, sample weights ---------------------------------------------
ALL = [
    lambda: metrics.BinaryAccuracy(),
    lambda: metrics.AUC(),
    lambda: metrics.AUC(curve="PR"),
    lambda: metrics.Precision(),
    lambda: metrics.Recall(),
    lambda: metrics.F1Score(average="macro", threshold=0.5),
    lambda: metrics.MeanSquaredError(),
    lambda: metrics.MeanAbsolutePercentageError(),
    lambda: metrics.RootMeanSquaredError(),
    lambda: metrics.R2Score(),
]


def _data(seed: int, n: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random((n, 1)) > 0.5).astype(np.float32)
    return y, rng.random((n, 1)).astype(np.float32)


@pytest.mark.parametrize("make", ALL)
def test_updates_accumulate_and_reset_forgets(make: Any) -> None:
    (y1, p1), (y2, p2) = _data(1), _data(2)
    split, whole = make(), make()
    split.update_state(y1, p1)
    split.update_state(y2, p2)
    whole.update_state(np.concatenate([y1, y2]), np.concatenate([p1, p2]))
    np.testing.assert_allclose(split.result(), whole.result(), rtol=1e-6)
    split.reset_state()
    split.update_state(y2, p2)
    fresh = make()
    fresh.update_state(y2, p2)
    np.testing.assert_allclose(split.result(), fresh.result(), rtol=1e-6)


@pytest.mark.parametrize("make", ALL)
def test_a_zero_sample_weight_masks_the_sample(make: Any) -> None:
    y, p = _data(3, n=16)
    weights = np.tile([1.0, 0.0, 2.0, 0.0], 4)
    weighted, kept = make(), make()
    weighted.update_state(y, p, sample_weight=weights)
    keep = weights > 0
    kept.update_state(y[keep], p[keep], sample_weight=weights[keep])
    np.testing.assert_allclose(weighted.result(), kept.result(), rtol=1e-6)
    unweighted = make()
    unweighted.update_state(y, p)
    assert not np.allclose(weighted.result(), unweighted.result())


def test_sample_weight_weighs_samples_and_is_checked() -> None:
    accuracy = metrics.BinaryAccuracy()
    accuracy.update_state([[1], [0]], [[0.9], [0.9]], sample_weight=[3, 1])
    assert accuracy.result() == 0.75
    mean = metrics.Mean()
    mean.update_state([1, 3, 5, 7], sample_weight=[[1], [1], [0], [0]])
    assert mean.result() == 2.0
    with pytest.raises(ValueError, match=r"sample_weight of shape \(2,\).*\(3,\)"):
        accuracy.update_state([[1], [0]], [[0.9], [0.9]], sample_weight=[1, 1, 1])
    with pytest.raises(ValueError, match="y_true of shape"):
        metrics.MeanSquaredError().update_state([1, 2, 3], [[1, 2]])


def test_mean_sum_and_an_empty_metric() -> None:
    total = metrics.Sum()
    total.update_state([1, 3, 5, 7])
    total.update_state(2.0)
    assert total.result() == 18.0
    assert metrics.Mean().result() == 0.0  # nothing seen: 0, not NaN, as Keras
    assert metrics.AUC().result() == 0.0
    assert metrics.F1Score().result() == 0.0
    assert metrics.R2Score().result() == 0.0


def test_configs_round_trip() -> None:
    for metric in [
        metrics.AUC(curve="PR", num_thresholds=50, name="pr"),
        metrics.Precision(thresholds=[0.2, 0.4], top_k=2, class_id=1),
        metrics.F1Score(average="weighted", threshold=0.3),
        metrics.BinaryAccuracy(threshold=0.2),
        metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
        metrics.R2Score(class_aggregation=None, num_regressors=2),
    ]:
        config = metric.get_config()
        assert type(metric).from_config(config).get_config() == config


def test_serialize_round_trips_objects_and_keeps_names() -> None:
    auc = metrics.AUC(curve="PR", num_thresholds=50, name="pr")
    restored = metrics.get(metrics.serialize(auc))
    assert type(restored) is metrics.AUC and restored.get_config() == auc.get_config()
    assert metrics.serialize("mse") == "mse"
    assert metrics.serialize(metrics.get("mse"))["class_name"] == "MeanSquaredError"  # type: ignore[index]
    with pytest.raises(ValueError, match="register its class"):
        metrics.serialize(metrics.MeanMetricWrapper(np.abs))


# -- names ----------------------------------------------------------------------------
def test_get_accepts_keras_names_and_aliases() -> None:
    for name, kind in [
        ("auc", metrics.AUC),
        ("AUC", metrics.AUC),
        ("precision", metrics.Precision),
        ("recall", metrics.Recall),
        ("f1_score", metrics.F1Score),
        ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
        ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
        ("mape", metrics.MeanAbsolutePercentageError),
        ("root_mean_squared_error", metrics.RootMeanSquaredError),
        ("r2_score", metrics.R2Score),
        ("accuracy", metrics.Accuracy),
    ]:
        metric = metrics.get(name)
        assert type(metric) is kind and metric.name == name
    assert metrics.get(metrics.AUC).name == "auc"
    assert type(metrics.get({"name": "auc", "curve": "PR"})) is metrics.AUC
    assert metrics.get(lambda y, p: np.abs(y - p)).update_state([1.0], [0.0]) is None


def test_an_unknown_metric_lists_every_name_including_accuracy() -> None:
    # Keras 3 has no "rmse"; the message names what there is
    with pytest.raises(ValueError, match=r"Unknown metric: 'rmse'") as error:
        metrics.get("rmse")
    known = str(error.value).split("Known metric names: ")[1].split(", ")
    assert {"accuracy", "acc", "auc", "mse", "root_mean_squared_error"} <= set(known)
    with pytest.raises(TypeError, match=r"accuracy.*Received: metric=3"):
        metrics.get(3)  # type: ignore[arg-type]


# -- custom metrics -------------------------------------------------------------------
def test_a_custom_metric_has_keras_variables_and_a_default_reset() -> None:
    class Positives(metrics.Metric):
        def __init__(self) -> None:
            super().__init__()
            self.seen = self.add_variable(shape=(2,), initializer="ones")

        def update_state(
            self, y_true: Any, y_pred: Any, sample_weight: Any = None
        ) -> None:
            self.seen.assign_add([np.sum(y_pred), len(y_pred)])

        def result(self) -> float:
            return float(self.seen[0] / self.seen[1])

    metric = Positives()
    assert metric.name == "positives" and metric.result() == 1.0
    assert metric([1, 0], [1.0, 0.0]) == pytest.approx(2 / 3)  # float32 state
    metric.reset_state()
    assert metric.seen.numpy().tolist() == [0.0, 0.0]
    assert metric.seen.assign([1, 2]).assign_sub(1).tolist() == [0.0, 1.0]

    class Forgetful(metrics.Metric):
        def __init__(self) -> None:
            self.total = self.add_variable()

    with pytest.raises(RuntimeError, match="super"):
        Forgetful()
    with pytest.raises(NotImplementedError):
        metrics.Metric().update_state([1], [1])


def _docs_example() -> str:
    text = DOCS.read_text()
    section = text.split("## Custom metrics", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "docs/extending.md: Custom metrics has no python example"
    return match.group(1)


def test_the_custom_metric_example_in_the_docs_runs() -> None:
    namespace: dict[str, Any] = {}
    exec(_docs_example(), namespace)
    history = namespace["history"].history
    assert len(history["balanced_accuracy"]) == 5
    assert all(0 <= v <= 1 for v in history["balanced_accuracy"])
    metric = namespace["BalancedAccuracy"]()
    metric.update_state([1, 1, 0, 0, 0, 0], [0.9, 0.2, 0.1, 0.1, 0.1, 0.8])
    assert metric.result() == pytest.approx((1 / 2 + 3 / 4) / 2)
    metric.reset_state()
    assert metric.result() == 0.0


# -- in the training loop -------------------------------------------------------------
def _frozen_model(metric_ids: list[Any]) -> axon.Sequential:
    """A model that does not learn: steps of 1e-12 are below float32's resolution of
    its weights, so its predictions stay put and fit's epochs can be checked exactly."""
    axon.utils.set_random_seed(0)
    model = axon.Sequential(
        [axon.layers.Dense(1, activation="sigmoid", input_shape=(3,))]
    )
    model.compile(
        optimizer=axon.optimizers.SGD(learning_rate=1e-12),
        loss="binary_crossentropy",
        metrics=metric_ids,
    )
    return model


def _binary(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = ((x[:, :1] + rng.normal(size=(n, 1))) > 0).astype(np.float32)
    return x, y


class Rows(metrics.Sum):
    """Counts the rows it is given."""

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        super().update_state(np.ones(len(y_true)))


def test_fit_logs_each_epochs_value_from_fresh_state() -> None:
    x, y = _binary()
    x_val, y_val = _binary(40, seed=1)
    model = _frozen_model(["accuracy", metrics.AUC(), Rows()])
    history = model.fit(
        x, y, batch_size=8, epochs=2, verbose=0, validation_data=(x_val, y_val)
    ).history
    p, p_val = model.predict(x, verbose=0), model.predict(x_val, verbose=0)
    whole = metrics.AUC()(y, p)
    batch_mean = np.mean(
        [metrics.AUC()(y[i : i + 8], p[i : i + 8]) for i in range(0, 64, 8)]
    )
    assert history["rows"] == [64, 64] and history["val_rows"] == [40, 40]
    assert history["auc"] == pytest.approx([whole, whole])
    assert abs(whole - batch_mean) > 1e-3  # so the mean of batches would differ
    assert history["val_auc"] == pytest.approx([metrics.AUC()(y_val, p_val)] * 2)
    assert history["accuracy"] == pytest.approx([metrics.BinaryAccuracy()(y, p)] * 2)
    evaluated = model.evaluate(x_val, y_val, verbose=0, return_dict=True)
    assert evaluated["auc"] == pytest.approx(history["val_auc"][-1])  # type: ignore[index]


def test_train_and_test_on_batch_report_the_batch_alone() -> None:
    x, y = _binary()
    model = _frozen_model([metrics.AUC()])
    model.train_on_batch(x[:32], y[:32])
    second = model.train_on_batch(x[32:], y[32:], return_dict=True)
    p = model.predict(x[32:], verbose=0)
    assert second["auc"] == pytest.approx(metrics.AUC()(y[32:], p))  # type: ignore[index]
    assert model.test_on_batch(x[32:], y[32:]) == pytest.approx(
        [second["loss"], second["auc"]]
    )  # type: ignore[index]


def test_metrics_names_follow_evaluates_order() -> None:
    model = axon.Sequential([axon.layers.Dense(1, activation="sigmoid")])
    assert model.metrics_names == []
    model.compile(
        loss="binary_crossentropy",
        metrics=["accuracy", metrics.AUC(name="a"), metrics.Precision(name="a")],
    )
    assert model.metrics_names == ["loss", "accuracy", "a", "a_1"]
    x, y = _binary(16)
    history = model.fit(x, y, verbose=0).history
    assert list(history) == ["loss", "accuracy", "a", "a_1"]
    assert model.metrics_names == ["loss", "accuracy", "a", "a_1"]
    assert len(model.evaluate(x, y, verbose=0)) == 4  # type: ignore[arg-type]


def test_a_metric_with_several_values_is_refused_in_the_logs() -> None:
    x, y = _binary(16)
    model = _frozen_model([metrics.Precision(thresholds=[0.3, 0.7], name="p")])
    with pytest.raises(ValueError, match="'p' returns 2 values"):
        model.fit(x, y, verbose=0)


def test_accuracy_with_a_regression_loss_warns_naming_the_loss() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 2)).astype(np.float32)
    y = x @ np.array([[1.5], [-2.0]], dtype=np.float32) + 3
    model = axon.Sequential([axon.layers.Dense(1, input_shape=(2,))])
    with pytest.warns(
        UserWarning, match=r"loss='mean_squared_error'.*metrics=\['mae'\]"
    ):
        model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, verbose=0).history
    assert history["accuracy"] == [0.0, 0.0]  # as Keras reports it: hence the warning
    unbuilt = axon.Sequential([axon.layers.Dense(1)])
    unbuilt.compile(optimizer="adam", loss="huber", metrics=["acc"])
    with pytest.warns(UserWarning, match="loss='huber'"):
        unbuilt.fit(x, y, verbose=0)  # warned once the output width is known


@pytest.mark.parametrize(
    ("loss", "metric_ids"),
    [("binary_crossentropy", ["accuracy"]), ("mse", ["binary_accuracy", "mae"])],
)
def test_no_warning_where_accuracy_makes_sense(
    loss: str, metric_ids: list[str]
) -> None:
    model = axon.Sequential(
        [axon.layers.Dense(1, activation="sigmoid", input_shape=(2,))]
    )
    model.compile(
        optimizer="adam", loss=loss, metrics=metric_ids
    )  # warnings are errors
    x, y = _binary(16)
    model.fit(x[:, :2], y, verbose=0)
