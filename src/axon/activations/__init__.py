"""Activation functions, each with its derivative written right under it.

An activation is an object with ``forward(x)`` and ``backward(x, y, grad_output)``: the
backward pass receives both the input ``x`` and the output ``y = f(x)`` so each derivative
can use whichever is cheaper (sigmoid and tanh use ``y``, as scikit-learn does).
``backward`` may overwrite ``grad_output`` in place and return it.

The module-level names (``axon.activations.relu`` ...) are ready-made instances, so they
can be called like Keras's functions: ``axon.activations.relu(x)``, or
``axon.activations.gelu(x, approximate=True)`` with Keras's arguments.

The contract is in :mod:`axon.activations.base`; the tutorial's functions in
:mod:`~axon.activations.classic`, those with kinks in :mod:`~axon.activations.rectifiers`
and the smooth ones in :mod:`~axon.activations.smooth`.
"""

from __future__ import annotations

from typing import Any

from axon.activations.base import ACTIVATIONS, Activation
from axon.activations.classic import (
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from axon.activations.rectifiers import ELU, SELU, HardSigmoid, HardSiLU, ReLU6
from axon.activations.smooth import GELU, Exponential, Mish, SiLU, Softplus, Softsign
from axon.registry import build
from axon.registry import serialize as serialize_component

__all__ = [
    "ACTIVATIONS",
    "ELU",
    "GELU",
    "SELU",
    "Activation",
    "Exponential",
    "HardSiLU",
    "HardSigmoid",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "Mish",
    "ReLU",
    "ReLU6",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Softsign",
    "Tanh",
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]

linear = Linear()
sigmoid = Sigmoid()
tanh = Tanh()
relu = ReLU()
leaky_relu = LeakyReLU()
softmax = Softmax()
log_softmax = LogSoftmax()
relu6 = ReLU6()
hard_sigmoid = HardSigmoid()
hard_silu = hard_swish = HardSiLU()
elu = ELU()
selu = SELU()
gelu = GELU()
silu = swish = SiLU()
softplus = Softplus()
softsign = Softsign()
mish = Mish()
exponential = Exponential()


def get(identifier: str | Activation | dict[str, Any] | None) -> Activation:
    """Return an activation from a name, a config dict, an instance, or ``None`` (linear).

    Examples
    --------
    >>> get("relu")
    ReLU()
    >>> get({"name": "leaky_relu", "negative_slope": 0.1})
    LeakyReLU(negative_slope=0.1)
    >>> get("swish")
    SiLU()
    """
    if identifier is None:
        return Linear()
    if isinstance(identifier, Activation):
        return identifier
    expected = "an axon.activations.Activation instance (which knows its derivative)"
    return build(ACTIVATIONS, identifier, "activation", expected)


def serialize(activation: Activation) -> str | dict[str, Any]:
    """Return the name, or a config dict when the activation has arguments."""
    return serialize_component(activation.name, activation.get_config())
