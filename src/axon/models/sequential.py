"""Sequential: a stack of layers, each feeding the next; the chain case of a Model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axon import config
from axon.config import Array
from axon.layers.base import LAYERS, KerasTensor, Layer, check_shape, unique_name
from axon.layers.input_layer import InputLayer
from axon.models import data, datasets, inference
from axon.models.functional import Model
from axon.models.trainer import Trainer


class Sequential(Model):
    """A linear stack of layers: ``y = layer_k(... layer_2(layer_1(x)))``.

    Once the input shape is known (from ``Input``, ``input_shape=`` on the first layer,
    or the first batch of data), the model builds its layers and moves every trainable
    weight into one contiguous vector, ``model.parameters``; each layer's ``params``
    become views into it, and its ``grads`` views into ``model.gradients``. An optimizer
    step is then a few NumPy calls over one vector, whatever the depth.

    It is a :class:`~axon.Model` (as in Keras) whose graph is a chain, so it runs it
    with a plain loop: ``forward`` down the list, ``backward`` up it.

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

    # A plain attribute here, set once the shape is known.
    input_shape: tuple[int, ...] | None = None

    def __init__(self, layers: Iterable[Layer] | None = None, name: str | None = None):
        self._setup(name or unique_name("sequential"))
        self.input_shape = None
        for layer in layers or ():
            self.add(layer)

    # -- the stack ------------------------------------------------------------------
    def add(self, layer: Layer | KerasTensor) -> None:
        """Append a layer; the model (re)builds as soon as its input shape is known."""
        if isinstance(layer, KerasTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer  # axon.Input(shape) as the first element
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
        if layer.takes_list:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) merges several inputs; "
                "a Sequential has one path. Build an axon.Model from axon.Input instead"
            )
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
        self._pack_parameters()
        self.built = True

    def _prepare_gradients(self) -> None:
        # Every layer's input gradient is needed but the first's: nobody needs dL/dx
        # of the data.
        for layer in self._layers:
            layer.needs_input_gradient = True
        if self._layers:
            self._layers[0].needs_input_gradient = False

    def _build_from_data(self, x: Array) -> None:
        if not self.built:
            self.build(x.shape[1:])
        elif self._packed != self._trained():
            self._pack_parameters()

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of one output sample."""
        self._require_built()
        shape = self._layers[-1].output_shape
        assert shape is not None
        return shape

    def _as_inputs(self, x: Any, name: str) -> Array:
        n_features = self.input_shape[0] if self.input_shape else None
        return data.as_inputs(x, n_features, name)

    def _output_path(self) -> str:
        return Trainer._output_path(self)  # a chain's last layer makes its output

    def _as_targets(self, y: Any, loss: Any, name: str) -> Array:
        return data.as_targets(y, loss, self.output_shape[-1], name)

    # -- passes ---------------------------------------------------------------------
    def forward(self, x: Array, training: bool = False) -> Array:
        """Run ``x`` through every layer; the result may be a layer's own buffer."""
        for layer in self._layers:
            x = layer.forward(x, training)  # positional: 40 ns a layer less
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

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: int | None = None,
    ) -> Any:
        """Return the model's outputs for ``x``, computed in batches in inference mode.

        A NumPy array of the model's float type and input shape skips the
        conversions, and rows go through the layers in chunks of at least
        ``inference.CHUNK`` (design note 32); the answer is the same.
        """
        if inference.one_batch(self, x, batch_size, verbose):
            return self.forward(x, training=False).copy()
        if inference.ready(self, x) and len(x):
            return inference.predict(self, x, batch_size, verbose)
        if datasets.is_stream(x):  # a generator or PyDataset: ``steps`` batches
            return datasets.predict_stream(self, x, steps)
        return Trainer.predict(self, x, batch_size, verbose)

    def predict_on_batch(self, x: Any) -> Any:
        """Outputs for one batch, in inference mode: the path for serving loops.

        When ``x`` is already a NumPy array of the model's float type whose samples
        have the input's shape, nothing else is checked, unlike ``predict``: NaN or
        infinite inputs give NaN outputs instead of a ValueError, and the model must
        have been built. That skips about ten Python calls (a fifth of a one-sample
        ``predict`` of the tutorial's model, design note 29). Any other
        ``x`` (a list, a DataFrame, float64 data) goes through ``predict``'s checks.
        """
        if inference.ready(self, x):
            return self.forward(x, training=False).copy()
        return Trainer.predict_on_batch(self, x)

    # -- the step's regularization hook ---------------------------------------------
    def _backward_with_penalties(self, grad_output: Array, from_logits: bool) -> float:
        """``backward``; without a regularizer in the model, nothing else.

        The general hook scans every layer's weights for regularizers each step:
        four of the 45 Python calls and fifteen attribute look-ups in a step of a
        three-layer network (design note 28).
        """
        if self._penalized:
            return super()._backward_with_penalties(grad_output, from_logits)
        self.backward(grad_output, from_logits=from_logits)
        return 0.0

    # -- description ----------------------------------------------------------------
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
