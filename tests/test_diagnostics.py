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
        ]
    )
    assert diagnose(history, monitor) == []


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
        ({"loss": [1.0, 0.99, 0.98, 0.97, 0.96]}, ["Slow convergence"]),
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
