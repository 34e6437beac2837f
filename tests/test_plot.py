"""The figures show what they claim: lines, labels, titles, legends, markers."""

from __future__ import annotations

from typing import Any

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import axon
from axon import plot


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    plt.close("all")


def legend_texts(ax: Any) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_activations_figure_is_the_tutorials() -> None:
    fig = plot.activations()
    assert fig._suptitle.get_text() == "Activation Functions"
    assert [ax.get_title() for ax in fig.axes] == [
        "Sigmoid",
        "Tanh",
        "ReLU",
        "Leaky ReLU",
    ]
    for ax, name in zip(fig.axes, plot.TUTORIAL_ACTIVATIONS, strict=True):
        assert ax.get_ylim() == (-1.5, 1.5)
        (line,) = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 300]
        z, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        np.testing.assert_allclose(y, axon.activations.get(name)(z), rtol=1e-12)


def test_any_registered_activation_and_softmax_sums_to_one() -> None:
    fig = plot.activations(["softmax", "linear"], z_range=(-2, 2))
    softmax_ax = fig.axes[0]
    lines = [ln for ln in softmax_ax.get_lines() if len(ln.get_xdata()) == 300]
    assert len(lines) == 3
    total = sum(np.asarray(ln.get_ydata()) for ln in lines)
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)
    assert legend_texts(softmax_ax) == ["p(z)", "p(0)", "p(1)"]
    assert fig.axes[1].get_title() == "Linear"


def test_derivatives_shade_dead_and_vanishing_regions() -> None:
    fig = plot.activation_derivatives()
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[2] == "ReLU: derivative"
    assert "f' = 0: no gradient" in legend_texts(fig.axes[2])
    assert "|f'| < 0.05: vanishing" in legend_texts(fig.axes[0])  # sigmoid saturates
    assert "f' = 0: no gradient" not in legend_texts(fig.axes[3])  # leaky ReLU recovers
    leaky = legend_texts(fig.axes[3])  # its 0.01 slope is small but never vanishes
    assert "|f'| < 0.05: vanishing" not in leaky
    assert "small steady slope: slow, never dies" in leaky
    assert "small steady slope: slow, never dies" not in legend_texts(fig.axes[1])
    relu_line = fig.axes[2].get_lines()[0]
    z, slope = np.asarray(relu_line.get_xdata()), np.asarray(relu_line.get_ydata())
    np.testing.assert_array_equal(slope, (z > 0).astype(float))


def test_history_plots_train_against_validation_and_marks_the_restored_epoch() -> None:
    logs = {
        "loss": [1.0, 0.5, 0.3, 0.2],
        "accuracy": [0.5, 0.7, 0.8, 0.9],
        "val_loss": [1.1, 0.6, 0.7, 0.9],
        "val_accuracy": [0.4, 0.7, 0.6, 0.6],
    }
    fig = plot.history(logs, best_epoch=1)
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]
    loss_ax = fig.axes[0]
    assert legend_texts(loss_ax) == ["Train Loss", "Val Loss", "Restored (epoch 2)"]
    train, val, marker = loss_ax.get_lines()[:3]
    np.testing.assert_array_equal(train.get_ydata(), logs["loss"])
    np.testing.assert_array_equal(val.get_ydata(), logs["val_loss"])
    assert list(marker.get_xdata()) == [2, 2]
    assert loss_ax.get_xlabel() == "Epoch"


def test_history_plot_from_fit_uses_the_early_stopping_epoch() -> None:
    x = np.random.default_rng(0).normal(size=(60, 4))
    y = axon.utils.to_categorical((x[:, 0] > 0).astype(int), 2)
    model = axon.Sequential(
        [axon.layers.Dense(2, activation="softmax", input_shape=(4,))]
    )
    model.compile(
        optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]
    )
    stopper = axon.callbacks.EarlyStopping(patience=50, restore_best_weights=True)
    history = model.fit(
        x, y, epochs=5, validation_split=0.3, callbacks=[stopper], verbose=0
    )
    fig = history.plot()
    expected = f"Restored (epoch {history.best_epoch + 1})"  # type: ignore[operator]
    assert expected in legend_texts(fig.axes[0])


def test_loss_curve_is_the_tutorials() -> None:
    fig = plot.loss_curve([1.0, 0.5, 0.25])
    ax = fig.axes[0]
    assert ax.get_title() == "Training Loss Curve"
    assert ax.get_ylabel() == "Cross-Entropy Loss" and ax.get_xlabel() == "Epoch"
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [1.0, 0.5, 0.25])
    _, own = plt.subplots()
    assert plot.loss_curve([1.0], ax=own) is own.figure


class ThresholdModel:
    """A stand-in classifier: class 1 where the first feature is positive."""

    output_shape = (2,)

    def predict(self, x: Any, verbose: int = 0) -> np.ndarray:
        positive = (np.asarray(x)[:, 0] > 0).astype(float)
        return np.column_stack([1 - positive, positive])


def test_decision_boundary_in_two_dimensions() -> None:
    x = np.array([[-1.0, 0.0], [1.0, 0.0], [-2.0, 1.0], [2.0, -1.0]])
    y = np.array([0, 1, 0, 1])
    fig = plot.decision_boundary(
        ThresholdModel(), x, y, resolution=50, class_names=["no", "yes"]
    )
    ax = fig.axes[0]
    assert ax.get_title() == "Decision Boundary"
    assert legend_texts(ax) == ["no", "yes"]
    assert len(ax.collections) >= 3  # the filled regions and one scatter per class


def test_decision_boundary_projects_more_features() -> None:
    x = np.random.default_rng(0).normal(size=(40, 5))
    fig = plot.decision_boundary(
        ThresholdModel(), x, (x[:, 0] > 0).astype(int), resolution=30
    )
    ax = fig.axes[0]
    assert "5 features projected on 2 principal components" in ax.get_title()
    assert ax.get_xlabel() == "principal component 1"
    with pytest.raises(ValueError, match="features >= 2"):
        plot.decision_boundary(ThresholdModel(), x[:, :1], x[:, 0] > 0)


def test_regression_metrics_are_titled_as_acronyms() -> None:
    fig = plot.history({"loss": [1.0, 0.5], "mae": [0.9, 0.4], "val_mae": [1, 0.6]})
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "MAE"]
    assert legend_texts(fig.axes[1]) == ["Train MAE", "Val MAE"]


def test_confusion_matrix_counts_and_annotates() -> None:
    x = np.array([[-1.0], [1.0], [2.0], [-3.0], [0.5]])
    y = np.array([0, 1, 0, 0, 1])  # the model gets row 2 wrong
    fig = plot.confusion_matrix(ThresholdModel(), x, y, class_names=["a", "b"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["2", "1", "0", "2"]
    assert ax.get_title() == "Confusion Matrix, accuracy 0.8000"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]


def test_missing_matplotlib_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install 'axon\[plot\]'"):
        plot.pyplot()
