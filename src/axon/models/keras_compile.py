"""Keras 3's ``compile_config`` <-> axon's compile settings and optimizer state.

The optimizer, the loss and the metrics are translated through the same rules as the
layers (:mod:`axon.models.keras_layers`): Keras's own classes only, arguments under
their Keras names, Keras-only arguments accepted only at the value that switches
them off (``clipnorm=None``, ``amsgrad=False``...), everything else refused with a
ValueError naming it.

Optimizer state. Keras keeps one variable per trainable weight and slot, in the order
of ``model.trainable_variables``, after two scalars (the step count and the learning
rate). axon keeps one flat vector per slot over the same weights in the same order,
so the translation cuts and joins that vector. The order of slots within Keras's list
differs per optimizer: Adam interleaves them per weight (``m_0, v_0, m_1, v_1...``),
RMSprop and SGD keep one group per slot. :data:`OPTIMIZER_SPECS` records that layout
for each optimizer it translates (checked against Keras 3.15); an optimizer whose
slots the table does not cover would be compiled with fresh state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from axon import losses, metrics, optimizers
from axon.config import Array
from axon.models.keras_layers import (
    ANY,
    accepted_arguments,
    check_object,
    keras_object,
    keras_snake_case,
)
from axon.optimizers import Optimizer


@dataclass(frozen=True)
class OptimizerSpec:
    """How one Keras optimizer maps onto axon's optimizer of the same name.

    ``layout(optimizer)`` returns groups of axon slot names: Keras stores, for each
    group in turn, every trainable weight's variables for the slots of that group,
    interleaved per weight.
    """

    layout: Callable[[Any], tuple[tuple[str, ...], ...]]
    keras_only: dict[str, Any] = field(default_factory=dict)


OPTIMIZER_SPECS: dict[str, OptimizerSpec] = {
    "SGD": OptimizerSpec(lambda o: (("momentum",),) if o.momentum else ()),
    "Adam": OptimizerSpec(lambda o: (("m", "v"),), {"amsgrad": False}),
    "RMSprop": OptimizerSpec(
        lambda o: (("velocity",),), {"momentum": 0.0, "centered": False}
    ),
}

# Arguments of every Keras optimizer, and the value that switches each off.
_OPTIMIZER_NEUTRAL: dict[str, Any] = {
    "name": ANY,
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": ANY,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}
_LOSS_NEUTRAL: dict[str, Any] = {
    "name": ANY,
    "dtype": ANY,
    "reduction": "sum_over_batch_size",
    "label_smoothing": 0.0,
    "axis": -1,
    "ignore_class": None,
}
_LOSS_CLASS_NAMES = {"kl_divergence": "KLDivergence"}  # where CamelCase is not enough
# Execution settings: how Keras runs the step, not what it computes.
_IGNORED = ("run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss")


def _arguments(
    config: dict[str, Any],
    accepted: set[str],
    neutral: dict[str, Any],
    where: str,
) -> dict[str, Any]:
    """Keep the arguments axon takes; the others must be off (see module docstring)."""
    arguments = {}
    for key, value in config.items():
        if key in accepted:
            arguments[key] = value
        elif key not in neutral or not (neutral[key] is ANY or neutral[key] == value):
            raise ValueError(
                f"{where}: axon has no argument {key}. Received: {value!r}"
            )
    return arguments


def _shortest_float32(value: Any) -> Any:
    # Keras keeps the learning rate in a float32 variable and writes 0.001 back as
    # 0.0010000000474974513; the shortest float32 text is the value the user gave.
    if isinstance(value, float):
        return float(str(np.float32(value)))
    return value


# -- reading ---------------------------------------------------------------------------
def optimizer_from_keras(value: Any, where: str) -> Optimizer:
    """A Keras optimizer (a name or an object dict) as an axon optimizer."""
    if isinstance(value, str):
        return optimizers.get(value)
    class_name, config = check_object(value, where)
    spec = OPTIMIZER_SPECS.get(class_name)
    if spec is None or class_name.lower() not in optimizers.OPTIMIZERS:
        raise ValueError(f"{where}: axon cannot load the Keras optimizer {class_name}")
    cls = optimizers.OPTIMIZERS.lookup(class_name.lower())
    rate = config.get("learning_rate")
    if isinstance(rate, dict):
        raise ValueError(
            f"{where}: axon reads a constant learning rate. Received: a "
            f"{rate.get('class_name')} schedule"
        )
    neutral = {**_OPTIMIZER_NEUTRAL, **spec.keras_only}
    arguments = _arguments(config, accepted_arguments(cls), neutral, where)
    if "learning_rate" in arguments:
        arguments["learning_rate"] = _shortest_float32(arguments["learning_rate"])
    return cls(**arguments)


def _function_or_object(value: Any, where: str) -> tuple[str, dict[str, Any]]:
    """A name, a Keras built-in function or a Keras object: ``(name, config)``."""
    if isinstance(value, str):
        return value, {}
    class_name, config = check_object(value, where, function_ok=True)
    if class_name == "function":
        return str(config), {}
    return keras_snake_case(class_name), config


def loss_from_keras(value: Any, where: str) -> losses.Loss:
    """A Keras loss (a name, a function or an object dict) as an axon loss."""
    if isinstance(value, (list, dict)) and not (
        isinstance(value, dict) and "class_name" in value
    ):
        raise ValueError(f"{where}: axon models have one output and one loss")
    name, config = _function_or_object(value, where)
    if name not in losses.LOSSES:
        raise ValueError(f"{where}: axon has no loss {name!r}")
    cls = losses.LOSSES.lookup(name)
    return cls(**_arguments(config, accepted_arguments(cls), _LOSS_NEUTRAL, where))


def metric_from_keras(value: Any, where: str) -> Any:
    """A Keras metric as what axon's ``compile(metrics=[...])`` takes."""
    if isinstance(value, dict):
        class_name, config = check_object(value, where, function_ok=True)
        if class_name != "function":
            name = next(
                (
                    n
                    for n in (class_name, keras_snake_case(class_name))
                    if n in metrics.METRICS
                ),
                None,
            )
            if name is None:
                raise ValueError(f"{where}: axon has no metric {class_name}")
            cls = metrics.METRICS.lookup(name)
            neutral = {"dtype": ANY}
            return cls(**_arguments(config, accepted_arguments(cls), neutral, where))
        value = config
    if not _known_metric(value):
        raise ValueError(f"{where}: axon has no metric {value!r}")
    return value


def _known_metric(name: Any) -> bool:
    # "accuracy" follows the loss, in Keras as in axon, so it is no registry entry.
    return isinstance(name, str) and (
        name in ("accuracy", "acc") or name in metrics.METRICS
    )


def compile_from_keras(config: Any, where: str) -> dict[str, Any]:
    """Keras's ``compile_config`` as the keyword arguments of axon's ``compile``."""
    if not isinstance(config, dict):
        raise ValueError(f"{where}: expected a dict. Received: {type(config).__name__}")
    for key, value in config.items():
        if key in ("optimizer", "loss", "metrics") or key in _IGNORED:
            continue
        if value not in (None, [], {}):
            raise ValueError(f"{where}: axon cannot apply {key}. Received: {value!r}")
    raw_metrics = config.get("metrics") or []
    if not isinstance(raw_metrics, list):
        raise ValueError(
            f"{where}.metrics: axon models have one output; expected a list. "
            f"Received: {type(raw_metrics).__name__}"
        )
    return {
        "optimizer": optimizer_from_keras(
            config.get("optimizer", "rmsprop"), f"{where}.optimizer"
        ),
        "loss": loss_from_keras(config.get("loss"), f"{where}.loss"),
        "metrics": [
            metric_from_keras(m, f"{where}.metrics[{i}]")
            for i, m in enumerate(raw_metrics)
        ],
    }


# -- writing ---------------------------------------------------------------------------
def _class_of(component: Any, registry: Any, kind: str) -> str:
    name = type(component).__name__
    if registry.lookup(component.name) is not type(component):
        raise ValueError(f"{name} is not one of axon's {kind}s")
    return name


def compile_to_keras(model: Any) -> dict[str, Any]:
    """The model's compile settings as Keras's ``compile_config``."""
    optimizer = model.optimizer
    class_name = _class_of(optimizer, optimizers.OPTIMIZERS, "optimizer")
    if class_name not in OPTIMIZER_SPECS:
        raise ValueError(
            f"axon cannot write the optimizer {class_name} to a Keras file"
        )
    optimizer_config = {"name": keras_snake_case(class_name), **optimizer.get_config()}
    loss = model.loss
    loss_value: Any = loss.name
    if loss.get_config() != type(loss)().get_config():  # not at its defaults
        loss_value = keras_object(
            "keras.losses",
            _LOSS_CLASS_NAMES.get(loss.name, _camel(loss.name)),
            {"name": loss.name, **loss.get_config()},
        )
    return {
        "optimizer": keras_object("keras.optimizers", class_name, optimizer_config),
        "loss": loss_value,
        "loss_weights": None,
        "metrics": [_metric_to_keras(m) for m in model._metric_ids] or None,
        "weighted_metrics": None,
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": False,
    }


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _metric_to_keras(metric: Any) -> Any:
    if isinstance(metric, str):
        if not _known_metric(metric):
            raise ValueError(f"Keras has no metric {metric!r}")
        return metric
    if not isinstance(metric, metrics.Metric) or type(metric).__name__ not in (
        metrics.METRICS
    ):
        raise ValueError(f"axon cannot write the metric {metric!r} to a Keras file")
    get_config = getattr(metric, "get_config", None)
    config = get_config() if get_config else {"name": metric.name}
    return keras_object("keras.metrics", type(metric).__name__, config)


# -- optimizer state -------------------------------------------------------------------
def slot_layout(optimizer: Optimizer) -> tuple[tuple[str, ...], ...] | None:
    """Keras's grouping of this optimizer's slots, or None when it is not known."""
    spec = OPTIMIZER_SPECS.get(type(optimizer).__name__)
    if spec is None:
        return None
    layout = spec.layout(optimizer)
    if sorted(s for group in layout for s in group) != sorted(optimizer.slot_names):
        return None
    return layout


def state_to_keras(
    optimizer: Optimizer, segments: list[tuple[int, tuple[int, ...]]], vector: Array
) -> list[Array]:
    """The optimizer's variables in Keras's order: step, learning rate, slots.

    ``segments`` gives each trainable weight's offset and shape in the flat
    parameter ``vector``, in Keras's order.
    A slot the optimizer has not made yet (no step taken) is written as zeros, as
    Keras builds it on loading.
    """
    big = optimizer.iterations >= 2**31  # Keras's counter is an int32
    state: list[Array] = [
        np.asarray(optimizer.iterations, dtype=np.int64 if big else np.int32),
        np.asarray(optimizer.learning_rate, dtype=np.float32),
    ]
    for group in slot_layout(optimizer) or ():
        vectors = [optimizer.slots.get(s, np.zeros_like(vector)) for s in group]
        for offset, shape in segments:
            end = offset + int(np.prod(shape))
            state += [
                v[offset:end].reshape(shape).astype(vector.dtype) for v in vectors
            ]
    return state


def state_shapes(
    optimizer: Optimizer, segments: list[tuple[int, tuple[int, ...]]]
) -> list[tuple[int, ...]]:
    """The shapes :func:`state_to_keras` writes (and a full Keras file holds)."""
    layout = slot_layout(optimizer) or ()
    slots = [shape for group in layout for _, shape in segments for _ in group]
    return [(), (), *slots]


def state_from_keras(
    optimizer: Optimizer,
    state: list[Array],
    segments: list[tuple[int, tuple[int, ...]]],
    vector: Array,
) -> None:
    """Restore step, learning rate and slots from Keras's variables (checked shapes)."""
    if int(state[0]) < 0:
        raise ValueError(f"the step count {int(state[0])} is negative")
    optimizer.iterations = int(state[0])
    rate = float(state[1])
    if not (np.isfinite(rate) and rate > 0):
        raise ValueError(f"the learning rate {rate} is not a positive number")
    optimizer.learning_rate = _shortest_float32(rate)
    layout = slot_layout(optimizer)
    if len(state) == 2 or not layout:
        return
    position = 2
    for group in layout:
        vectors = {s: np.zeros_like(vector) for s in group}
        for offset, shape in segments:
            end = offset + int(np.prod(shape))
            for name in group:
                vectors[name][offset:end] = np.ravel(state[position])
                position += 1
        optimizer.slots.update(vectors)
