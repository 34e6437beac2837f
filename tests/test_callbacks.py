from __future__ import annotations

import numpy as np
import pytest

import axon
from axon.callbacks import EarlyStopping


class FakeModel:
    """Weights are a single number: the epoch whose end they come from."""

    def __init__(self) -> None:
        self.stop_training = False
        self.epoch = -1
        self.history = None

    def get_weights(self) -> list[np.ndarray]:
        return [np.array(self.epoch)]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        self.epoch = int(weights[0])


def run(
    callback: EarlyStopping, values: list[float], key: str = "val_loss"
) -> tuple[int, FakeModel]:
    """Feed one monitored value per epoch; return how many epochs ran."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    ran = 0
    for epoch, value in enumerate(values):
        model.epoch = epoch
        callback.on_epoch_end(epoch, {key: value})
        ran += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return ran, model


def test_stops_after_patience_epochs_without_improvement() -> None:
    ran, _ = run(EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.91, 0.8, 0.7])
    assert ran == 4  # best at epoch 1, then two epochs without improvement


def test_patience_zero_stops_at_the_first_non_improvement() -> None:
    ran, _ = run(EarlyStopping(), [1.0, 0.9, 0.95, 0.5])
    assert ran == 3


def test_restores_the_best_epoch_when_it_stops() -> None:
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    ran, model = run(stopper, [1.0, 0.5, 0.7, 0.8, 0.1])
    assert ran == 4 and model.epoch == 1 and stopper.best_epoch == 1


def test_restores_the_best_epoch_even_without_stopping() -> None:
    # Keras 3: restore_best_weights applies at the end of training in any case.
    stopper = EarlyStopping(patience=10, restore_best_weights=True)
    ran, model = run(stopper, [1.0, 0.2, 0.7, 0.8])
    assert ran == 4 and model.epoch == 1


def test_without_restore_the_last_weights_stay() -> None:
    ran, model = run(EarlyStopping(patience=1), [1.0, 0.5, 0.7, 0.8])
    assert ran == 3 and model.epoch == 2


def test_min_delta_ignores_small_improvements() -> None:
    ran, _ = run(EarlyStopping(patience=1, min_delta=0.1), [1.0, 0.95, 0.92, 0.5])
    assert ran == 2


def test_mode_auto_maximises_accuracy_and_max_is_explicit() -> None:
    rising = [0.5, 0.6, 0.7, 0.6, 0.6]
    ran, _ = run(
        EarlyStopping(monitor="val_accuracy", patience=1), rising, "val_accuracy"
    )
    assert ran == 4  # improves until 0.7; minimising would have stopped after epoch 2
    ran_max, _ = run(
        EarlyStopping(monitor="score", mode="max", patience=0), [1.0, 2.0, 1.5], "score"
    )
    assert ran_max == 3
    ran_min, _ = run(
        EarlyStopping(monitor="score", mode="min", patience=0), [1.0, 2.0, 1.5], "score"
    )
    assert ran_min == 2


def test_baseline_must_be_beaten() -> None:
    worsening = [1.0, 1.2, 1.3, 1.4]
    ran, _ = run(EarlyStopping(patience=2, baseline=0.1), worsening)
    assert ran == 2  # the first epoch missed the baseline, so the wait never reset
    ran_without, _ = run(EarlyStopping(patience=2), worsening)
    assert ran_without == 3


def test_start_from_epoch_ignores_the_warm_up() -> None:
    ran, _ = run(
        EarlyStopping(patience=0, start_from_epoch=3), [1.0, 2.0, 3.0, 4.0, 5.0]
    )
    assert ran == 5


def test_missing_monitor_warns_once() -> None:
    stopper = EarlyStopping(monitor="val_loss")
    stopper.set_model(FakeModel())
    stopper.on_train_begin()
    with pytest.warns(RuntimeWarning, match="not in the logs. Available: loss"):
        stopper.on_epoch_end(0, {"loss": 1.0})
    stopper.on_epoch_end(1, {"loss": 1.0})  # no second warning (filterwarnings=error)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="mode='best'"):
        EarlyStopping(mode="best")
    with pytest.raises(ValueError, match="patience=-1"):
        EarlyStopping(patience=-1)


def test_callback_list_rejects_non_callbacks() -> None:
    with pytest.raises(TypeError, match="Callback instances"):
        axon.callbacks.CallbackList([print])  # type: ignore[list-item]


def test_callback_names_are_pinned() -> None:
    assert sorted(axon.callbacks.__all__) == [
        "BackupAndRestore",
        "CSVLogger",
        "Callback",
        "CallbackList",
        "EarlyStopping",
        "EpochLogger",
        "History",
        "LambdaCallback",
        "LearningRateScheduler",
        "ModelCheckpoint",
        "ModelLike",
        "ProgressBar",
        "ReduceLROnPlateau",
        "TensorBoard",
        "TerminateOnNaN",
    ]
    for name in axon.callbacks.__all__:
        assert isinstance(getattr(axon.callbacks, name), type)


def test_import_axon_leaves_tensorboard_unloaded() -> None:
    import subprocess
    import sys

    code = "import sys, axon; print('tensorboard' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
