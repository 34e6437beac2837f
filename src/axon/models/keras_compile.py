"""Keras 3's ``compile_config`` <-> axon's compile settings and optimizer state.

The optimizer (its learning-rate schedule too), the loss and the metrics are
translated through the same rules as the layers (:mod:`axon.models.keras_layers`):
Keras's own classes only, arguments under their Keras names, Keras-only arguments
accepted only at the value that switches them off, everything else refused with a
ValueError naming it.

Optimizer state. Keras keeps the step count, the learning rate (unless a schedule
gives it) and then one variable per trainable weight and slot, in the order of
``model.trainable_variables``. axon keeps one flat vector per slot over the same
weights, so the translation cuts and joins those vectors. How Keras orders the slots
differs per optimizer: Adam interleaves them per weight (``m_0, v_0, m_1, v_1...``),
RMSprop keeps one group per slot, Nadam adds its momentum-schedule product at the
end. :data:`OPTIMIZER_SPECS` records the layout of each optimizer (read off Keras
3.15 and checked by a training step on both sides in the reference tests).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
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
from axon.optimizers import Optimizer, schedules


@dataclass(frozen=True)
class OptimizerSpec:
    """Keras's layout of one optimizer's variables, in axon's slot names.

    ``layout(optimizer)`` returns groups of slot names: Keras stores, group after
    group, each trainable weight's variables for the slots of the group (so a group
    of two interleaves them per weight). ``tail(optimizer)`` returns the scalars
    Keras keeps after the slots.
    """

    layout: Callable[[Any], tuple[tuple[str, ...], ...]]
    tail: Callable[[Any], list[Array]] = lambda optimizer: []


def _adam(optimizer: Any) -> tuple[tuple[str, ...], ...]:
    return (("m", "v"), ("velocity_hat",)) if optimizer.amsgrad else (("m", "v"),)


def _rmsprop(optimizer: Any) -> tuple[tuple[str, ...], ...]:
    groups = [("velocity",)]
    groups += [("momentum",)] if optimizer.momentum else []
    return tuple(groups + ([("average_gradient",)] if optimizer.centered else []))


def _nadam_product(optimizer: Any) -> list[Array]:
    # Keras's running product of Dozat's momentum schedule, u_1 u_2 ... u_t; axon
    # recomputes it from the step count, so it is written and never read.
    beta = optimizer.beta_1
    terms = [beta * (1 - 0.5 * 0.96**t) for t in range(1, optimizer.iterations + 1)]
    return [np.asarray(math.prod(terms), dtype=np.float32)]


OPTIMIZER_SPECS: dict[str, OptimizerSpec] = {
    "SGD": OptimizerSpec(lambda o: (("momentum",),) if o.momentum else ()),
    "Adam": OptimizerSpec(_adam),
    "AdamW": OptimizerSpec(_adam),
    "RMSprop": OptimizerSpec(_rmsprop),
    "Nadam": OptimizerSpec(lambda o: (("momentum", "velocity"),), _nadam_product),
    "Adamax": OptimizerSpec(lambda o: (("momentum", "norm"),)),
    "Adagrad": OptimizerSpec(lambda o: (("accumulator",),)),
    "Adadelta": OptimizerSpec(
        lambda o: (("accumulated_grad", "accumulated_delta_var"),)
    ),
    "Lion": OptimizerSpec(lambda o: (("momentum",),)),
    "Ftrl": OptimizerSpec(lambda o: (("accumulator", "linear"),)),
}

# Keras arguments axon's optimizers take no other value of (they take these ones).
_OPTIMIZER_NEUTRAL: dict[str, Any] = {"name": ANY}
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
    if (
        class_name not in OPTIMIZER_SPECS
        or class_name.lower() not in optimizers.OPTIMIZERS
    ):
        raise ValueError(f"{where}: axon cannot load the Keras optimizer {class_name}")
    cls = optimizers.OPTIMIZERS.lookup(class_name.lower())
    arguments = _arguments(config, accepted_arguments(cls), _OPTIMIZER_NEUTRAL, where)
    rate = arguments.get("learning_rate")
    if isinstance(rate, dict):
        arguments["learning_rate"] = schedule_from_keras(rate, f"{where}.learning_rate")
    elif rate is not None:
        arguments["learning_rate"] = _shortest_float32(rate)
    return cls(**arguments)


def schedule_from_keras(value: Any, where: str) -> Any:
    """A Keras learning-rate schedule as axon's schedule of the same class."""
    class_name, config = check_object(value, where)
    if class_name not in schedules.SCHEDULES:
        raise ValueError(f"{where}: axon has no learning-rate schedule {class_name}")
    cls = schedules.SCHEDULES.lookup(class_name)
    return cls(**_arguments(config, accepted_arguments(cls), {"name": ANY}, where))


def _component(
    value: Any, registry: Any, kind: str, where: str
) -> str | tuple[type, dict[str, Any]]:
    """A Keras loss or metric: a registered name, or its class and arguments.

    Keras writes a name, a built-in function (``{"class_name": "function",
    "config": "mse"}``) or an object of one of its classes, which axon registers
    under the same names.
    """
    if isinstance(value, dict):
        class_name, config = check_object(value, where, function_ok=True)
        if class_name != "function":
            if class_name not in registry:
                raise ValueError(f"{where}: axon has no {kind} {class_name}")
            cls = registry.lookup(class_name)
            neutral = {"dtype": ANY}  # a metric's float type: axon keeps float64 sums
            return cls, _arguments(config, accepted_arguments(cls), neutral, where)
        value = config
    known = value in ("accuracy", "acc") and kind == "metric"  # follows the loss
    if not (isinstance(value, str) and (known or value in registry)):
        raise ValueError(f"{where}: axon has no {kind} {value!r}")
    return value


def loss_from_keras(value: Any, where: str) -> losses.Loss:
    """A Keras loss (a name, a function or an object dict) as an axon loss."""
    found = _component(value, losses.LOSSES, "loss", where)
    if isinstance(found, str):
        return losses.get(found)
    cls, arguments = found
    loss: losses.Loss = cls(**arguments)
    return loss


def metric_from_keras(value: Any, where: str) -> Any:
    """A Keras metric as what axon's ``compile(metrics=[...])`` takes."""
    found = _component(value, metrics.METRICS, "metric", where)
    if isinstance(found, str):
        return found
    cls, arguments = found
    return cls(**arguments)


def _per_output(value: Any, where: str, read: Callable[[Any, str], Any]) -> Any:
    """One setting, or one per output: a list in the outputs' order or a dict by name.

    A dict that is a Keras object (it has a ``class_name``) is one setting.
    """
    if isinstance(value, list):
        return [read(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict) and "class_name" not in value:
        return {str(k): read(v, f"{where}[{k!r}]") for k, v in value.items()}
    return read(value, where)


def _loss_or_none(value: Any, where: str) -> Any:
    return None if value is None else loss_from_keras(value, where)


def _weight(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: expected a number. Received: {value!r}")
    return float(value)


def _metrics(value: Any, where: str) -> Any:
    if isinstance(value, list) and any(isinstance(m, list) for m in value):
        return _per_output(value, where, _metrics)  # a list per output
    if isinstance(value, dict) and "class_name" not in value:
        return _per_output(value, where, _metrics)
    if not isinstance(value, list):
        value = [value]
    return [metric_from_keras(m, f"{where}[{i}]") for i, m in enumerate(value)]


def compile_from_keras(config: Any, where: str) -> dict[str, Any]:
    """Keras's ``compile_config`` as the keyword arguments of axon's ``compile``.

    A model with several outputs takes a loss, loss weights and metrics per output,
    as Keras writes them (lists in the outputs' order, or dicts by output name).
    """
    if not isinstance(config, dict):
        raise ValueError(f"{where}: expected a dict. Received: {type(config).__name__}")
    known = {"optimizer", "loss", "metrics", "loss_weights", "weighted_metrics"}
    known |= set(_IGNORED)
    for key, value in config.items():
        if key not in known and value not in (None, [], {}):
            raise ValueError(f"{where}: axon cannot apply {key}. Received: {value!r}")
    arguments = {
        "optimizer": optimizer_from_keras(
            config.get("optimizer", "rmsprop"), f"{where}.optimizer"
        ),
        "loss": _per_output(config.get("loss"), f"{where}.loss", _loss_or_none),
        "metrics": _metrics(config.get("metrics") or [], f"{where}.metrics"),
    }
    if config.get("weighted_metrics"):
        weighted = config["weighted_metrics"]
        arguments["weighted_metrics"] = _metrics(weighted, f"{where}.weighted_metrics")
    if config.get("loss_weights") is not None:
        where = f"{where}.loss_weights"
        arguments["loss_weights"] = _per_output(config["loss_weights"], where, _weight)
    return arguments


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
    rate = optimizer_config["learning_rate"]
    if isinstance(rate, dict):  # a schedule
        module = "keras.optimizers.schedules"
        optimizer_config["learning_rate"] = keras_object(
            module, rate["class_name"], rate["config"]
        )
    loss_weights, metric_ids = None, [_metrics_to_keras(model._metric_ids)]
    weighted_ids = getattr(model, "_weighted_metric_ids", [])
    if getattr(model, "_many_outputs", False):  # axon.models.outputs.OutputLosses
        settings = model.loss.get_config()
        loss: Any = [_loss_to_keras(entry) for entry in settings["loss"]]
        loss_weights = settings["loss_weights"]
        metric_ids = [_metrics_to_keras(ids) for ids in model._output_metric_ids]
        weighted = [_metrics_to_keras(ids) for ids in weighted_ids]
    else:
        loss = _loss_to_keras(losses.serialize(model.loss))
        weighted = [_metrics_to_keras(weighted_ids)]
    return {
        "optimizer": keras_object("keras.optimizers", class_name, optimizer_config),
        "loss": loss,
        "loss_weights": loss_weights,
        "metrics": metric_ids if len(metric_ids) > 1 else (metric_ids[0] or None),
        "weighted_metrics": (weighted if len(weighted) > 1 else weighted[0])
        if any(weighted)
        else None,
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": False,
    }


def _loss_to_keras(loss: Any) -> Any:
    """A serialized axon loss (a name or ``{"class_name", "config"}``), or None."""
    if isinstance(loss, dict):
        return keras_object("keras.losses", loss["class_name"], loss["config"])
    return loss


def _metrics_to_keras(ids: list[Any]) -> list[Any]:
    return [_metric_to_keras(m) for m in ids]


def _metric_to_keras(metric: Any) -> Any:
    found = metrics.serialize(metric)
    if isinstance(found, str):
        return found
    return keras_object("keras.metrics", found["class_name"], found["config"])


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


def _scheduled(optimizer: Optimizer) -> bool:
    return isinstance(optimizer.get_config()["learning_rate"], dict)


def state_shapes(
    optimizer: Optimizer, segments: list[tuple[int, tuple[int, ...]]]
) -> tuple[list[tuple[int, ...]], int]:
    """The shapes of Keras's variables, and how many scalars lead them.

    The step count, then the learning rate unless a schedule computes it; then the
    slots (see :class:`OptimizerSpec`) and the spec's trailing scalars.
    """
    head = 1 if _scheduled(optimizer) else 2
    layout = slot_layout(optimizer) or ()
    slots = [shape for group in layout for _, shape in segments for _ in group]
    tail = OPTIMIZER_SPECS[type(optimizer).__name__].tail(optimizer)
    return [()] * head + slots + [np.shape(t) for t in tail], head


def state_to_keras(
    optimizer: Optimizer, segments: list[tuple[int, tuple[int, ...]]], vector: Array
) -> list[Array]:
    """The optimizer's variables in Keras's order (see :func:`state_shapes`).

    ``segments`` gives each trainable weight's offset and shape in the flat
    parameter ``vector``, in Keras's order. A slot the optimizer has not made yet
    (no step taken) is written as its starting value, as Keras builds it on loading.
    """
    big = optimizer.iterations >= 2**31  # Keras's counter is an int32
    state = [np.asarray(optimizer.iterations, dtype=np.int64 if big else np.int32)]
    if not _scheduled(optimizer):
        state.append(np.asarray(optimizer.learning_rate, dtype=np.float32))
    for group in slot_layout(optimizer) or ():
        vectors = [
            optimizer.slots[s]
            if s in optimizer.slots
            else np.full_like(vector, optimizer.initial_slot_value(s))
            for s in group
        ]
        for offset, shape in segments:
            end = offset + math.prod(shape)
            state += [
                v[offset:end].reshape(shape).astype(vector.dtype) for v in vectors
            ]
    return state + OPTIMIZER_SPECS[type(optimizer).__name__].tail(optimizer)


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
    position = 1
    if not _scheduled(optimizer):
        rate = float(state[1])
        if not (np.isfinite(rate) and rate >= 0):
            raise ValueError(f"the learning rate {rate} is not a non-negative number")
        optimizer.learning_rate = _shortest_float32(rate)
        position = 2
    layout = slot_layout(optimizer)
    if len(state) == position or not layout:
        return
    for group in layout:
        vectors = {s: np.zeros_like(vector) for s in group}
        for offset, shape in segments:
            end = offset + math.prod(shape)
            for name in group:
                vectors[name][offset:end] = np.ravel(state[position])
                position += 1
        optimizer.slots.update(vectors)
