from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.losses import LOSSES
from axon.testing import check_loss_gradient

RNG = np.random.default_rng(0)
CLASSES = sorted({LOSSES.lookup(n) for n in LOSSES.names()}, key=lambda c: c.__name__)
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "none"]


def _data(loss: axon.losses.Loss, n: int = 6, d: int = 4) -> tuple[Any, Any]:
    """Targets and predictions in each loss's domain, away from its kinks and clips."""
    name = type(loss).__name__
    logits = RNG.normal(size=(n, d))
    if loss.target == "index":
        labels = RNG.integers(0, d, size=n)
        return labels, logits if loss.from_logits else axon.activations.softmax(logits)
    if name == "CategoricalCrossentropy":
        y = np.eye(d)[RNG.integers(0, d, size=n)]
        return y, logits if loss.from_logits else RNG.uniform(0.05, 1.0, (n, d))
    if name == "BinaryCrossentropy":
        y = RNG.integers(0, 2, size=(n, d)).astype(float)
        return y, logits if loss.from_logits else RNG.uniform(0.1, 0.9, (n, d))
    if name == "CategoricalHinge":
        return np.eye(d)[RNG.integers(0, d, size=n)], logits
    if name in ("Hinge", "SquaredHinge"):
        return RNG.choice([-1.0, 1.0], size=(n, d)), logits
    if name == "KLDivergence":
        return RNG.dirichlet(np.ones(d), size=n), RNG.uniform(0.05, 0.95, (n, d))
    if name in ("Poisson", "MeanSquaredLogarithmicError"):
        return RNG.uniform(0.0, 3.0, (n, d)), RNG.uniform(0.2, 3.0, (n, d))
    if name == "MeanAbsolutePercentageError":
        return RNG.uniform(0.5, 2.0, (n, d)) * RNG.choice([-1, 1], (n, d)), logits
    return RNG.normal(size=(n, d)), logits  # any loss registered later


def _variants(cls: type[axon.losses.Loss]) -> list[axon.losses.Loss]:
    losses = [cls(reduction=r) for r in REDUCTIONS]
    if cls.pairs_with is not None:
        losses += [cls(from_logits=True, reduction=r) for r in REDUCTIONS]
    if "label_smoothing" in cls().get_config():
        losses += [cls(label_smoothing=0.2), cls(from_logits=True, label_smoothing=0.2)]
    return losses


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_registered_loss_passes_the_gradient_check(
    cls: type[axon.losses.Loss],
) -> None:
    """Each reduction, from_logits and label_smoothing variant, and the fused path."""
    for loss in _variants(cls):
        y_true, y_pred = _data(loss)
        assert check_loss_gradient(loss, y_true, y_pred) < 1e-6, loss
        if loss.pairs_with is not None and loss.reduction != "none":
            logits = RNG.normal(size=y_pred.shape)
            error = check_loss_gradient(loss, y_true, logits, from_logits=True)
            assert error < 1e-6, loss


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_each_reduction_is_what_keras_does_with_the_values(
    cls: type[axon.losses.Loss],
) -> None:
    y_true, y_pred = _data(cls())
    values = cls(reduction="none")(y_true, y_pred)
    weights = RNG.uniform(0.5, 2, len(values))
    assert isinstance(values, np.ndarray) and values.shape == (len(y_pred),)
    assert cls()(y_true, y_pred) == pytest.approx(values.mean(), rel=1e-6)
    assert cls(reduction="mean")(y_true, y_pred) == pytest.approx(values.mean())
    assert cls(reduction="sum")(y_true, y_pred) == pytest.approx(values.sum())
    assert cls(reduction=None)(y_true, y_pred) == pytest.approx(values)
    weighted = cls(reduction="mean_with_sample_weight")(y_true, y_pred, weights)
    assert weighted == pytest.approx((values * weights).sum() / weights.sum())
    assert cls()(y_true, y_pred, weights) == pytest.approx((values * weights).mean())


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_loss_has_a_function_form_returning_per_sample_values(
    cls: type[axon.losses.Loss],
) -> None:
    functions = [f for f, c in axon.losses.base.FUNCTIONS.items() if c is cls]
    assert len(functions) == 1
    function = functions[0]
    assert getattr(axon.losses, function.__name__) is function
    assert axon.losses.get(function.__name__).__class__ is cls  # the string name too
    y_true, y_pred = _data(cls())
    np.testing.assert_allclose(
        function(y_true, y_pred), cls(reduction="none")(y_true, y_pred)
    )
    assert type(axon.losses.get(function)) is cls  # compile(loss=axon.losses.hinge)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_loss_round_trips_through_serialize(cls: type[axon.losses.Loss]) -> None:
    assert axon.losses.get(axon.losses.serialize(cls())).get_config() == (
        cls().get_config()
    )
    assert isinstance(axon.losses.serialize(cls()), str)
    renamed = cls(reduction="sum", name="mine")
    config = axon.losses.serialize(renamed)
    assert config == {"class_name": cls.__name__, "config": renamed.get_config()}
    again = axon.losses.get(config)
    assert type(again) is cls and again.get_config() == renamed.get_config()
    assert again.name == "mine" and again.reduction == "sum"


def test_keras_string_names_and_aliases() -> None:
    expected = {
        "mse": "MeanSquaredError",
        "MSE": "MeanSquaredError",
        "mae": "MeanAbsoluteError",
        "mape": "MeanAbsolutePercentageError",
        "MAPE": "MeanAbsolutePercentageError",
        "msle": "MeanSquaredLogarithmicError",
        "kld": "KLDivergence",
        "KLD": "KLDivergence",
        "kl_divergence": "KLDivergence",
        "log_cosh": "LogCosh",
        "huber": "Huber",
        "bce": "BinaryCrossentropy",
        "poisson": "Poisson",
        "cosine_similarity": "CosineSimilarity",
        "hinge": "Hinge",
        "squared_hinge": "SquaredHinge",
        "categorical_hinge": "CategoricalHinge",
        "CategoricalCrossentropy": "CategoricalCrossentropy",
    }
    for name, class_name in expected.items():
        assert type(axon.losses.get(name)).__name__ == class_name
    # Keras 3 knows neither Keras 2's "logcosh" nor the name "huber_loss" as strings.
    for name in ("logcosh", "huber_loss"):
        with pytest.raises(ValueError, match=f"Unknown loss: '{name}'.*log_cosh"):
            axon.losses.get(name)


def test_default_names_are_keras_names() -> None:
    assert axon.losses.Huber().name == "huber_loss"
    assert axon.losses.LogCosh().name == "log_cosh"
    assert axon.losses.KLDivergence().name == "kl_divergence"
    assert axon.losses.MeanSquaredError(name="l").name == "l"
    assert axon.losses.Huber().get_config() == {
        "name": "huber_loss",
        "reduction": "sum_over_batch_size",
        "delta": 1.0,
    }


def test_categorical_crossentropy_matches_the_tutorial_formula() -> None:
    y = np.eye(3)[[0, 2, 1, 1]]
    p = axon.activations.softmax(RNG.normal(size=(4, 3)))
    expected = -np.sum(y * np.log(p)) / 4
    assert axon.losses.CategoricalCrossentropy()(y, p) == pytest.approx(
        expected, rel=1e-12
    )
    np.testing.assert_allclose(
        axon.losses.categorical_crossentropy(y, p), -np.sum(y * np.log(p), axis=1)
    )


def test_regression_losses_match_hand_computation() -> None:
    y, p = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 2.0], [2.0, 6.0]])
    assert axon.losses.MeanSquaredError()(y, p) == pytest.approx((0.25 + 1 + 4) / 4)
    assert axon.losses.MeanAbsoluteError()(y, p) == pytest.approx((0.5 + 1 + 2) / 4)
    assert axon.losses.Huber(1.0)(y, p) == pytest.approx((0.125 + 0.5 + 1.5) / 4)
    np.testing.assert_allclose(axon.losses.mse(y, p), [0.125, 2.5])
    np.testing.assert_allclose(
        axon.losses.mean_absolute_percentage_error(y, p), [25.0, (100 / 3 + 50) / 2]
    )
    np.testing.assert_allclose(
        axon.losses.log_cosh(y, p), np.log(np.cosh(p - y)).mean(axis=1)
    )


def test_label_smoothing_moves_targets_as_keras_says() -> None:
    y, p = np.array([[0.0, 1.0, 0.0]]), np.array([[0.2, 0.5, 0.3]])
    smoothed = y * 0.7 + 0.3 / 3
    loss = axon.losses.CategoricalCrossentropy(label_smoothing=0.3)
    assert loss(y, p) == pytest.approx(-(smoothed * np.log(p)).sum())
    binary = axon.losses.BinaryCrossentropy(label_smoothing=0.3)
    t = y * 0.7 + 0.15
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()
    assert binary(y, p) == pytest.approx(expected)


@pytest.mark.parametrize(
    "name",
    [
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "binary_crossentropy",
    ],
)
def test_loss_from_logits_equals_loss_of_probabilities(name: str) -> None:
    loss = axon.losses.get(name)
    y_true, _ = _data(loss)
    logits = RNG.normal(size=(6, 4))
    assert loss.pairs_with is not None
    probs = axon.activations.get(loss.pairs_with).forward(logits.copy())
    assert loss.forward_from_logits(y_true, logits) == pytest.approx(
        loss.forward(y_true, probs), rel=1e-9
    )
    logit_loss = type(loss)(from_logits=True)
    assert logit_loss(y_true, logits) == pytest.approx(loss(y_true, probs), rel=1e-9)


def test_categorical_probabilities_are_rescaled_to_sum_to_one_as_in_keras() -> None:
    y, p = np.array([[0.0, 1.0]]), np.array([[0.5, 1.5]])
    assert axon.losses.CategoricalCrossentropy()(y, p) == pytest.approx(-np.log(0.75))
    assert axon.losses.SparseCategoricalCrossentropy()([1], p) == pytest.approx(
        -np.log(0.75)
    )


def test_cross_entropies_are_finite_for_logits_of_1e4() -> None:
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]])
    y = np.eye(3)[[0, 2]]
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value = axon.losses.CategoricalCrossentropy().forward_from_logits(y, logits)
        binary = axon.losses.BinaryCrossentropy().forward_from_logits(
            np.array([[1.0], [0.0]]), np.array([[-1e4], [-1e4]])
        )
    assert value == pytest.approx((0 + (1e4 - 5)) / 2)
    assert binary == pytest.approx(1e4 / 2)


@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_the_probability_shortcut_gives_the_log_sum_exp_value(scale: float) -> None:
    """With the softmax output at hand the loss takes a shortcut, never a wrong one."""
    loss = axon.losses.CategoricalCrossentropy(label_smoothing=0.1)
    logits = RNG.normal(size=(8, 3)) * scale
    y = np.eye(3)[RNG.integers(0, 3, 8)]
    probs = axon.activations.softmax(logits)
    with np.errstate(divide="ignore", invalid="ignore"):
        shortcut = loss.forward_from_logits(y, logits, probs)
    assert shortcut == pytest.approx(loss.forward_from_logits(y, logits), rel=1e-9)
    assert np.isfinite(shortcut)


def test_bad_arguments_are_explained() -> None:
    with pytest.raises(ValueError, match=r"'sum_over_batch_size'.*reduction='avg'"):
        axon.losses.MeanSquaredError(reduction="avg")
    with pytest.raises(
        ValueError, match=r"between 0 and 1\. Received: label_smoothing"
    ):
        axon.losses.CategoricalCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"ignore_class=None\. Received: ignore_class"):
        axon.losses.SparseCategoricalCrossentropy(ignore_class=255)
    with pytest.raises(ValueError, match=r"axis=-1\. Received: axis=0"):
        axon.losses.BinaryCrossentropy(axis=0)
    with pytest.raises(ValueError, match=r"positive delta\. Received: delta=-1"):
        axon.losses.Huber(-1)
    with pytest.raises(TypeError, match="from_logits"):
        axon.losses.MeanSquaredError(from_logits=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="cannot differentiate a plain function"):
        axon.losses.get(lambda y_true, y_pred: 0.0)
    with pytest.raises(ValueError, match="Bad arguments for the loss 'Huber'"):
        axon.losses.get({"class_name": "Huber", "config": {"alpha": 1}})
    with pytest.raises(ValueError, match="sample_weight of shape"):
        axon.losses.MeanSquaredError()([[1.0], [2.0]], [[1.0], [3.0]], [1.0, 2, 3])


def test_unknown_loss_lists_the_known_ones() -> None:
    with pytest.raises(
        ValueError, match=r"Unknown loss: 'crossentropy'.*binary_crossentropy"
    ):
        axon.losses.get("crossentropy")


def test_cosine_similarity_along_another_axis() -> None:
    y, p = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    loss = axon.losses.CosineSimilarity(axis=0, reduction="none")
    unit = lambda a: a / np.linalg.norm(a, axis=0)  # noqa: E731
    np.testing.assert_allclose(loss(y, p), -(unit(y) * unit(p)).sum(axis=0))
    axon.config.set_floatx("float64")
    assert check_loss_gradient(axon.losses.CosineSimilarity(axis=0), y, p) < 1e-6


def test_hinge_turns_zero_one_labels_into_signs() -> None:
    p = np.array([[0.3, -2.0]])
    assert axon.losses.hinge([[1.0, 0.0]], p) == pytest.approx(
        axon.losses.hinge([[1.0, -1.0]], p)
    )


def _regression_model(loss: Any) -> axon.Sequential:
    axon.utils.set_random_seed(3)
    model = axon.Sequential([axon.layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer=axon.optimizers.SGD(0.1), loss=loss)
    return model


def test_the_training_gradient_follows_the_reduction() -> None:
    """One SGD step with ``"sum"`` over 8 samples moves the weights 8x the mean's."""
    x, y = RNG.normal(size=(8, 3)), RNG.normal(size=(8, 2))
    steps = {}
    for reduction in ("sum_over_batch_size", "sum"):
        model = _regression_model(axon.losses.MeanSquaredError(reduction=reduction))
        before = model.get_weights()[0]
        model.train_on_batch(x, y)
        steps[reduction] = model.get_weights()[0] - before
    np.testing.assert_allclose(
        steps["sum"], 8 * steps["sum_over_batch_size"], rtol=1e-4
    )


def test_training_with_reduction_none_is_refused_and_evaluate_reports_the_mean() -> (
    None
):
    x, y = RNG.normal(size=(8, 3)), RNG.normal(size=(8, 2))
    model = _regression_model(axon.losses.MeanSquaredError(reduction=None))
    with pytest.raises(ValueError, match="reduction=None, which keeps one loss per"):
        model.fit(x, y, verbose=0)
    values = axon.losses.mean_squared_error(y, model.predict(x, verbose=0))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(values.mean(), rel=1e-5)


def test_compile_takes_a_class_a_function_or_a_keras_name() -> None:
    x, y = RNG.normal(size=(8, 3)), RNG.normal(size=(8, 2))
    results = []
    for loss in ("mse", axon.losses.mean_squared_error, axon.losses.MeanSquaredError):
        model = _regression_model(loss)
        results.append(model.fit(x, y, epochs=2, verbose=0).history["loss"])
    assert results[0] == results[1] == results[2]


class QuarticError(axon.losses.Loss):
    """``L_i = mean_j (p_ij - y_ij)^4``, as in docs/extending.md."""

    def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.mean((y_pred - y_true) ** 4, axis=-1)

    def gradient(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return 4 * (y_pred - y_true) ** 3 / y_pred.shape[-1]


class ForgotTheGradient(axon.losses.Loss):
    def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return np.mean(np.abs(y_pred - y_true), axis=-1)


def test_the_custom_loss_section_of_the_docs_runs() -> None:
    """The code blocks of docs/extending.md's "Custom losses", run in order."""
    text = (Path(__file__).parents[1] / "docs" / "extending.md").read_text()
    section = text.split("## Custom losses")[1].split("\n## ")[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) >= 3
    namespace: dict[str, Any] = {}
    try:
        for block in blocks:
            exec(block, namespace)
    finally:  # the docs register their loss; the registry is global
        for key in ("quartic_error", "QuarticError"):
            LOSSES._items.pop(key, None)
    loss = namespace["QuarticError"]()
    assert loss.name == "quartic_error" and loss.reduction == "sum_over_batch_size"
    assert isinstance(axon.losses.serialize(loss), dict)


def test_a_custom_loss_without_its_gradient_says_what_is_missing() -> None:
    model = _regression_model(ForgotTheGradient())
    with pytest.raises(NotImplementedError, match="must define gradient"):
        model.fit(RNG.normal(size=(4, 3)), RNG.normal(size=(4, 2)), verbose=0)


def test_a_wrong_custom_gradient_is_caught_by_the_check() -> None:
    class Wrong(QuarticError):
        def gradient(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
            return 3 * (y_pred - y_true) ** 3 / y_pred.shape[-1]

    y_true, y_pred = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    assert check_loss_gradient(Wrong(), y_true, y_pred) > 0.1


def test_backward_never_scales_a_gradient_that_is_the_callers_array() -> None:
    class HalfSquare(axon.losses.Loss):
        def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
            return 0.5 * (y_pred**2).sum(axis=-1)

        def gradient(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
            return y_pred  # the caller's own array

    y_pred = np.ones((4, 2))
    grad = HalfSquare().backward(np.zeros((4, 2)), y_pred)
    np.testing.assert_array_equal(grad, 0.25)
    np.testing.assert_array_equal(y_pred, 1.0)
