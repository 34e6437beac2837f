"""The diagnostics name the tutorial's failure modes when, and only when, they happen."""

from __future__ import annotations

import numpy as np
import pytest

import axon
from axon.diagnostics import TrainingMonitor, diagnose


def titles(findings: list[axon.diagnostics.Finding]) -> list[str]:
    return [f.title for f in findings]


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4))
    return x, axon.utils.to_categorical((x[:, 0] + x[:, 1] > 0).astype(int), 2)


def fit(
    layers: list[axon.layers.Layer], learning_rate: float = 0.01, epochs: int = 5
) -> tuple[axon.callbacks.History, TrainingMonitor]:
    model = axon.Sequential([axon.layers.Input((4,)), *layers])
    model.compile(
        optimizer=axon.optimizers.Adam(learning_rate), loss="categorical_crossentropy"
    )
    monitor = TrainingMonitor()
    x, y = data()
    history = model.fit(
        x, y, epochs=epochs, validation_split=0.25, callbacks=[monitor], verbose=0
    )
    return history, monitor


def test_a_healthy_run_has_no_findings() -> None:
    history, monitor = fit(
        [
            axon.layers.Dense(16, activation="relu", kernel_initializer="he_normal"),
            axon.layers.Dense(2, activation="softmax"),
        ],
        epochs=40,  # to convergence: five epochs would still be improving
    )
    assert diagnose(history, monitor) == []
    assert diagnose(history) == []  # the monitor's record is in the History too


def test_dying_relu_is_named_with_the_layer() -> None:
    dead = axon.layers.Dense(
        16, activation="relu", bias_initializer=axon.initializers.Constant(-10.0)
    )
    history, monitor = fit([dead, axon.layers.Dense(2, activation="softmax")], epochs=2)
    findings = diagnose(history, monitor)
    assert "Dying ReLU" in titles(findings)
    assert f"of the units of {dead.name} output zero" in str(
        findings[titles(findings).index("Dying ReLU")]
    )
    assert monitor.dead_share[dead.name][-1] == 1.0


def test_vanishing_gradients_in_a_deep_sigmoid_stack() -> None:
    deep = [axon.layers.Dense(8, activation="sigmoid") for _ in range(10)]
    history, monitor = fit(
        [*deep, axon.layers.Dense(2, activation="softmax")], epochs=1
    )
    assert "Vanishing gradients" in titles(diagnose(history, monitor))
    relu = [
        axon.layers.Dense(8, activation="relu", kernel_initializer="he_normal")
        for _ in range(3)
    ]
    history, monitor = fit(
        [*relu, axon.layers.Dense(2, activation="softmax")], epochs=1
    )
    assert "Vanishing gradients" not in titles(diagnose(history, monitor))


@pytest.mark.parametrize(
    ("logs", "expected"),
    [
        ({"loss": [1.0, 0.4, 0.9, 1.5, 2.5]}, ["Learning rate too large"]),
        ({"loss": [1.0, float("nan")]}, ["Learning rate too large"]),
        (
            {"loss": [1.0, 0.5, 0.3, 0.2, 0.1], "val_loss": [1.0, 0.6, 0.7, 0.9, 1.2]},
            ["Overfitting"],
        ),
        ({"loss": [1.0, 0.99, 0.98, 0.97, 0.96]}, ["Learning rate too small"]),
        (
            {
                "loss": [1.0, 0.5, 0.3, 0.2, 0.1],
                "val_loss": [1.0, 0.6, 0.5, 0.52, 0.51],
            },
            [],
        ),
    ],
)
def test_history_patterns(logs: dict[str, list[float]], expected: list[str]) -> None:
    assert titles(diagnose(logs)) == expected


def test_overfitting_mentions_the_restored_epoch() -> None:
    history = axon.callbacks.History()
    history.history = {
        "loss": [1.0, 0.5, 0.3, 0.2, 0.1],
        "val_loss": [1.0, 0.6, 0.7, 0.9, 1.2],
    }
    history.best_epoch = 1
    (finding,) = diagnose(history)
    assert "EarlyStopping restored epoch 2" in finding.evidence


def test_a_loss_that_climbs_back_up_is_divergence_but_dropout_noise_is_not() -> None:
    climbing = [1.0, 0.5, 0.3, 0.2, 0.21, 0.35, 0.5, 0.7, 0.6, 0.8, 0.65, 0.9]
    assert titles(diagnose({"loss": climbing})) == ["Learning rate too large"]
    noisy = [1.0, 0.6, 0.4, 0.3, 0.2, 0.15, 0.22, 0.12, 0.19, 0.13, 0.2, 0.14]
    assert titles(diagnose({"loss": noisy})) == []


def overfitting_advice(dropout: list[float] | None, restored: bool) -> str:
    history = axon.callbacks.History()
    history.history = {
        "loss": [1.0, 0.5, 0.3, 0.2, 0.1],
        "val_loss": [1.0, 0.6, 0.7, 0.9, 1.2],
    }
    history.best_epoch = 1 if restored else None
    monitor = TrainingMonitor()
    monitor.dropout_rates = dropout
    (finding,) = diagnose(history, monitor)
    return finding.advice


def test_overfitting_advice_fits_what_the_run_already_had() -> None:
    # The tutorial's run: Dropout 0.3 and 0.2, EarlyStopping restoring the best epoch.
    had_both = overfitting_advice([0.3, 0.2], restored=True)
    assert "add Dropout" not in had_both and "raise Dropout from 0.3" in had_both
    assert "stop early with EarlyStopping" not in had_both
    assert "EarlyStopping already kept the best weights" in had_both
    bare = overfitting_advice([], restored=False)
    assert "add Dropout (0.2-0.5)" in bare and "stop early with EarlyStopping" in bare
    strong = overfitting_advice([0.5], restored=False)
    assert "Dropout" not in strong and "fewer hidden units" in strong


def test_the_monitor_records_the_dropout_rates_the_model_has() -> None:
    _, monitor = fit(
        [
            axon.layers.Dense(8, activation="relu"),
            axon.layers.Dropout(0.3),
            axon.layers.Dense(2, activation="softmax"),
        ],
        epochs=1,
    )
    assert monitor.dropout_rates == [pytest.approx(0.3)]


def run_with(
    logs: dict[str, list[float]], record: dict[str, object], best: int | None = None
) -> axon.callbacks.History:
    """A History as fit returns it, with a monitor's record (only what a rule reads)."""
    history = axon.callbacks.History()
    history.history = logs
    history.best_epoch = best
    history.monitor = record
    return history


def layers(update: float, epochs: int) -> list[dict[str, object]]:
    return [
        {
            "name": f"dense_{i}",
            "activation": "relu",
            "gradient_rms": [0.01] * epochs,
            "update_ratio": [update] * epochs,
            "largest_update": [update] * epochs,
        }
        for i in range(2)
    ]


CLASSES = {"train_counts": [40, 40, 40], "validation_rows": 30}
MODEL = {
    "loss": "categorical_crossentropy",
    "output_activation": "softmax",
    "outputs": 3,
    "hidden_units": [16],
    "dropout": [],
}


def test_a_swinging_loss_is_a_large_learning_rate_only_with_large_steps() -> None:
    swinging = [1.1, 0.7, 0.4, 0.66, 0.45, 1.24, 0.25, 0.08, 0.5, 0.67, 0.25, 0.11]
    record = {"model": MODEL, "data": CLASSES, "layers": layers(0.7, 12)}
    (finding,) = diagnose(run_with({"loss": swinging}, record))
    assert finding.kind == "lr_too_large" and "oscillates" in finding.evidence
    assert "0.7 of their size" in finding.evidence
    # the same curve with steps of the usual size: the noise of a small loss
    record["layers"] = layers(0.07, 12)
    assert "lr_too_large" not in [
        f.kind for f in diagnose(run_with({"loss": swinging}, record))
    ]


def test_still_falling_is_too_few_epochs_or_a_small_learning_rate_by_the_steps() -> (
    None
):
    falling = [1.1, 0.9, 0.75, 0.62, 0.52, 0.44, 0.37, 0.31]
    logs = {"loss": falling, "val_loss": [v * 1.05 for v in falling]}
    record = {"model": MODEL, "data": CLASSES, "layers": layers(3e-3, 8)}
    assert titles(diagnose(run_with(logs, record))) == ["Too few epochs"]
    record["layers"] = layers(1e-4, 8)
    (finding,) = diagnose(run_with(logs, record))
    assert finding.title == "Learning rate too small"
    assert "slow convergence" in finding.evidence
    # stopped by EarlyStopping: it was not the epochs that ran out
    stopped = {**record, "layers": layers(3e-3, 8), "stopped_early": True}
    assert diagnose(run_with(logs, stopped, best=7)) == []


def test_an_accuracy_gap_must_be_large_and_beyond_the_validation_noise() -> None:
    logs = {
        "loss": [1.0, 0.5, 0.3, 0.2, 0.1, 0.05],
        "val_loss": [1.0, 0.6, 0.5, 0.6, 0.7, 0.8],
        "accuracy": [0.5, 0.8, 0.9, 0.95, 0.99, 1.0],
    }

    def found(val_accuracy: float, rows: int) -> list[str]:
        record = {"model": MODEL, "data": {**CLASSES, "validation_rows": rows}}
        history = {**logs, "val_accuracy": [0.5, 0.7, 0.8, 0.8, 0.8, val_accuracy]}
        return titles(diagnose(run_with(history, record)))

    assert found(0.75, rows=300) == ["Overfitting"]  # 25 points on 300 rows
    assert found(0.9, rows=300) == []  # 10 points: not a gap that matters
    assert found(0.8, rows=12) == []  # 20 points, but on 12 rows that is noise
    assert found(0.75, rows=12) == []


def test_majority_class_on_imbalanced_data_only() -> None:
    logs = {
        "loss": [0.6, 0.3, 0.2, 0.19, 0.19],
        "accuracy": [0.9, 0.95, 0.95, 0.95, 0.95],
    }
    record = {
        "model": MODEL,
        "data": {"train_counts": [950, 50]},
        "predicted_top_share": [1.0, 1.0, 0.995, 1.0, 0.998],
    }
    (finding,) = diagnose(run_with(logs, record))
    assert finding.kind == "majority_class" and "0.950" in finding.evidence
    balanced = {**record, "data": {"train_counts": [500, 500]}}
    assert diagnose(run_with(logs, balanced)) == []


def test_a_tiny_batch_is_named_when_its_curve_shakes_on_either_scale() -> None:
    # A validation loss carried up to half the level of guessing (log 3 = 1.10) by
    # overfitting: moves of 0.02 are 4% of its own level, but 1.8% of the level of
    # guessing.
    val = [0.4, 0.42, 0.44, 0.46, 0.5, 0.48, 0.5, 0.52, 0.5, 0.52, 0.54, 0.52]
    loss = [0.5, 0.3, 0.2, 0.1, 0.08, 0.06, 0.05, 0.04, 0.04, 0.03, 0.03, 0.03]
    logs = {"loss": loss, "val_loss": val}

    def found(batch: int, curve: list[float]) -> list[str]:
        record = {"model": {**MODEL, "batch_size": batch}, "data": CLASSES}
        return [f.kind for f in diagnose(run_with({**logs, "val_loss": curve}, record))]

    assert found(1, val) == ["batch_too_small"]
    (finding,) = diagnose(
        run_with(logs, {"model": {**MODEL, "batch_size": 1}, "data": CLASSES})
    )
    assert "of the level of guessing (1.1" in finding.evidence
    assert "batch_too_small" not in found(32, val)  # a batch of 32 is not tiny
    calm = [0.4, 0.41, 0.42, 0.42, 0.43, 0.435, 0.44, 0.445, 0.45, 0.455, 0.46, 0.465]
    assert "batch_too_small" not in found(1, calm)  # 0.5% of guessing: smooth
    high = [v * 0.15 for v in val]  # the same shape near zero: 4% of its level...
    assert "batch_too_small" not in found(1, high)  # ...and 0.3% of guessing
    shaky = [0.1, 0.05, 0.12, 0.06, 0.11, 0.05, 0.12, 0.06, 0.11, 0.05, 0.12, 0.06]
    assert "batch_too_small" in found(1, shaky)  # 60% of its own level
