"""Exact single steps against the formulas, the shared arguments, and saving.

Every expected value is computed here in float64 from the optimizer's formula, written
out independently of the implementation (Keras's numbers are checked in
tests/test_reference_keras_optimizers.py).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.optimizers import schedules

W0 = np.array([1.0, -2.0, 0.5])
G = np.array([0.1, -0.3, 2.0])
G2 = np.array([0.2, 0.2, -1.0])


def step(optimizer: axon.optimizers.Optimizer, grads: list[np.ndarray]) -> np.ndarray:
    w = W0.copy()
    for g in grads:
        optimizer.apply(w, g)
    return w


# -- each optimizer's rule ------------------------------------------------------------
def test_sgd_single_step() -> None:
    np.testing.assert_allclose(
        step(axon.optimizers.SGD(0.1), [G]), W0 - 0.1 * G, rtol=1e-15
    )


def test_sgd_momentum_two_steps() -> None:
    v1 = -0.1 * G
    v2 = 0.9 * v1 - 0.1 * G2
    expected = W0 + v1 + v2
    result = step(axon.optimizers.SGD(0.1, momentum=0.9), [G, G2])
    np.testing.assert_allclose(result, expected, rtol=1e-15)


def test_sgd_nesterov_two_steps() -> None:
    v1 = -0.1 * G
    w1 = W0 + 0.9 * v1 - 0.1 * G
    v2 = 0.9 * v1 - 0.1 * G2
    expected = w1 + 0.9 * v2 - 0.1 * G2
    result = step(axon.optimizers.SGD(0.1, momentum=0.9, nesterov=True), [G, G2])
    np.testing.assert_allclose(result, expected, rtol=1e-14)


def adam_reference(
    grads: list[np.ndarray], lr: float = 0.01, amsgrad: bool = False, wd: float = 0.0
) -> np.ndarray:
    b1, b2, eps = 0.9, 0.999, 1e-7
    w, m, v, v_max = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        w = w - lr * wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = np.maximum(v_max, v)
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - alpha * m / (np.sqrt(v_max if amsgrad else v) + eps)
    return w


def test_adam_single_step_moves_each_weight_by_about_the_learning_rate() -> None:
    result = step(axon.optimizers.Adam(0.01), [G])
    np.testing.assert_allclose(result, adam_reference([G]), rtol=1e-14)
    np.testing.assert_allclose(W0 - result, 0.01 * np.sign(G), rtol=1e-4)


def test_adam_golden_trajectory() -> None:
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=3) for _ in range(5)]
    optimizer = axon.optimizers.Adam(0.01)
    np.testing.assert_allclose(
        step(optimizer, grads), adam_reference(grads), rtol=1e-13
    )
    assert optimizer.iterations == 5


def test_amsgrad_divides_by_the_largest_second_moment_so_far() -> None:
    grads = [G * 10, G * 0.1, G]  # the second moment falls after the first step
    result = step(axon.optimizers.Adam(0.01, amsgrad=True), grads)
    np.testing.assert_allclose(result, adam_reference(grads, amsgrad=True), rtol=1e-13)
    assert not np.allclose(result, adam_reference(grads), rtol=1e-6)


def test_adamw_decays_before_the_adam_step() -> None:
    result = step(axon.optimizers.AdamW(0.01, weight_decay=0.5), [G, G2])
    np.testing.assert_allclose(result, adam_reference([G, G2], wd=0.5), rtol=1e-13)


def test_nadam_two_steps() -> None:
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, 0.01
    w, m, v, product = W0.copy(), np.zeros(3), np.zeros(3), 1.0
    for t, g in enumerate([G, G2], start=1):
        u_t, u_next = b1 * (1 - 0.5 * 0.96**t), b1 * (1 - 0.5 * 0.96 ** (t + 1))
        product *= u_t
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = u_next * m / (1 - product * u_next) + (1 - u_t) * g / (1 - product)
        w = w - lr * m_hat / (np.sqrt(v / (1 - b2**t)) + eps)
    result = step(axon.optimizers.Nadam(lr), [G, G2])
    np.testing.assert_allclose(result, w, rtol=1e-13)


def test_adagrad_single_step_starts_from_its_initial_accumulator() -> None:
    expected = W0 - 0.1 * G / np.sqrt(0.1 + G * G + 1e-7)
    result = step(axon.optimizers.Adagrad(0.1), [G])
    np.testing.assert_allclose(result, expected, rtol=1e-14)


def test_adamax_two_steps() -> None:
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, 0.01
    w, m, u = W0.copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate([G, G2], start=1):
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1**t) * (u + eps))
    result = step(axon.optimizers.Adamax(lr), [G, G2])
    np.testing.assert_allclose(result, w, rtol=1e-13)


def test_adadelta_two_steps() -> None:
    rho, eps, lr = 0.95, 1e-7, 1.0
    w, acc_g, acc_d = W0.copy(), np.zeros(3), np.zeros(3)
    for g in [G, G2]:
        acc_g = rho * acc_g + (1 - rho) * g * g
        delta = -np.sqrt(acc_d + eps) * g / np.sqrt(acc_g + eps)
        acc_d = rho * acc_d + (1 - rho) * delta * delta
        w = w + lr * delta
    result = step(axon.optimizers.Adadelta(lr), [G, G2])
    np.testing.assert_allclose(result, w, rtol=1e-13)
    assert axon.optimizers.Adadelta().learning_rate == 0.001  # Keras's default


def test_lion_moves_every_weight_by_the_learning_rate() -> None:
    b1, b2, lr = 0.9, 0.99, 0.01
    w, m = W0.copy(), np.zeros(3)
    # The second gradient nearly cancels the momentum: beta_1 decides the sign.
    grads = [G, -0.095 * G, G2]
    for g in grads:
        w = w - lr * np.sign(b1 * m + (1 - b1) * g)
        m = b2 * m + (1 - b2) * g
    result = step(axon.optimizers.Lion(lr), grads)
    np.testing.assert_allclose(result, w, rtol=1e-15)
    np.testing.assert_allclose(np.abs(step(axon.optimizers.Lion(lr), [G]) - W0), lr)


def test_ftrl_single_step_with_every_penalty() -> None:
    lr, power, l1, l2, shrink, beta = 0.1, -0.5, 0.05, 0.02, 0.03, 0.1
    n = 0.1 + G * G
    sigma = (n**0.5 - 0.1**0.5) / lr
    z = G + 2 * shrink * W0 - sigma * W0
    quadratic = n**0.5 / lr + 2 * (l2 + beta / (2 * lr))
    expected = (np.clip(z, -l1, l1) - z) / quadratic
    optimizer = axon.optimizers.Ftrl(
        lr,
        learning_rate_power=power,
        l1_regularization_strength=l1,
        l2_regularization_strength=l2,
        l2_shrinkage_regularization_strength=shrink,
        beta=beta,
    )
    np.testing.assert_allclose(step(optimizer, [G]), expected, rtol=1e-14)


def test_ftrl_l1_keeps_small_weights_at_exactly_zero() -> None:
    w = np.zeros(3)
    axon.optimizers.Ftrl(0.1, l1_regularization_strength=1.0).apply(w, G)
    assert w[0] == 0.0 and w[1] == 0.0 and w[2] != 0.0


def test_rmsprop_single_step() -> None:
    s = 0.1 * G * G
    expected = W0 - 0.001 * G / np.sqrt(s + 1e-7)
    np.testing.assert_allclose(
        step(axon.optimizers.RMSprop(), [G]), expected, rtol=1e-14
    )


def test_rmsprop_centered_with_momentum_two_steps() -> None:
    rho, mu, eps, lr = 0.9, 0.5, 1e-7, 0.01
    w, s, a, u = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3)
    for g in [G, G2]:
        s = rho * s + (1 - rho) * g * g
        a = rho * a + (1 - rho) * g
        u = mu * u + lr * g / np.sqrt(s - a * a + eps)
        w = w - u
    result = step(axon.optimizers.RMSprop(lr, momentum=mu, centered=True), [G, G2])
    np.testing.assert_allclose(result, w, rtol=1e-13)


@pytest.mark.parametrize("name", axon.optimizers.OPTIMIZERS.names())
def test_float32_parameters_and_slots_stay_float32(name: str) -> None:
    w = W0.astype(np.float32)
    optimizer = axon.optimizers.get(name)
    optimizer.apply(w, G.astype(np.float32))
    assert w.dtype == np.float32 and np.all(np.isfinite(w))
    assert all(slot.dtype == np.float32 for slot in optimizer.slots.values())


@pytest.mark.parametrize("name", axon.optimizers.OPTIMIZERS.names())
def test_apply_never_writes_the_gradient(name: str) -> None:
    optimizer = axon.optimizers.get(
        {"name": name, "clipnorm": 0.1, "weight_decay": 0.1}
    )
    g = G.copy()
    step(optimizer, [g, g])
    np.testing.assert_array_equal(g, G)


# -- clipping ---------------------------------------------------------------------------
TWO = [slice(0, 2), slice(2, 3)]  # two weights: values 0-1 and value 2


def sgd(**kwargs: Any) -> axon.optimizers.SGD:
    optimizer = axon.optimizers.SGD(1.0, **kwargs)
    optimizer.set_variables(TWO, ["dense/kernel", "dense/bias"])
    return optimizer


def test_clipnorm_clips_each_weight_by_its_own_norm() -> None:
    clipped = W0 - step(sgd(clipnorm=0.25), [G])  # with lr=1 the step is the gradient
    first = G[:2] * 0.25 / np.linalg.norm(G[:2])  # |(0.1, -0.3)| = 0.32 > 0.25
    np.testing.assert_allclose(clipped, [*first, 0.25], rtol=1e-14)
    kept = W0 - step(sgd(clipnorm=0.5), [G])  # the first weight is under 0.5: kept
    np.testing.assert_allclose(kept, [0.1, -0.3, 0.5], rtol=1e-14)


def test_clipnorm_without_variables_treats_the_vector_as_one_weight() -> None:
    clipped = W0 - step(axon.optimizers.SGD(1.0, clipnorm=0.5), [G])
    np.testing.assert_allclose(clipped, G * 0.5 / np.linalg.norm(G), rtol=1e-14)


def test_global_clipnorm_scales_every_weight_together() -> None:
    clipped = W0 - step(sgd(global_clipnorm=0.5), [G])
    np.testing.assert_allclose(clipped, G * 0.5 / np.linalg.norm(G), rtol=1e-14)
    untouched = W0 - step(sgd(global_clipnorm=5.0), [G])
    np.testing.assert_allclose(untouched, G, rtol=1e-15)


def test_clipvalue_clips_each_value() -> None:
    clipped = W0 - step(sgd(clipvalue=0.2), [G])
    np.testing.assert_allclose(clipped, [0.1, -0.2, 0.2], rtol=1e-15)


def test_clipping_can_change_between_steps() -> None:
    optimizer = sgd()
    w = W0.copy()
    optimizer.apply(w, G)
    optimizer.clipvalue = 0.2
    optimizer.apply(w, G)
    np.testing.assert_allclose(w, W0 - G - [0.1, -0.2, 0.2], rtol=1e-15)


def test_a_nan_gradient_norm_gives_nan_not_a_silent_step() -> None:
    w = W0.copy()
    sgd(global_clipnorm=1.0).apply(w, np.array([np.nan, 0.0, 1.0]))
    assert np.all(np.isnan(w))


# -- weight decay -------------------------------------------------------------------------
def test_weight_decay_is_decoupled_and_uses_the_current_learning_rate() -> None:
    lr, wd = 0.1, 0.5
    result = step(axon.optimizers.SGD(lr, weight_decay=wd), [G])
    np.testing.assert_allclose(result, W0 * (1 - lr * wd) - lr * G, rtol=1e-15)
    rate = schedules.PiecewiseConstantDecay([0], [0.1, 0.3])  # 0.1 at step 0, then 0.3
    result = step(axon.optimizers.SGD(rate, weight_decay=wd), [G, G])
    w1 = W0 * (1 - 0.1 * wd) - 0.1 * G
    np.testing.assert_allclose(result, w1 * (1 - 0.3 * wd) - 0.3 * G, rtol=1e-15)


def test_exclude_from_weight_decay_by_name_and_by_array() -> None:
    lr, wd = 0.1, 0.5
    decayed = W0 * (1 - lr * wd) - lr * G
    kept = W0 - lr * G
    optimizer = axon.optimizers.SGD(lr, weight_decay=wd)
    optimizer.set_variables(TWO, ["dense/kernel", "dense/bias"])
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    np.testing.assert_allclose(step(optimizer, [G]), [*decayed[:2], kept[2]])
    optimizer = axon.optimizers.SGD(lr, weight_decay=wd)
    optimizer.exclude_from_weight_decay(var_names=["^dense/kernel$"])  # the path
    optimizer.set_variables(TWO, ["dense/kernel", "dense/bias"])
    np.testing.assert_allclose(step(optimizer, [G]), [*kept[:2], decayed[2]])
    w = W0.copy()
    optimizer = axon.optimizers.SGD(lr, weight_decay=wd)
    optimizer.exclude_from_weight_decay(var_list=[w[1:2]])
    optimizer.apply(w, G)
    np.testing.assert_allclose(w, [decayed[0], kept[1], decayed[2]])


def test_exclude_from_weight_decay_needs_views_into_the_vector() -> None:
    optimizer = axon.optimizers.SGD(weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_list=[np.zeros(2)])
    with pytest.raises(ValueError, match="views into the model's parameter vector"):
        step(optimizer, [G])


def test_set_variables_checks_the_slices() -> None:
    optimizer = axon.optimizers.SGD()
    with pytest.raises(ValueError, match="cover the vector in order"):
        optimizer.set_variables([slice(0, 2), slice(1, 3)])
    with pytest.raises(ValueError, match="one name per slice"):
        optimizer.set_variables(TWO, ["only one"])
    optimizer.set_variables([slice(0, 2)])
    with pytest.raises(ValueError, match="described 2 values"):
        step(optimizer, [G])


# -- the learning rate --------------------------------------------------------------------
def test_a_schedule_is_evaluated_at_the_steps_already_taken() -> None:
    rate = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    optimizer = axon.optimizers.SGD(rate)
    assert optimizer.learning_rate == 0.1
    result = step(optimizer, [G, G, G])
    np.testing.assert_allclose(result, W0 - (0.1 + 0.05 + 0.025) * G, rtol=1e-15)
    assert optimizer.iterations == 3 and optimizer.learning_rate == 0.0125


def test_callables_of_the_step_and_of_nothing() -> None:
    seen: list[int] = []

    def of_step(t: int) -> float:
        seen.append(t)
        return 0.1

    step(axon.optimizers.SGD(of_step), [G, G])
    assert seen == [0, 1]
    result = step(axon.optimizers.SGD(lambda: 0.2), [G])  # Keras's form
    np.testing.assert_allclose(result, W0 - 0.2 * G, rtol=1e-15)


def test_learning_rate_is_settable_and_the_next_step_uses_it() -> None:
    optimizer = axon.optimizers.SGD(0.1)
    w = W0.copy()
    optimizer.apply(w, G)
    optimizer.learning_rate = 0.5
    assert optimizer.learning_rate == 0.5
    optimizer.apply(w, G)
    np.testing.assert_allclose(w, W0 - 0.6 * G, rtol=1e-15)
    optimizer.learning_rate = schedules.ExponentialDecay(1.0, 1, 0.5)
    assert optimizer.learning_rate == 0.25  # evaluated at iterations=2
    with pytest.raises(TypeError, match="follows a schedule"):
        optimizer.learning_rate = 0.1
    with pytest.raises(ValueError, match="learning_rate=-1"):
        axon.optimizers.SGD(0.1).learning_rate = -1


def test_a_schedule_that_turns_negative_is_stopped_at_that_step() -> None:
    optimizer = axon.optimizers.SGD(lambda t: 0.1 - 0.1 * t)
    w = W0.copy()
    optimizer.apply(w, G)
    optimizer.apply(w, G)  # 0.0 is a rate
    with pytest.raises(ValueError, match=r"learning_rate=-0.1.* at step 2"):
        optimizer.apply(w, G)


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: axon.optimizers.Adam(learning_rate=-1), "learning_rate=-1"),
        (lambda: axon.optimizers.SGD(learning_rate="fast"), "learning_rate='fast'"),
        (lambda: axon.optimizers.Adam(learning_rate=float("nan")), "learning_rate=nan"),
        (lambda: axon.optimizers.SGD(learning_rate=True), "learning_rate=True"),
        (lambda: axon.optimizers.SGD(momentum=1.5), "momentum=1.5"),
        (lambda: axon.optimizers.Adam(beta_1=1.0), "beta_1=1.0"),
        (lambda: axon.optimizers.Adam(clipnorm=0), "clipnorm=0"),
        (lambda: axon.optimizers.Adam(clipnorm=-1.0), "clipnorm=-1.0"),
        (lambda: axon.optimizers.Adam(clipvalue=-1.0), "clipvalue=-1.0"),
        (lambda: axon.optimizers.Adam(global_clipnorm=0.0), "global_clipnorm=0.0"),
        (lambda: axon.optimizers.SGD(weight_decay=-0.1), "weight_decay=-0.1"),
        (lambda: axon.optimizers.AdamW(weight_decay=None), "weight_decay=None"),
        (
            lambda: axon.optimizers.Adam(clipnorm=1.0, clipvalue=1.0),
            "Only one of clipnorm, clipvalue and global_clipnorm",
        ),
        (lambda: axon.optimizers.Lion(beta_1=0.0), "beta_1=0.0"),
        (
            lambda: axon.optimizers.Ftrl(learning_rate_power=0.5),
            "learning_rate_power=0.5",
        ),
        (
            lambda: axon.optimizers.Ftrl(l1_regularization_strength=-1.0),
            "l1_regularization_strength=-1.0",
        ),
        (
            lambda: axon.optimizers.Adagrad(initial_accumulator_value=-0.1),
            "initial_accumulator_value=-0.1",
        ),
        (lambda: axon.optimizers.Adam(use_ema=True), "use_ema=True"),
        (lambda: axon.optimizers.Adam(loss_scale_factor=128.0), "loss_scale_factor"),
        (
            lambda: axon.optimizers.SGD(gradient_accumulation_steps=4),
            "gradient_accumulation_steps=4",
        ),
        (lambda: axon.optimizers.get("adamx"), "Unknown optimizer: 'adamx'.*adamax"),
        (lambda: axon.optimizers.get({"name": "adam", "beta": 1}), "Bad arguments"),
    ],
)
def test_bad_arguments_are_named(factory: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        factory()


def test_ftrl_refuses_a_zero_learning_rate_when_stepping() -> None:
    with pytest.raises(ValueError, match="divides by the learning rate"):
        step(axon.optimizers.Ftrl(0.0), [G])


# -- names and configs ------------------------------------------------------------------
def test_every_keras_optimizer_name_is_known() -> None:
    names = ["sgd", "adam", "adamw", "nadam", "adagrad", "adamax", "adadelta"]
    names += ["lion", "ftrl", "rmsprop"]
    assert sorted(names) == axon.optimizers.OPTIMIZERS.names()
    for name in names:
        optimizer = axon.optimizers.get(name.upper())
        assert optimizer.name == name
        assert type(optimizer).__name__ in axon.optimizers.__all__


@pytest.mark.parametrize("name", axon.optimizers.OPTIMIZERS.names())
def test_config_round_trips_with_a_schedule_and_the_shared_arguments(name: str) -> None:
    rate = schedules.CosineDecay(0.0, 100, warmup_target=0.01, warmup_steps=10)
    optimizer = axon.optimizers.get(name)
    arguments = {"learning_rate": rate, "weight_decay": 0.01, "clipnorm": 2.0}
    optimizer = type(optimizer)(**arguments)
    config = optimizer.get_config()
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    again = type(optimizer).from_config(config)
    assert again.get_config() == config
    saved = axon.optimizers.serialize(optimizer)
    assert axon.optimizers.deserialize(saved).get_config() == config
    assert axon.optimizers.get(saved).learning_rate == 0.0


def test_get_reads_keras_layout() -> None:
    keras_config = {
        "class_name": "AdamW",
        "config": {"name": "adamw", "learning_rate": 0.01, "weight_decay": 0.1},
    }
    optimizer = axon.optimizers.get(keras_config)
    assert isinstance(optimizer, axon.optimizers.AdamW)
    assert optimizer.learning_rate == 0.01 and optimizer.weight_decay == 0.1


def test_a_plain_function_as_learning_rate_cannot_be_saved(tmp_path: Path) -> None:
    optimizer = axon.optimizers.SGD(lambda: 0.1)
    assert callable(optimizer.get_config()["learning_rate"])  # in memory it is kept
    with pytest.raises(ValueError, match="Use a LearningRateSchedule"):
        axon.optimizers.serialize(optimizer)
    model, _, _ = model_and_data(optimizer)
    with pytest.raises(
        ValueError, match="Cannot save a learning rate given as a function"
    ):
        model.save(tmp_path / "model.axon")
    assert not list(tmp_path.iterdir())


def test_repr_shows_what_differs_from_the_defaults() -> None:
    text = repr(axon.optimizers.SGD(0.1, clipnorm=1.0))
    assert text == "SGD(learning_rate=0.1, clipnorm=1.0, momentum=0.0, nesterov=False)"


# -- in a model, and in its file -----------------------------------------------------------
def model_and_data(optimizer: Any) -> tuple[axon.Sequential, np.ndarray, np.ndarray]:
    axon.utils.set_random_seed(3)
    model = axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.Dense(6, activation="relu", name="hidden"),
            axon.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4)).astype(np.float32) * 3
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)]
    return model, x, y


def test_a_model_tells_its_optimizer_where_each_weight_lies() -> None:
    model, x, y = model_and_data(axon.optimizers.SGD(1.0, clipnorm=1e-3))
    before = model.get_weights()
    model.train_on_batch(x, y)
    for old, new in zip(before, model.get_weights(), strict=True):
        assert np.linalg.norm(new - old) == pytest.approx(1e-3, rel=1e-4)


def test_a_model_excludes_its_biases_from_weight_decay_by_name() -> None:
    decayed = axon.optimizers.SGD(0.1, weight_decay=0.5)
    decayed.exclude_from_weight_decay(var_names=["bias"])
    model, x, y = model_and_data(decayed)
    plain, _, _ = model_and_data(axon.optimizers.SGD(0.1))
    start = model.get_weights()
    model.train_on_batch(x, y)
    plain.train_on_batch(x, y)
    for i, (a, b, w) in enumerate(
        zip(model.get_weights(), plain.get_weights(), start, strict=True)
    ):
        shrink = 0.0 if i % 2 else 0.1 * 0.5  # kernels decay, biases (odd) do not
        np.testing.assert_allclose(a, b - shrink * w, rtol=1e-5, atol=1e-7)


OPTIMIZERS_TO_SAVE = [
    *axon.optimizers.OPTIMIZERS.names(),
    {"name": "adam", "amsgrad": True, "global_clipnorm": 1.0},
    {"name": "rmsprop", "momentum": 0.5, "centered": True, "clipvalue": 0.5},
    {"name": "sgd", "momentum": 0.9, "nesterov": True},
]


@pytest.mark.parametrize("identifier", OPTIMIZERS_TO_SAVE, ids=str)
def test_a_saved_model_resumes_bit_identically(identifier: Any, tmp_path: Path) -> None:
    """Each optimizer with a schedule, weight decay and clipnorm: save, load, go on."""

    def make() -> axon.optimizers.Optimizer:
        optimizer = axon.optimizers.get(identifier)
        config = {
            **optimizer.get_config(),
            "learning_rate": schedules.ExponentialDecay(0.05, 3, 0.7),
            "weight_decay": 0.01,
        }
        if not any(config[k] for k in ("clipnorm", "clipvalue", "global_clipnorm")):
            config["clipnorm"] = 0.5
        optimizer = type(optimizer)(**config)
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        return optimizer

    straight, x, y = model_and_data(make())
    straight.fit(x, y, batch_size=8, epochs=4, verbose=0)
    first, _, _ = model_and_data(make())
    first.fit(x, y, batch_size=8, epochs=2, verbose=0)
    first.save(tmp_path / "half.axon")
    resumed = axon.models.load_model(tmp_path / "half.axon")
    assert resumed.optimizer is not None and straight.optimizer is not None
    assert resumed.optimizer.get_config() == first.optimizer.get_config()  # type: ignore[union-attr]
    # What a file cannot hold: the exclusions are code-side, as in Keras.
    resumed.optimizer.exclude_from_weight_decay(var_names=["bias"])
    resumed.fit(x, y, batch_size=8, epochs=4, initial_epoch=2, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert resumed.optimizer.iterations == straight.optimizer.iterations == 20


def test_public_names() -> None:
    assert sorted(axon.optimizers.__all__) == sorted(
        [
            "OPTIMIZERS",
            "SGD",
            "Adadelta",
            "Adagrad",
            "Adam",
            "AdamW",
            "Adamax",
            "Ftrl",
            "Lion",
            "Nadam",
            "Optimizer",
            "RMSprop",
            "deserialize",
            "get",
            "schedules",
            "serialize",
        ]
    )
