"""axon's layers and activations as ONNX operators, in inference mode.

Every translation computes what the layer's ``forward(x, training=False)`` computes,
in float32 and with the same constants, so onnxruntime agrees with ``model.predict``
to rounding (the tests hold it to 1e-5):

- ``Dense``: ``Gemm(x, kernel, bias)`` (``MatMul`` without a bias), then its
  activation.
- ``BatchNormalization``: folded into one scale and one shift, ``y = x s + t`` with
  ``s = gamma / sqrt(moving_variance + epsilon)`` and ``t = beta - moving_mean s``.
- ``Normalization``: ``(x - mean) / max(sqrt(variance), epsilon)`` (``x s + mean``
  when inverted), the floor being ``axon.config.epsilon()`` as in the layer.
- ``LayerNormalization``: its formula written out with ``ReduceMean`` over the
  layer's axes (ONNX's own operator normalises trailing axes only).
- ``Dropout``, ``GaussianNoise``, ``GaussianDropout``, ``AlphaDropout``: nothing
  (the identity at inference).
- ``Flatten``, ``Reshape``, ``Embedding`` (``Gather``), ``PReLU``, the activation
  layers, and the merges of a functional graph (``Add``, ``Average``, ``Multiply``,
  ``Subtract``, ``Concatenate``).

Activations use ONNX's operator where it computes the same function (``Relu``,
``Sigmoid``, ``Tanh``, ``Softmax``, ``LogSoftmax``, ``LeakyRelu``, ``Elu``,
``Selu``, ``Softplus``, ``Softsign``, ``Exp``) and axon's formula otherwise:
``relu`` with a threshold or a cap, ``relu6 = Clip(x, 0, 6)``, ``hard_sigmoid =
Clip(x + 3, 0, 6) / 6`` (Keras 3's, not ONNX's ``HardSigmoid`` with its 0.2 slope),
``hard_silu``, ``gelu`` (``x (1 + erf(x / sqrt 2)) / 2`` or the tanh form),
``silu``, ``mish``. Any other layer or activation (a subclass of your own) is a
ValueError naming it: its ``forward`` could compute anything.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from axon import activations, config, layers
from axon.export.builder import Builder

F32 = np.float32


# -- activations ----------------------------------------------------------------------
def _relu(g: Builder, f: Any, x: str) -> str:
    if f.plain:
        return g.op("Relu", x)
    if not (f.negative_slope or f.threshold):  # min(max(x, 0), m)
        return g.op("Clip", x, g.const(0.0), g.const(f.max_value))
    t = g.const(f.threshold)
    above = x if f.max_value is None else g.op("Min", x, g.const(f.max_value))
    below = g.op("Mul", g.op("Sub", x, t), g.const(f.negative_slope))
    return g.op("Where", g.op("Greater", x, t), above, below)


def _hard_sigmoid(g: Builder, x: str) -> str:
    """``relu6(x + 3) / 6``, as the activation computes it."""
    clipped = g.op("Clip", g.op("Add", x, g.const(3.0)), g.const(0.0), g.const(6.0))
    return g.op("Div", clipped, g.const(6.0))


def _gelu(g: Builder, f: Any, x: str) -> str:
    if f.approximate:  # x (1 + tanh u) / 2, u = sqrt(2/pi) (x + 0.044715 x^3)
        cube = g.op("Mul", g.op("Mul", x, x), x)
        inner = g.op("Add", x, g.op("Mul", cube, g.const(0.044715)))
        u = g.op("Mul", inner, g.const(math.sqrt(2 / math.pi)))
        doubled = g.op("Add", g.op("Tanh", u), g.const(1.0))  # 1 + tanh u
    else:  # x (1 + erf(x / sqrt 2)) / 2
        scaled = g.op("Mul", x, g.const(1 / math.sqrt(2)))
        doubled = g.op("Add", g.op("Erf", scaled), g.const(1.0))  # 2 Phi(x)
    return g.op("Mul", g.op("Mul", doubled, x), g.const(0.5))


ACTIVATIONS: dict[type[activations.Activation], Callable[[Builder, Any, str], str]] = {
    activations.Linear: lambda g, f, x: x,
    activations.Sigmoid: lambda g, f, x: g.op("Sigmoid", x),
    activations.Tanh: lambda g, f, x: g.op("Tanh", x),
    activations.ReLU: _relu,
    activations.LeakyReLU: lambda g, f, x: g.op("LeakyRelu", x, alpha=f.negative_slope),
    activations.Softmax: lambda g, f, x: g.op("Softmax", x, axis=f.axis),
    activations.LogSoftmax: lambda g, f, x: g.op("LogSoftmax", x, axis=f.axis),
    activations.ReLU6: lambda g, f, x: g.op("Clip", x, g.const(0.0), g.const(6.0)),
    activations.HardSigmoid: lambda g, f, x: _hard_sigmoid(g, x),
    activations.HardSiLU: lambda g, f, x: g.op("Mul", x, _hard_sigmoid(g, x)),
    activations.ELU: lambda g, f, x: g.op("Elu", x, alpha=f.alpha),
    activations.SELU: lambda g, f, x: g.op("Selu", x, alpha=f.alpha, gamma=f.scale),
    activations.GELU: _gelu,
    activations.SiLU: lambda g, f, x: g.op("Mul", x, g.op("Sigmoid", x)),
    activations.Softplus: lambda g, f, x: g.op("Softplus", x),
    activations.Softsign: lambda g, f, x: g.op("Softsign", x),
    activations.Mish: lambda g, f, x: g.op("Mul", x, g.op("Tanh", g.op("Softplus", x))),
    activations.Exponential: lambda g, f, x: g.op("Exp", x),
}


def activation(g: Builder, function: Any, x: str, where: str) -> str:
    """The ONNX nodes of ``function`` applied to ``x``; ``where`` names its layer."""
    translate = ACTIVATIONS.get(type(function))
    if translate is None:
        known = sorted(f.name for f in ACTIVATIONS)
        raise ValueError(
            f"Cannot export the activation {function!r} of {where} to ONNX: only "
            f"axon's own activations translate ({', '.join(known)}). "
            f"Received: {type(function).__name__}"
        )
    return translate(g, function, x)


# -- layers ---------------------------------------------------------------------------
def _dense(g: Builder, layer: Any, x: str) -> str:
    kernel = g.const(layer.params["kernel"], F32, f"{layer.name}/kernel")
    if layer.use_bias:
        bias = g.const(layer.params["bias"], F32, f"{layer.name}/bias")
        z = g.op("Gemm", x, kernel, bias)
    else:
        z = g.op("MatMul", x, kernel)
    return activation(g, layer.activation, z, f"layer {layer.name!r}")


def _batch_normalization(g: Builder, layer: Any, x: str) -> str:
    # Folded in float64, then rounded once: y = x s + t.
    variance = np.asarray(layer.state["moving_variance"], dtype=np.float64)
    scale = 1.0 / np.sqrt(variance + layer.epsilon)
    if layer.scale:
        scale = scale * layer.params["gamma"]
    shift = -np.asarray(layer.state["moving_mean"], dtype=np.float64) * scale
    if layer.center:
        shift = shift + layer.params["beta"]
    y = g.op("Mul", x, g.const(scale, F32, f"{layer.name}/scale"))
    return g.op("Add", y, g.const(shift, F32, f"{layer.name}/shift"))


def _normalization(g: Builder, layer: Any, x: str) -> str:
    # The layer's own float32 arithmetic: s = max(sqrt(variance), epsilon).
    variance = np.asarray(layer.state["variance"], dtype=F32)
    std = np.maximum(np.sqrt(variance), F32(config.epsilon())).reshape(layer.broadcast)
    mean = g.const(layer.state["mean"].reshape(layer.broadcast), F32, "mean")
    if layer.invert:
        return g.op("Add", g.op("Mul", x, g.const(std, F32, "std")), mean)
    return g.op("Div", g.op("Sub", x, mean), g.const(std, F32, "std"))


def _layer_normalization(g: Builder, layer: Any, x: str) -> str:
    axes = g.ints(layer.axes)
    centered = g.op("Sub", x, g.op("ReduceMean", x, axes, keepdims=1))
    variance = g.op("ReduceMean", g.op("Mul", centered, centered), axes, keepdims=1)
    std = g.op("Sqrt", g.op("Add", variance, g.const(layer.epsilon)))
    y = g.op("Mul", centered, g.op("Reciprocal", std))
    if layer.scale:
        gamma = layer.params["gamma"].reshape(layer.broadcast)
        y = g.op("Mul", y, g.const(gamma, F32, f"{layer.name}/gamma"))
    if layer.center:
        beta = layer.params["beta"].reshape(layer.broadcast)
        y = g.op("Add", y, g.const(beta, F32, f"{layer.name}/beta"))
    return y


def _flatten(g: Builder, layer: Any, x: str) -> str:
    if layer.order is not None:  # channels_first: the channel axis moves last
        x = g.op("Transpose", x, perm=list(layer.order))
    return g.op("Flatten", x, axis=1)


def _prelu(g: Builder, layer: Any, x: str) -> str:
    return g.op("PRelu", x, g.const(layer.params["alpha"], F32, f"{layer.name}/alpha"))


def _embedding(g: Builder, layer: Any, x: str) -> str:
    table = g.const(layer.params["embeddings"], F32, f"{layer.name}/embeddings")
    codes = g.op("Cast", x, to=g.onnx.TensorProto.INT64)  # truncates, as astype
    return g.op("Gather", table, codes, axis=0)


def _fold(g: Builder, op_type: str, xs: list[str]) -> str:
    """``op(...op(x_1, x_2)..., x_k)``, in the merge layer's own order."""
    y = xs[0] if len(xs) > 1 else g.op("Identity", xs[0])
    for x in xs[1:]:
        y = g.op(op_type, y, x)
    return y


def _identity(g: Builder, layer: Any, x: str) -> str:
    return x


LAYERS: dict[type, Callable[[Builder, Any, Any], str]] = {
    layers.Dense: _dense,
    layers.Activation: lambda g, layer, x: activation(
        g, layer.activation, x, f"layer {layer.name!r}"
    ),
    layers.BatchNormalization: _batch_normalization,
    layers.Normalization: _normalization,
    layers.LayerNormalization: _layer_normalization,
    layers.Dropout: _identity,
    layers.GaussianNoise: _identity,
    layers.GaussianDropout: _identity,
    layers.AlphaDropout: _identity,
    layers.Flatten: _flatten,
    layers.Reshape: lambda g, layer, x: g.op(
        "Reshape", x, g.ints([-1, *layer.output_shape], "shape")
    ),
    layers.PReLU: _prelu,
    layers.Embedding: _embedding,
    layers.Add: lambda g, layer, xs: _fold(g, "Add", xs),
    layers.Average: lambda g, layer, xs: g.op(
        "Mul", _fold(g, "Add", xs), g.const(1.0 / len(xs))
    ),
    layers.Multiply: lambda g, layer, xs: _fold(g, "Mul", xs),
    layers.Subtract: lambda g, layer, xs: g.op("Sub", xs[0], xs[1]),
    layers.Concatenate: lambda g, layer, xs: g.op("Concat", *xs, axis=layer.axis),
}
# The activation layers are Activation with their arguments as constructor options.
for _cls in (layers.ReLU, layers.LeakyReLU, layers.ELU, layers.Softmax):
    LAYERS[_cls] = LAYERS[layers.Activation]
# Layers whose training-time output differs from their inference output.
TRAINING_ONLY = (
    layers.BatchNormalization,
    layers.Dropout,
    layers.GaussianNoise,
    layers.GaussianDropout,
    layers.AlphaDropout,
)


def layer(g: Builder, layer_: Any, x: Any) -> str:
    """The ONNX nodes of one layer at inference, fed ``x`` (a name, or a list)."""
    translate = LAYERS.get(type(layer_))
    if translate is None:
        known = sorted(cls.__name__ for cls in LAYERS)
        raise ValueError(
            f"Cannot export layer {layer_.name!r} to ONNX: its class "
            f"{type(layer_).__name__} has no translation (its forward could compute "
            f"anything). Expected one of axon's layers: {', '.join(known)}"
        )
    return translate(g, layer_, x)


# -- models ---------------------------------------------------------------------------
def is_graph(model: Any) -> bool:
    """A functional model (a Sequential runs its chain without a graph)."""
    return hasattr(model, "graph") and hasattr(model, "inputs")


def check_model(model: Any) -> None:
    """A TypeError unless ``model`` is an axon model, a ValueError unless built."""
    from axon.models import Sequential
    from axon.models.trainer import Trainer

    if not isinstance(model, Trainer) or not hasattr(model, "layers"):
        raise TypeError(
            "Expected an axon model (Sequential, Model, or a TabularModel from "
            f"axon.tabular). Received: model of type {type(model).__name__}"
        )
    if not model.built or (isinstance(model, Sequential) and not model.layers):
        raise ValueError(
            f"Model {getattr(model, 'name', '')!r} has not been built yet: its input "
            "shape is unknown. Expected a built model (give it an Input, or fit or "
            "predict first)"
        )


def outputs(g: Builder, model: Any, inputs: list[str]) -> list[str]:
    """The names of ``model``'s outputs at inference, its inputs named ``inputs``."""
    if is_graph(model):
        return _graph(g, model, inputs)
    x = inputs[0]
    for layer_ in model.layers:
        x = layer(g, layer_, x)
    return [x]


def _graph(g: Builder, model: Any, inputs: list[str]) -> list[str]:
    graph = model.graph
    values: list[Any] = [None] * graph.size
    values[: len(inputs)] = inputs
    for call in graph.calls:
        if call.training and isinstance(call.layer, TRAINING_ONLY):
            raise ValueError(
                f"Cannot export layer {call.layer.name!r}: it was called with "
                "training=True, so predict runs its training-time output (random, or "
                "batch statistics), which the inference graph cannot. Expected a "
                "call without training=True"
            )
        x = [values[s] for s in call.sources] if call.many else values[call.source]
        values[call.target] = layer(g, call.layer, x)
    return [values[slot] for slot in graph.output_slots]
