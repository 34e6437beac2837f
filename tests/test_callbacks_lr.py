from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import axon
from axon.callbacks import LearningRateScheduler, ReduceLROnPlateau


class FakeOptimizer:
    def __init__(self, learning_rate: Any = 0.1) -> None:
        self.learning_rate = learning_rate
        self.iterations = 0


class FakeModel:
    def __init__(self, learning_rate: Any = 0.1) -> None:
        self.optimizer = FakeOptimizer(learning_rate)
        self.stop_training = False


def plateau(
    callback: ReduceLROnPlateau, values: list[float], key: str = "val_loss"
) -> tuple[list[float], list[float]]:
    """Feed one monitored value per epoch; return the logged and the next rates."""
    model = FakeModel(1.0)
    callback.set_model(model)
    callback.on_train_begin()
    logged, after = [], []
    for epoch, value in enumerate(values):
        logs = {key: value}
        callback.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
        after.append(model.optimizer.learning_rate)
    return logged, after


def test_reduces_after_patience_epochs_without_improvement() -> None:
    logged, after = plateau(
        ReduceLROnPlateau(factor=0.5, patience=2), [1.0, 0.9, 0.9, 0.9, 0.9, 0.9]
    )
    # best at epoch 1; epochs 2 and 3 do not improve -> halved at the end of epoch 3
    assert after == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25]
    assert logged == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5]  # the rate the epoch ran with


def test_defaults_are_keras_defaults() -> None:
    callback = ReduceLROnPlateau()
    assert (callback.monitor, callback.factor, callback.patience) == (
        "val_loss",
        0.1,
        10,
    )
    assert (callback.min_delta, callback.cooldown, callback.min_lr) == (1e-4, 0, 0.0)
    assert callback.mode == "auto"
    _, after = plateau(callback, [1.0] + [1.0] * 10)
    assert after[-2] == 1.0 and after[-1] == pytest.approx(0.1)


def test_min_delta_ignores_small_improvements() -> None:
    _, after = plateau(
        ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.1), [1.0, 0.95]
    )
    assert after == [1.0, 0.5]
    _, after = plateau(ReduceLROnPlateau(factor=0.5, patience=1), [1.0, 0.95])
    assert after == [1.0, 1.0]


def test_cooldown_holds_the_wait_after_a_reduction() -> None:
    flat = [1.0] * 8
    _, after = plateau(ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2), flat)
    # Keras's order: the cooldown counter goes down before the wait may grow again.
    assert after == [1.0, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625]
    _, without = plateau(ReduceLROnPlateau(factor=0.5, patience=1), flat)
    assert without == [1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125]


def test_min_lr_is_a_floor() -> None:
    _, after = plateau(
        ReduceLROnPlateau(factor=0.1, patience=0, min_lr=0.05), [1.0, 1.0, 1.0, 1.0]
    )
    assert after == [1.0, pytest.approx(0.1), 0.05, 0.05]


def test_mode_max_and_auto_for_accuracy() -> None:
    rising = [0.5, 0.6, 0.7, 0.8]
    _, after = plateau(
        ReduceLROnPlateau(monitor="val_accuracy", patience=0, factor=0.5),
        rising,
        "val_accuracy",
    )
    assert after == [1.0, 1.0, 1.0, 1.0]
    _, after = plateau(
        ReduceLROnPlateau(monitor="val_accuracy", mode="min", patience=0, factor=0.5),
        rising,
        "val_accuracy",
    )
    assert after == [1.0, 0.5, 0.25, 0.125]


def test_nan_never_improves() -> None:
    _, after = plateau(
        ReduceLROnPlateau(factor=0.5, patience=1), [float("nan"), 1.0, float("nan")]
    )
    assert after == [0.5, 0.5, 0.25]


def test_verbose_prints_as_keras(capsys: pytest.CaptureFixture[str]) -> None:
    plateau(ReduceLROnPlateau(factor=0.5, patience=0, verbose=1), [1.0, 1.0])
    assert capsys.readouterr().out == (
        "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n"
    )


def test_missing_monitor_warns_once() -> None:
    callback = ReduceLROnPlateau()
    callback.set_model(FakeModel())  # type: ignore[arg-type]
    callback.on_train_begin()
    with pytest.warns(RuntimeWarning, match="'val_loss', which is not in the logs"):
        callback.on_epoch_end(0, {"loss": 1.0})
    logs = {"loss": 1.0}
    callback.on_epoch_end(1, logs)  # no second warning (filterwarnings=error)
    assert logs["learning_rate"] == 0.1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"factor": 1.0}, "factor=1.0"),
        ({"factor": -0.5}, "factor=-0.5"),
        ({"mode": "best"}, "mode='best'"),
        ({"patience": -1}, "patience=-1"),
        ({"cooldown": 1.5}, "cooldown=1.5"),
        ({"min_lr": -1.0}, "min_lr=-1.0"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ReduceLROnPlateau(**kwargs)


def test_a_schedule_cannot_be_reduced() -> None:
    def schedule(step: int) -> float:
        return 0.1 / (1 + step)

    model = FakeModel(schedule)
    model.optimizer.iterations = 4
    callback = ReduceLROnPlateau(monitor="loss", patience=0)
    callback.set_model(model)  # type: ignore[arg-type]
    callback.on_train_begin()
    logs = {"loss": 1.0}
    callback.on_epoch_end(0, logs)
    assert logs["learning_rate"] == pytest.approx(0.02)  # read at the step count
    with pytest.raises(TypeError, match="learning-rate schedule"):
        callback.on_epoch_end(1, {"loss": 1.0})
    assert model.optimizer.learning_rate is schedule


# -- LearningRateScheduler --------------------------------------------------------
def schedule_run(callback: LearningRateScheduler, epochs: int) -> list[float]:
    model = FakeModel(0.1)
    callback.set_model(model)  # type: ignore[arg-type]
    rates = []
    for epoch in range(epochs):
        callback.on_epoch_begin(epoch)
        logs: dict[str, float] = {}
        callback.on_epoch_end(epoch, logs)
        rates.append(logs["learning_rate"])
    return rates


def test_scheduler_passes_epoch_and_rate() -> None:
    rates = schedule_run(LearningRateScheduler(lambda epoch, lr: lr * 0.5), 3)
    assert rates == [0.05, 0.025, 0.0125]


def test_scheduler_takes_a_function_of_the_epoch_alone() -> None:
    rates = schedule_run(LearningRateScheduler(lambda epoch: 0.1 * (epoch + 1)), 3)
    assert rates == pytest.approx([0.1, 0.2, 0.3])


def test_scheduler_accepts_numpy_floats_and_refuses_ints() -> None:
    assert schedule_run(LearningRateScheduler(lambda e: np.float32(0.5)), 1) == [0.5]
    with pytest.raises(
        ValueError, match=r"should be a float. Received: 1 \(at epoch 0"
    ):
        schedule_run(LearningRateScheduler(lambda e: 1), 1)
    with pytest.raises(TypeError, match=r"schedule=0\.1"):
        LearningRateScheduler(0.1)  # type: ignore[arg-type]


def test_scheduler_does_not_hide_a_type_error_inside_the_schedule() -> None:
    def broken(epoch: int, lr: float) -> float:
        return lr + "x"  # type: ignore[operator,no-any-return]

    with pytest.raises(TypeError, match="unsupported operand"):
        schedule_run(LearningRateScheduler(broken), 1)


def test_scheduler_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    schedule_run(LearningRateScheduler(lambda e: 0.25, verbose=1), 2)
    assert capsys.readouterr().out == (
        "\nEpoch 1: LearningRateScheduler setting learning rate to 0.25.\n"
        "\nEpoch 2: LearningRateScheduler setting learning rate to 0.25.\n"
    )


def test_scheduler_needs_an_optimizer() -> None:
    callback = LearningRateScheduler(lambda e: 0.1)
    callback.set_model(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="learning_rate"):
        callback.on_epoch_begin(0)


def test_both_drive_a_real_fit() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = (x[:, :1] > 0).astype(float)
    model = axon.Sequential(
        [axon.layers.Dense(1, activation="sigmoid", input_shape=(3,))]
    )
    model.compile(axon.optimizers.SGD(0.4), "binary_crossentropy")
    history = model.fit(
        x,
        y,
        epochs=4,
        verbose=0,
        callbacks=[LearningRateScheduler(lambda epoch, lr: lr / 2)],
    )
    assert history.history["learning_rate"] == [0.2, 0.1, 0.05, 0.025]
    assert model.optimizer is not None
    assert model.optimizer.learning_rate == 0.025
    history = model.fit(
        x,
        y,
        epochs=3,
        verbose=0,
        callbacks=[ReduceLROnPlateau("loss", factor=0.5, patience=0, min_delta=10)],
    )
    assert history.history["learning_rate"] == [0.025, 0.025, 0.0125]
    assert model.optimizer.learning_rate == 0.00625


def test_min_lr_is_reached_as_in_keras_float32(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Keras keeps rates in float32, so a rate within float32 rounding of min_lr has
    # reached it: no reduction, no message, no cooldown.
    callback = ReduceLROnPlateau(monitor="loss", patience=0, min_lr=0.1, verbose=1)
    model = FakeModel(0.1 + 1e-10)
    callback.set_model(model)  # type: ignore[arg-type]
    callback.on_train_begin()
    callback.on_epoch_end(0, {"loss": 1.0})
    callback.on_epoch_end(1, {"loss": 1.0})
    assert model.optimizer.learning_rate == 0.1 + 1e-10
    assert capsys.readouterr().out == ""


def test_an_optimizer_on_a_schedule_keeps_it() -> None:
    schedules = getattr(axon.optimizers, "schedules", None)
    if schedules is None:
        pytest.skip("axon.optimizers.schedules is not there yet")
    rate = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    model = axon.Sequential([axon.layers.Dense(1, input_shape=(2,))])
    model.compile(axon.optimizers.SGD(rate), "mse")
    x, y = np.ones((4, 2)), np.ones((4, 1))
    reduce = ReduceLROnPlateau("loss", patience=0, min_delta=100)
    with pytest.raises(TypeError, match="schedule"):  # Keras raises a TypeError too
        model.fit(x, y, epochs=2, batch_size=4, verbose=0, callbacks=[reduce])
    assert model.optimizer is not None
    assert model.optimizer.learning_rate == pytest.approx(0.1 * 0.5**2)  # 2 steps
