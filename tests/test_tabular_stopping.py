"""The small tables' stop on the training loss (axon.tabular.stopping)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from axon.tabular.stopping import TrainingLossStop


def replay(stop: TrainingLossStop, losses: list[float]) -> int:
    """Epochs run before the stop says stop (all of them if it never does)."""
    stop.on_train_begin()
    for epoch, loss in enumerate(losses):
        if stop.advance(loss):
            return epoch + 1
    return len(losses)


def test_it_stops_where_scikit_learns_mlp_stopped() -> None:
    """scikit-learn's own loss curves, replayed: the stop falls on its last epoch."""
    from sklearn.datasets import load_iris
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    x, y = load_iris(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    for seed, tol in ((0, 1e-4), (1, 1e-3), (2, 1e-4)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a ConvergenceWarning is not expected
            mlp = MLPClassifier(max_iter=2000, random_state=seed, tol=tol).fit(x, y)
        assert mlp.n_iter_ < 2000  # it stopped on its own rule
        stop = TrainingLossStop(patience=10, tol=tol)
        assert replay(stop, mlp.loss_curve_) == mlp.n_iter_


def test_a_fall_smaller_than_the_tolerance_is_no_progress() -> None:
    stop = TrainingLossStop(patience=2, tol=0.1)
    # each epoch falls 0.05: below the lowest, but not by 0.1, so they count
    assert replay(stop, [1.0, 0.95, 0.9, 0.85, 0.8]) == 4
    # the lowest loss moves on any fall: after 0.95, 0.88 is no progress. Keras's
    # EarlyStopping, whose best moves only on a fall of min_delta, would keep 1.0
    # as its best, count 0.88 as progress and stop an epoch later
    assert replay(stop, [1.0, 0.95, 0.88, 0.87, 0.86, 0.85]) == 4
    assert replay(stop, [1.0, 0.5, 0.25, 0.1]) == 4  # never stops


def test_a_nan_loss_is_no_progress_and_the_stop_resets() -> None:
    stop = TrainingLossStop(patience=1, tol=0.0)
    assert replay(stop, [1.0, float("nan"), float("nan")]) == 3
    assert replay(stop, [1.0, 0.5, 0.4]) == 3  # reset by on_train_begin


def test_it_sets_stop_training_and_keeps_the_epoch() -> None:
    class Model:
        stop_training = False

    stop = TrainingLossStop(patience=0, tol=0.0)
    stop.set_model(Model())  # type: ignore[arg-type]
    stop.on_epoch_end(0, {"loss": 1.0})
    stop.on_epoch_end(1, {})  # no loss logged: nothing counted
    assert not stop.model.stop_training
    stop.on_epoch_end(2, {"loss": 1.5})  # above the lowest: no progress
    assert stop.model.stop_training and stop.stopped_epoch == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"patience": -1}, "Received: patience=-1"),
        ({"patience": 1.5}, "Received: patience=1.5"),
        ({"patience": True}, "Received: patience=True"),
        ({"tol": -0.1}, "Received: tol=-0.1"),
        ({"tol": np.nan}, "Received: tol=nan"),
        ({"tol": "small"}, "Received: tol='small'"),
    ],
)
def test_bad_arguments_are_value_errors_naming_them(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        TrainingLossStop(**options)  # type: ignore[arg-type]
