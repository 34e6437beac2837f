"""Sequential: a stack of layers, each feeding the next, with one flat parameter vector."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.layers.base import LAYERS, Layer, check_shape, unique_name
from axon.layers.input_layer import InputLayer
from axon.models.trainer import Trainer


class Sequential(Trainer):
    """A linear stack of layers: ``y = layer_k(... layer_2(layer_1(x)))``.

    Once the input shape is known (from ``Input``, ``input_shape=`` on the first layer,
    or the first batch of data), the model builds its layers and moves every trainable
    weight into one contiguous vector, ``model.parameters``; each layer's ``params``
    become views into it, and its ``grads`` views into ``model.gradients``. An optimizer
    step is then a few NumPy calls over one vector, whatever the depth.

    Examples
    --------
    >>> import axon
    >>> model = axon.Sequential([
    ...     axon.layers.Input((4,)),
    ...     axon.layers.Dense(8, activation="relu"),
    ...     axon.layers.Dense(3, activation="softmax"),
    ... ])
    >>> model.count_params()
    67
    """

    def __init__(self, layers: Iterable[Layer] | None = None, name: str | None = None):
        super().__init__()
        self.name = name or unique_name("sequential")
        self._layers: list[Layer] = []
        self.input_shape: tuple[int, ...] | None = None
        self.built = False
        self.parameters: Array = np.zeros(0, dtype=config.floatx())
        self.gradients: Array = np.zeros(0, dtype=config.floatx())
        self.rng = config.make_rng()  # shuffles the batches; saved with the model
        for layer in layers or ():
            self.add(layer)

    # -- the stack ------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers, without the input placeholder."""
        return list(self._layers)

    def add(self, layer: Layer) -> None:
        """Append a layer; the model (re)builds as soon as its input shape is known."""
        if not isinstance(layer, Layer):
            raise TypeError(
                "Expected an axon layer (such as axon.layers.Dense). "
                f"Received: {layer!r} of type {type(layer).__name__}"
            )
        if isinstance(layer, InputLayer):
            if self._layers or self.input_shape is not None:
                raise ValueError(
                    "An Input can only be the first element of a Sequential"
                )
            self.input_shape = layer.shape
            return
        if not self._layers and self.input_shape is None and layer.input_shape_arg:
            self.input_shape = layer.input_shape_arg
        if any(existing is layer for existing in self._layers):
            raise ValueError(f"Layer {layer.name!r} is already in this model")
        self._layers.append(layer)
        if self.input_shape is not None:
            self.build(self.input_shape)

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise ValueError("There are no layers to pop")
        layer = self._layers.pop()
        if self.input_shape is not None and self._layers:
            self.build(self.input_shape)
        return layer

    def build(self, input_shape: tuple[int, ...] | None = None) -> None:
        """Build every layer for samples of ``input_shape`` and pack the parameters."""
        if input_shape is None:
            input_shape = self.input_shape
        if input_shape is None:
            raise ValueError("Cannot build the model: its input shape is unknown")
        if not self._layers:
            raise ValueError("Cannot build an empty Sequential model: add layers first")
        self.input_shape = check_shape(input_shape)
        shape = self.input_shape
        for layer in self._layers:
            shape = layer.ensure_built(shape, config.make_rng())
            layer.needs_input_gradient = True
        self._layers[0].needs_input_gradient = False  # nobody needs dL/dx of the data
        self._pack_parameters()
        self.built = True

    def _pack_parameters(self) -> None:
        """Move trainable weights into one vector; layers keep views into it."""
        entries = [
            (layer, name)
            for layer in self._layers
            if layer.trainable
            for name in layer.params
        ]
        total = sum(layer.params[name].size for layer, name in entries)
        dtype = (
            entries[0][0].params[entries[0][1]].dtype if entries else config.floatx()
        )
        parameters = np.empty(total, dtype=dtype)
        gradients = np.zeros(total, dtype=dtype)
        offset = 0
        for layer, name in entries:
            value = layer.params[name]
            end = offset + value.size
            parameters[offset:end] = value.ravel()
            layer.params[name] = parameters[offset:end].reshape(value.shape)
            layer.grads[name] = gradients[offset:end].reshape(value.shape)
            offset = end
        self.parameters, self.gradients = parameters, gradients

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of one output sample."""
        self._require_built()
        shape = self._layers[-1].output_shape
        assert shape is not None
        return shape

    # -- passes ---------------------------------------------------------------------
    def forward(self, x: Array, training: bool = False) -> Array:
        """Run ``x`` through every layer; the result may be a layer's own buffer."""
        for layer in self._layers:
            x = layer.forward(x, training=training)
        return x

    def backward(self, grad_output: Array, from_logits: bool = False) -> None:
        """Run the chain rule up the stack, filling ``model.gradients``.

        With ``from_logits`` the gradient is taken at the last layer's pre-activation
        (the fused softmax/sigmoid + cross-entropy path).
        """
        last = self._layers[-1]
        grad: Array | None = (
            last.backward_from_logits(grad_output)  # type: ignore[attr-defined]
            if from_logits
            else last.backward(grad_output)
        )
        for layer in reversed(self._layers[:-1]):
            assert grad is not None
            grad = layer.backward(grad)

    # -- weights --------------------------------------------------------------------
    @property
    def weights(self) -> list[Array]:
        """Every weight array (views), layer by layer in Keras order."""
        return [w for layer in self._layers for w in layer.weights]

    def get_weights(self) -> list[Array]:
        """Copies of every weight, layer by layer in Keras order."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights: list[Array]) -> None:
        """Copy ``weights`` (as returned by ``get_weights``) into the model."""
        self._require_built()
        expected = sum(len(layer.weight_order) for layer in self._layers)
        if not isinstance(weights, (list, tuple)) or len(weights) != expected:
            count = (
                len(weights) if isinstance(weights, (list, tuple)) else type(weights)
            )
            raise ValueError(
                f"Expected a list of {expected} weight arrays (see model.get_weights()). "
                f"Received: {count}"
            )
        start = 0
        for layer in self._layers:
            stop = start + len(layer.weight_order)
            layer.set_weights(list(weights[start:stop]))
            start = stop

    def count_params(self) -> int:
        """Number of scalars in all weights, trainable or not."""
        self._require_built()
        return sum(layer.count_params() for layer in self._layers)

    def _require_built(self) -> None:
        if not self.built:
            raise ValueError(
                "This model has not been built yet: give the first layer an input_shape, "
                "start with axon.layers.Input(shape), or call fit/predict/build first"
            )

    def _build_from_data(self, x: Array) -> None:
        if not self.built:
            self.build(x.shape[1:])

    # -- description ----------------------------------------------------------------
    def summary(self, print_fn: Any = None) -> None:
        """Print the Keras table: layer (type), output shape, parameter count."""
        from axon.models.summary import summary_text

        self._require_built()
        (print_fn or print)(summary_text(self))

    def get_config(self) -> dict[str, Any]:
        """The architecture: name, input shape and each layer's class and config."""
        return {
            "name": self.name,
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "layers": [
                {"class_name": type(layer).__name__, "config": layer.get_config()}
                for layer in self._layers
            ],
        }

    @classmethod
    def from_config(cls, config_: dict[str, Any]) -> Sequential:
        """Rebuild an (untrained) model from :meth:`get_config`."""
        layers = [
            LAYERS.lookup(entry["class_name"]).from_config(entry["config"])
            for entry in config_["layers"]
        ]
        model = cls(name=config_.get("name"))
        if config_.get("input_shape"):
            model.add(InputLayer(tuple(config_["input_shape"])))
        for layer in layers:
            model.add(layer)
        return model

    def __repr__(self) -> str:
        return f"<Sequential name={self.name!r} layers={len(self._layers)}>"
