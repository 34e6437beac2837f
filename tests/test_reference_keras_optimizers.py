"""axon's optimizers and schedules against Keras 3's, number for number.

Both libraries start from the same float32 weights and receive the same gradients;
Keras steps a list of ``keras.Variable``s with ``apply_gradients``, axon steps one
flat vector made of the same arrays with ``apply``. After one and after five steps
every weight agrees to 1e-5, for every optimizer alone and with each shared option
(clipnorm, clipvalue, global_clipnorm, weight_decay and its exclusions, a schedule,
a callable learning rate). Schedules agree with Keras's to 1e-6 over a range of steps.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import axon

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")
# Keras's torch Nadam converts a tensor with np.array(tensor), which NumPy 2 warns about.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation:DeprecationWarning"
)

SHAPES = {
    "dense/kernel": (4, 3),
    "dense/bias": (3,),
    "out/kernel": (3, 2),
    "out/bias": (2,),
}
RNG = np.random.default_rng(0)
W0 = {name: RNG.normal(size=shape).astype(np.float32) for name, shape in SHAPES.items()}
# Gradients of mixed sizes, so that clipping by norm and by value both bite.
GRADS = [
    {
        name: (RNG.normal(size=shape) * RNG.choice([0.1, 1.0, 3.0])).astype(np.float32)
        for name, shape in SHAPES.items()
    }
    for _ in range(5)
]
TOLERANCE = 1e-5


def keras_steps(make: Callable[[], Any], steps: int, exclude: bool) -> np.ndarray:
    variables = [
        keras.Variable(W0[name].copy(), name=name.split("/")[1]) for name in SHAPES
    ]
    optimizer = make()
    if exclude:
        optimizer.exclude_from_weight_decay(var_names=["bias"])
    for grads in GRADS[:steps]:
        tensors = [keras.ops.convert_to_tensor(grads[name]) for name in SHAPES]
        optimizer.apply_gradients(zip(tensors, variables, strict=True))
    return np.concatenate([v.value.detach().numpy().ravel() for v in variables])


def axon_steps(make: Callable[[], Any], steps: int, exclude: bool) -> np.ndarray:
    params = np.concatenate([W0[name].ravel() for name in SHAPES])
    slices, offset = [], 0
    for shape in SHAPES.values():
        size = int(np.prod(shape))
        slices.append(slice(offset, offset + size))
        offset += size
    optimizer = make()
    optimizer.set_variables(slices, list(SHAPES))
    if exclude:
        optimizer.exclude_from_weight_decay(var_names=["bias"])
    for grads in GRADS[:steps]:
        flat = np.concatenate([grads[name].ravel() for name in SHAPES])
        optimizer.apply(params, flat)
    return params


# name, keyword arguments shared by both libraries (learning rates large enough that
# every step moves the weights well beyond the tolerance).
OPTIMIZERS: list[tuple[str, str, dict[str, Any]]] = [
    ("SGD", "SGD", {"learning_rate": 0.05}),
    ("SGD momentum", "SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("SGD nesterov", "SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adam", "Adam", {"learning_rate": 0.05}),
    ("Adam amsgrad", "Adam", {"learning_rate": 0.05, "amsgrad": True}),
    ("AdamW", "AdamW", {"learning_rate": 0.05}),
    ("Nadam", "Nadam", {"learning_rate": 0.05}),
    ("Adagrad", "Adagrad", {"learning_rate": 0.05}),
    ("Adamax", "Adamax", {"learning_rate": 0.05}),
    ("Adadelta", "Adadelta", {"learning_rate": 1.0}),
    ("Lion", "Lion", {"learning_rate": 0.05}),
    ("Ftrl", "Ftrl", {"learning_rate": 0.05}),
    (
        "Ftrl penalties",
        "Ftrl",
        {
            "learning_rate": 0.05,
            "learning_rate_power": -0.6,
            "l1_regularization_strength": 0.01,
            "l2_regularization_strength": 0.02,
            "l2_shrinkage_regularization_strength": 0.03,
            "beta": 0.1,
        },
    ),
    ("RMSprop", "RMSprop", {"learning_rate": 0.05}),
    (
        "RMSprop momentum centered",
        "RMSprop",
        {"learning_rate": 0.05, "momentum": 0.5, "centered": True},
    ),
]
OPTIONS: dict[str, dict[str, Any]] = {
    "alone": {},
    "clipnorm": {"clipnorm": 0.5},
    "clipvalue": {"clipvalue": 0.2},
    "global_clipnorm": {"global_clipnorm": 0.8},
    "weight_decay": {"weight_decay": 0.1},
    "weight_decay excluding biases": {"weight_decay": 0.1},
    "ExponentialDecay": {"learning_rate": "ExponentialDecay"},
    "CosineDecay warm-up": {"learning_rate": "CosineDecay"},
    "callable": {"learning_rate": "callable"},
}


def schedule(library: Any, kind: str, peak: float) -> Any:
    if kind == "ExponentialDecay":
        return library.optimizers.schedules.ExponentialDecay(peak, 2, 0.5)
    if kind == "CosineDecay":
        return library.optimizers.schedules.CosineDecay(
            peak / 4, 4, alpha=0.1, warmup_target=peak, warmup_steps=2
        )
    return lambda: peak / 2  # Keras's form of a callable: no argument


def factory(
    library: Any, class_name: str, arguments: dict[str, Any], option: str
) -> Any:
    kind, peak = OPTIONS[option].get("learning_rate"), arguments["learning_rate"]
    arguments = {**arguments, **OPTIONS[option]}
    if kind is not None:  # a schedule that peaks at the optimizer's own float rate
        arguments["learning_rate"] = schedule(library, kind, peak)
    return lambda: getattr(library.optimizers, class_name)(**arguments)


CASES = [
    pytest.param(label, class_name, arguments, option, id=f"{label}-{option}")
    for label, class_name, arguments in OPTIMIZERS
    for option in OPTIONS
]


@pytest.mark.parametrize(("label", "class_name", "arguments", "option"), CASES)
@pytest.mark.parametrize("steps", [1, 5])
def test_same_weights_as_keras(
    label: str, class_name: str, arguments: dict[str, Any], option: str, steps: int
) -> None:
    exclude = option == "weight_decay excluding biases"
    expected = keras_steps(
        factory(keras, class_name, arguments, option), steps, exclude
    )
    result = axon_steps(factory(axon, class_name, arguments, option), steps, exclude)
    start = np.concatenate([W0[name].ravel() for name in SHAPES])
    difference = float(np.max(np.abs(result - expected)))
    assert difference <= TOLERANCE, f"max |axon - keras| = {difference:.2e}"
    # The comparison means something only if the steps moved the weights.
    assert np.max(np.abs(expected - start)) > 10 * TOLERANCE


SCHEDULES: list[tuple[str, dict[str, Any]]] = [
    (
        "ExponentialDecay",
        {"initial_learning_rate": 1.0, "decay_steps": 10, "decay_rate": 0.5},
    ),
    (
        "ExponentialDecay",
        {
            "initial_learning_rate": 1.0,
            "decay_steps": 7,
            "decay_rate": 0.9,
            "staircase": True,
        },
    ),
    (
        "PiecewiseConstantDecay",
        {"boundaries": [10, 20, 35], "values": [1.0, 0.5, 0.1, 0.01]},
    ),
    ("PolynomialDecay", {"initial_learning_rate": 1.0, "decay_steps": 50}),
    (
        "PolynomialDecay",
        {
            "initial_learning_rate": 1.0,
            "decay_steps": 30,
            "end_learning_rate": 0.01,
            "power": 2.0,
            "cycle": True,
        },
    ),
    (
        "InverseTimeDecay",
        {"initial_learning_rate": 1.0, "decay_steps": 10, "decay_rate": 0.5},
    ),
    (
        "InverseTimeDecay",
        {
            "initial_learning_rate": 1.0,
            "decay_steps": 9,
            "decay_rate": 2.0,
            "staircase": True,
        },
    ),
    ("CosineDecay", {"initial_learning_rate": 1.0, "decay_steps": 50}),
    ("CosineDecay", {"initial_learning_rate": 1.0, "decay_steps": 50, "alpha": 0.1}),
    (
        "CosineDecay",
        {
            "initial_learning_rate": 0.0,
            "decay_steps": 50,
            "alpha": 0.1,
            "warmup_target": 1.0,
            "warmup_steps": 20,
        },
    ),
    ("CosineDecayRestarts", {"initial_learning_rate": 1.0, "first_decay_steps": 10}),
    (
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 1.0,
            "first_decay_steps": 10,
            "t_mul": 1.0,
            "m_mul": 0.8,
        },
    ),
    (
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 1.0,
            "first_decay_steps": 8,
            "t_mul": 1.5,
            "alpha": 0.1,
        },
    ),
]


@pytest.mark.parametrize(
    ("class_name", "arguments"),
    SCHEDULES,
    ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)],
)
def test_schedules_match_keras(class_name: str, arguments: dict[str, Any]) -> None:
    ours = getattr(axon.optimizers.schedules, class_name)(**arguments)
    theirs = getattr(keras.optimizers.schedules, class_name)(**arguments)
    steps = [step for step in range(400) if step not in period_starts(arguments)]
    expected = np.array([float(theirs(step)) for step in steps])
    result = np.array([ours(step) for step in steps])
    np.testing.assert_allclose(result, expected, rtol=0, atol=1e-6)
    assert np.ptp(expected) > 0.1  # the range covers the schedule's movement


def period_starts(arguments: dict[str, Any]) -> dict[int, int]:
    """Steps where a CosineDecayRestarts period starts, with the period's number.

    Keras finds the period with a float32 logarithm, which at some of these steps
    rounds down into the period before (it gives the floor ``alpha`` instead of the
    restart): axon lands on the restart, checked on its own below.
    """
    if "first_decay_steps" not in arguments:
        return {}
    first, t_mul = arguments["first_decay_steps"], arguments.get("t_mul", 2.0)
    starts, length, start = {}, float(first), 0.0
    for period in range(1, 40):
        start += length
        length *= t_mul
        if start == int(start) and start < 100_000:
            starts[int(start)] = period
    return starts


@pytest.mark.parametrize(
    ("t_mul", "m_mul"), [(2.0, 1.0), (1.5, 0.8), (1.0, 0.5), (3.0, 0.9)]
)
def test_cosine_restarts_land_on_each_restart(t_mul: float, m_mul: float) -> None:
    arguments = {"first_decay_steps": 8, "t_mul": t_mul, "m_mul": m_mul}
    schedule = axon.optimizers.schedules.CosineDecayRestarts(1.0, **arguments)
    starts = period_starts(arguments)
    assert len(starts) >= 4
    for step, period in starts.items():
        assert schedule(step) == pytest.approx(m_mul**period, rel=1e-12), step


@pytest.mark.parametrize(
    ("label", "class_name", "arguments"), OPTIMIZERS, ids=lambda x: x
)
def test_configs_name_the_same_arguments_as_keras(
    label: str, class_name: str, arguments: dict[str, Any]
) -> None:
    """Same keys and defaults, so a Keras config builds an axon optimizer and back."""
    theirs = getattr(keras.optimizers, class_name)(**arguments).get_config()
    ours = getattr(axon.optimizers, class_name)(**arguments).get_config()
    assert set(theirs) - set(ours) == {"name"}
    for key, value in ours.items():  # Keras keeps the rate in float32
        assert value == theirs[key] or value == pytest.approx(theirs[key], rel=1e-7), (
            key
        )
    rebuilt = axon.optimizers.get({"class_name": class_name, "config": theirs})
    assert type(rebuilt) is getattr(axon.optimizers, class_name)
    assert rebuilt.get_config().keys() == ours.keys()
