"""Keras 3 configs <-> axon configs, one small table entry per class.

A ``.keras`` file describes each object as a dict::

    {"module": "keras.layers", "class_name": "Dense", "config": {...},
     "registered_name": null}

Keras's own loader imports ``module`` and looks ``class_name`` up in it, which is how
a file can make it run code. axon imports nothing: a class is translated only when
one of the tables below names it, the module must be Keras's own (``keras`` or
``keras.*``), and anything else is refused with a ValueError naming it:

- ``Lambda`` and ``TFOpLambda`` layers (they carry Python bytecode);
- custom objects (a ``registered_name`` such as ``"my_package>MyLayer"``, a module
  outside Keras, or a ``"builtins"`` function that is not one of Keras's);
- classes and arguments axon does not have (``kernel_constraint``, ``renorm``...),
  unless their value is the one that switches them off.

An argument both sides have passes through under its Keras name (axon's arguments
are Keras's); ``activation``, ``*_initializer``, ``*_regularizer`` and the dtype
policy are translated, since Keras writes them as objects. Where axon's default
differs from Keras's (the LeakyReLU layer's slope: Keras 0.3, axon 0.01), a file
that leaves the argument out gets Keras's value, so the layer computes what it
computed in Keras.

To translate a new layer, add a :class:`LayerSpec` to :data:`LAYER_SPECS` naming the
Keras-only arguments and the value that means "off"; the layer itself must be
registered in ``axon.layers.LAYERS`` under its Keras class name, with its weights in
Keras's order.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from axon import activations, initializers, regularizers
from axon.layers.base import LAYERS, Layer

ANY = object()
"""A Keras-only argument whose value does not change what axon computes."""

CODE_CLASSES = ("Lambda", "TFOpLambda", "SlicingOpLambda", "__lambda__")

# Keras-only layer arguments of every class, and the value that switches each off.
_NEUTRAL: dict[str, Any] = {
    "activity_regularizer": None,
    "quantization_config": None,
    "lora_rank": None,
    "lora_alpha": ANY,
    "autocast": ANY,
}
_OFF_SUFFIXES = ("_regularizer", "_constraint")  # each is off when null


@dataclass(frozen=True)
class KerasVariable:
    """One of the variables Keras stores for a layer, in Keras's order.

    ``weight`` is the index of the axon weight it holds, or None for a variable
    only Keras keeps; that one must have dtype kind ``kinds`` and is written as
    ``value``.
    """

    shape: tuple[int, ...]
    weight: int | None
    kinds: str = "f"
    value: Any = 0


@dataclass(frozen=True)
class LayerSpec:
    """How one Keras layer class maps onto the axon layer of the same name.

    Parameters
    ----------
    keras_only : dict
        Keras arguments axon's layer lacks, each with the value that means "not
        used" (``ANY``: any value is fine). Another value is refused.
    keras_defaults : dict
        Keras's defaults where they differ from axon's, used when a file omits the
        argument.
    variables : callable, optional
        ``variables(layer)`` lists what Keras stores for the built layer, when that
        is not simply the layer's weights in order.
    """

    keras_only: dict[str, Any] = field(default_factory=dict)
    keras_defaults: dict[str, Any] = field(default_factory=dict)
    variables: Callable[[Layer], list[KerasVariable]] | None = None


def _normalization_variables(layer: Layer) -> list[KerasVariable]:
    # Keras stores no variable when mean and variance are given as arguments (they
    # are in the config), and otherwise a count that adapt never updates.
    if layer.get_config().get("mean") is not None:
        return []
    shape = tuple(layer.weights[0].shape)
    return [
        KerasVariable(shape, 0),
        KerasVariable(shape, 1),
        KerasVariable((), None, "iu", np.int32(0)),
    ]


LAYER_SPECS: dict[str, LayerSpec] = {
    "Dense": LayerSpec(),
    "Activation": LayerSpec(),
    "ReLU": LayerSpec(),
    "LeakyReLU": LayerSpec(keras_defaults={"negative_slope": 0.3}),
    "PReLU": LayerSpec(),
    "ELU": LayerSpec(),
    "Softmax": LayerSpec(),
    "Dropout": LayerSpec(keras_only={"noise_shape": None}),
    "AlphaDropout": LayerSpec(),
    "GaussianDropout": LayerSpec(),
    "GaussianNoise": LayerSpec(),
    "Flatten": LayerSpec(),
    "Reshape": LayerSpec(),
    "Embedding": LayerSpec(),
    "LayerNormalization": LayerSpec(keras_only={"rms_scaling": False}),
    "Normalization": LayerSpec(variables=_normalization_variables),
    "Concatenate": LayerSpec(),
    "Add": LayerSpec(),
    "Subtract": LayerSpec(),
    "Multiply": LayerSpec(),
    "Average": LayerSpec(),
    "BatchNormalization": LayerSpec(
        keras_only={
            "synchronized": False,
            "renorm": False,
            "renorm_clipping": None,
            "renorm_momentum": ANY,
        }
    ),
}

_NO_ARGUMENTS = (
    "linear", "sigmoid", "tanh", "selu", "softplus", "softsign", "silu", "swish",
    "exponential", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "log_sigmoid", "mish", "relu6", "sparse_plus", "sparse_sigmoid", "tanh_shrink",
)  # fmt: skip
# Keras's activation functions (keras.activations, 3.15) with the defaults of their
# arguments: an axon activation translates when its arguments equal these.
KERAS_ACTIVATIONS: dict[str, dict[str, Any]] = {
    "relu": {"negative_slope": 0.0, "max_value": None, "threshold": 0.0},
    "leaky_relu": {"negative_slope": 0.2},
    "elu": {"alpha": 1.0},
    "celu": {"alpha": 1.0},
    "gelu": {"approximate": False},
    "softmax": {"axis": -1},
    "log_softmax": {"axis": -1},
    "sparsemax": {"axis": -1},
    "glu": {"axis": -1},
    "hard_shrink": {"threshold": 0.5},
    "soft_shrink": {"threshold": 0.5},
    "squareplus": {"b": 4},
    **{name: {} for name in _NO_ARGUMENTS},
}
_ACTIVATION_ALIASES = {
    "silu": "swish",
    "swish": "silu",
    "hard_silu": "hard_swish",
    "hard_swish": "hard_silu",
}


def keras_snake_case(name: str) -> str:
    """Keras's ``to_snake_case``: ``LeakyReLU`` -> ``leaky_re_lu``.

    Keras names a layer's group in the weights file after its class this way.

    Examples
    --------
    >>> keras_snake_case("BatchNormalization"), keras_snake_case("LeakyReLU")
    ('batch_normalization', 'leaky_re_lu')
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _is_keras_module(module: Any) -> bool:
    return isinstance(module, str) and (
        module == "keras" or module.startswith("keras.")
    )


def check_object(obj: Any, where: str, function_ok: bool = False) -> tuple[str, Any]:
    """Check one serialized Keras object; return its class name and config.

    Refuses code-carrying classes and custom objects (see the module docstring).
    With ``function_ok`` a Keras built-in function, written as
    ``{"module": "builtins", "class_name": "function", "config": "<name>"}``, is
    accepted too and its name is returned as the config.
    """
    if not isinstance(obj, dict):
        raise ValueError(
            f"{where}: expected a Keras object (a dict with class_name and config). "
            f"Received: {type(obj).__name__}"
        )
    class_name, config = obj.get("class_name"), obj.get("config")
    module, registered = obj.get("module"), obj.get("registered_name")
    if not isinstance(class_name, str):
        raise ValueError(
            f"{where}: expected a class_name string. Received: {class_name!r}"
        )
    if class_name in CODE_CLASSES:
        raise ValueError(
            f"{where}: a {class_name} layer holds Python code, and axon never runs code "
            "from a file"
        )
    if function_ok and module == "builtins" and class_name == "function":
        if registered != "function" or not isinstance(config, str) or ">" in config:
            raise ValueError(
                f"{where}: the function {config!r} is a custom object; axon loads only "
                "Keras's own functions and never runs code from a file"
            )
        return class_name, config
    if not _is_keras_module(module) or registered not in (None, class_name):
        raise ValueError(
            f"{where}: {class_name!r} (module {module!r}, registered as "
            f"{registered!r}) is a custom object; axon loads only Keras's own classes "
            "and never runs code from a file"
        )
    if not isinstance(config, dict):
        raise ValueError(
            f"{where}: expected a config dict for {class_name}. Received: "
            f"{type(config).__name__}"
        )
    return class_name, config


def keras_object(
    module: str, class_name: str, config: dict[str, Any]
) -> dict[str, Any]:
    """A Keras object dict, as Keras writes it."""
    return {
        "module": module,
        "class_name": class_name,
        "config": config,
        "registered_name": None,
    }


# -- dtype policies ---------------------------------------------------------------------
_FLOATS = ("float16", "float32", "float64")


def dtype_from_keras(policy: Any, where: str) -> str | None:
    """The float type of a Keras dtype policy (``None`` when it names none)."""
    if policy is None:
        return None
    if isinstance(policy, dict):
        class_name, config = check_object(policy, where)
        if class_name not in ("DTypePolicy", "FloatDTypePolicy"):
            raise ValueError(f"{where}: axon has no {class_name} (quantized layers)")
        policy = config.get("name")
    if policy not in _FLOATS:
        raise ValueError(
            f"{where}: expected a dtype policy of {', '.join(_FLOATS)} (axon has no "
            f"mixed precision). Received: {policy!r}"
        )
    return str(policy)


def dtype_to_keras(dtype: str) -> dict[str, Any]:
    """A Keras ``DTypePolicy`` for one float type."""
    return keras_object("keras", "DTypePolicy", {"name": dtype})


# -- activations ------------------------------------------------------------------------
def activation_from_keras(value: Any, where: str) -> str | dict[str, Any]:
    """A Keras activation (a name) as axon's activation config.

    Keras's functions keep Keras's defaults: ``"leaky_relu"`` has slope 0.2 in
    Keras, so it becomes ``{"name": "leaky_relu", "negative_slope": 0.2}``.
    """
    if value is None:
        return "linear"
    if isinstance(value, dict):
        class_name, value = check_object(value, where, function_ok=True)
        if class_name != "function":
            raise ValueError(
                f"{where}: axon reads activations given by name. Received: a "
                f"{class_name} object"
            )
    if not isinstance(value, str) or value not in KERAS_ACTIVATIONS:
        raise ValueError(f"{where}: unknown Keras activation {value!r}")
    name = value
    if name not in activations.ACTIVATIONS:
        name = _ACTIVATION_ALIASES.get(value, value)
    if name not in activations.ACTIVATIONS:
        raise ValueError(f"{where}: axon has no {value!r} activation")
    # Keras's defaults, passed explicitly wherever axon's function takes them.
    accepted = accepted_arguments(activations.ACTIVATIONS.lookup(name))
    defaults = {k: v for k, v in KERAS_ACTIVATIONS[value].items() if k in accepted}
    return activations.serialize(activations.get({"name": name, **defaults}))


def activation_to_keras(activation: activations.Activation, where: str) -> str:
    """An axon activation as the Keras function name that computes the same."""
    name = activation.name
    if name not in KERAS_ACTIVATIONS:
        name = _ACTIVATION_ALIASES.get(name, name)
    if name not in KERAS_ACTIVATIONS:
        raise ValueError(f"{where}: Keras has no activation {activation.name!r}")
    defaults = KERAS_ACTIVATIONS[name]
    accepted = accepted_arguments(type(activation))
    arguments = {
        k: getattr(activation, k)
        for k in defaults
        if k in accepted and hasattr(activation, k)
    }
    for key, value in {**arguments, **activation.get_config()}.items():
        if key not in defaults or defaults[key] != value:
            hint = (
                f" (Keras's takes {key}={defaults[key]!r})" if key in defaults else ""
            )
            layer_hint = (
                "; use a linear layer followed by a LeakyReLU layer, which keeps "
                "its slope"
                if name == "leaky_relu"
                else ""
            )
            raise ValueError(
                f"{where}: Keras stores activations by name, and its {name!r} cannot "
                f"take {key}={value!r}{hint}{layer_hint}"
            )
    return name


# -- initializers -----------------------------------------------------------------------
_INITIALIZER_NEUTRAL = {"input_axes": None, "output_axes": None}


def initializer_from_keras(value: Any, where: str) -> str | dict[str, Any]:
    """A Keras initializer (a name or an object dict) as axon's initializer config."""
    config: dict[str, Any] = {}
    if isinstance(value, str):
        name = keras_snake_case(value)
    else:
        class_name, config = check_object(value, where)
        name = keras_snake_case(class_name)
    if name not in initializers.INITIALIZERS:
        raise ValueError(f"{where}: axon has no initializer {name!r}")
    arguments = {}
    for key, argument in config.items():
        if key in _INITIALIZER_NEUTRAL:
            if argument != _INITIALIZER_NEUTRAL[key]:
                raise ValueError(f"{where}: axon has no {key}. Received: {argument!r}")
        else:
            arguments[key] = argument
    return initializers.serialize(initializers.get({"name": name, **arguments}))


def initializer_to_keras(
    initializer: initializers.Initializer, where: str
) -> dict[str, Any]:
    """An axon initializer as Keras's ``{"module": "keras.initializers", ...}``."""
    if initializers.INITIALIZERS.lookup(initializer.name) is not type(initializer):
        raise ValueError(
            f"{where}: {type(initializer).__name__} is not one of axon's initializers"
        )
    return keras_object(
        "keras.initializers", type(initializer).__name__, initializer.get_config()
    )


# -- regularizers -----------------------------------------------------------------------
def regularizer_from_keras(value: Any, where: str) -> Any:
    """A Keras regularizer (None, a name or an object dict) as axon's config."""
    if value is None or (isinstance(value, str) and value in regularizers.REGULARIZERS):
        return value
    class_name, config = check_object(value, where)
    if class_name not in regularizers.REGULARIZERS:
        raise ValueError(f"{where}: axon has no regularizer {class_name}")
    found = regularizers.get({"class_name": class_name, "config": config})
    return regularizers.serialize(found)


def regularizer_to_keras(regularizer: Any, where: str) -> dict[str, Any] | None:
    """An axon regularizer as Keras's ``{"module": "keras.regularizers", ...}``."""
    if regularizer is None:
        return None
    class_name = type(regularizer).__name__
    if regularizers.REGULARIZERS.lookup(regularizer.name) is not type(regularizer):
        raise ValueError(f"{where}: {class_name} is not one of axon's regularizers")
    return keras_object("keras.regularizers", class_name, regularizer.get_config())


# -- layers -----------------------------------------------------------------------------
def accepted_arguments(cls: type) -> set[str]:
    """The keyword arguments a class takes, its base classes' included."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameters = inspect.signature(init).parameters.values()
        names |= {p.name for p in parameters if p.kind is not p.VAR_KEYWORD}
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            break
    return names - {"self", "input_shape"}


def _translate_argument(key: str, value: Any, where: str) -> Any:
    if key == "activation":
        return activation_from_keras(value, where)
    if key.endswith("_initializer"):
        return initializer_from_keras(value, where)
    if key.endswith("_regularizer"):
        return regularizer_from_keras(value, where)
    if key.endswith(_OFF_SUFFIXES) and value is not None:
        raise ValueError(f"{where}: axon cannot translate {key}. Received: {value!r}")
    return value


def layer_from_keras(entry: Any, where: str) -> tuple[str, dict[str, Any], str | None]:
    """One Keras layer entry as ``(class_name, axon config, float type or None)``."""
    class_name, config = check_object(entry, where)
    where = f"{where} ({class_name} {config.get('name', '?')!r})"
    spec = LAYER_SPECS.get(class_name)
    if spec is None or class_name not in LAYERS:
        raise ValueError(
            f"{where}: axon cannot load the Keras layer class {class_name}"
        )
    accepted = accepted_arguments(LAYERS.lookup(class_name))
    dtype = dtype_from_keras(config.get("dtype"), f"{where}.dtype")
    axon_config: dict[str, Any] = {}
    for key, value in config.items():
        if key == "dtype" or (key == "trainable" and value is True):
            continue
        if key in accepted:
            axon_config[key] = _translate_argument(key, value, f"{where}.{key}")
            continue
        if key in spec.keras_only or key in _NEUTRAL:
            neutral = spec.keras_only.get(key, _NEUTRAL.get(key))
            off = neutral is ANY or value == neutral
        else:
            off = key.endswith(_OFF_SUFFIXES) and value is None
        if not off:
            raise ValueError(
                f"{where}: axon's {class_name} has no argument {key}. Received: "
                f"{key}={value!r}"
            )
    for key, value in spec.keras_defaults.items():
        axon_config.setdefault(key, value)
    return class_name, axon_config, dtype


def layer_to_keras(layer: Layer, dtype: str) -> dict[str, Any]:
    """One axon layer as the entry Keras writes in a model's ``layers`` list."""
    class_name = type(layer).__name__
    where = f"layer {layer.name!r}"
    if class_name not in LAYER_SPECS or LAYERS.lookup(class_name) is not type(layer):
        raise ValueError(f"{where}: axon cannot write a {class_name} to a Keras file")
    config: dict[str, Any] = {"name": layer.name, "trainable": layer.trainable}
    config["dtype"] = dtype_to_keras(dtype)
    for key, value in layer.get_config().items():
        if key in ("name", "trainable"):
            continue
        if key == "activation":
            value = activation_to_keras(layer.activation, f"{where}.activation")  # type: ignore[attr-defined]
        elif key.endswith("_initializer"):
            value = initializer_to_keras(getattr(layer, key), f"{where}.{key}")
        elif key.endswith("_regularizer"):
            value = regularizer_to_keras(getattr(layer, key), f"{where}.{key}")
        config[key] = value
    entry = keras_object("keras.layers", class_name, config)
    if layer.weight_order and layer.input_shape is not None:
        entry["build_config"] = {"input_shape": [None, *layer.input_shape]}
    return entry


def keras_variables(layer: Layer) -> list[KerasVariable]:
    """What Keras stores for ``layer``: its weights in order, unless the spec says."""
    spec = LAYER_SPECS.get(type(layer).__name__)
    if spec is not None and spec.variables is not None:
        return spec.variables(layer)
    return [KerasVariable(tuple(w.shape), i) for i, w in enumerate(layer.weights)]
