"""Model: Keras's functional API, and the base every axon model shares with Sequential.

The base keeps the layers and moves every trainable weight into one flat vector
(``model.parameters``; the layers hold views into it, and their gradients views into
``model.gradients``), so that an optimizer step is a few NumPy calls whatever the
shape of the network. ``Model(inputs, outputs)`` adds the graph (:mod:`axon.models.graph`);
``Sequential`` is the chain case, run by a plain loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import config, regularizers
from axon.config import Array
from axon.layers.base import Layer, unique_name
from axon.metrics import MetricList, for_loss, identifiers
from axon.models import data, datasets, dense_chain, inference
from axon.models.graph import Graph, check_tensors
from axon.models.structure import flatten, named_items
from axon.models.trainer import Trainer


class Model(Trainer):
    """A graph of layers from ``axon.Input`` tensors to output tensors.

    Build the graph by calling layers on symbolic tensors, then name its ends::

        inputs = axon.Input(shape=(4,))
        x = axon.layers.Dense(16, activation="relu")(inputs)
        outputs = axon.layers.Dense(3, activation="softmax")(x)
        model = axon.Model(inputs=inputs, outputs=outputs)

    The model then compiles, trains, evaluates, predicts, summarises and saves as a
    ``Sequential`` does. ``inputs`` may be one tensor, a list, or a dict (then the data
    come as a dict with the same keys; a list input also takes a dict keyed by the
    Input names). Branches, merges (``layers.concatenate`` ...), layers shared by
    several paths and residual connections all work: ``backward`` walks the graph in
    reverse and adds the gradients of a tensor that feeds several layers. Several
    outputs predict as a list (or a dict) and train with a loss, ``loss_weights`` and
    metrics per output (:mod:`axon.models.outputs`).

    Where axon differs from Keras: an Input that does not reach the outputs is a
    ValueError (Keras accepts it silently, and ``fit`` would ignore those data);
    ``Model()`` without a graph (subclassing with a ``call`` method) is refused, as
    axon has no autodiff to differentiate arbitrary code; every input is cast to the
    float type once per ``fit``.

    Examples
    --------
    >>> import numpy as np, axon
    >>> a, b = axon.Input((3,), name="a"), axon.Input((2,), name="b")
    >>> merged = axon.layers.concatenate([axon.layers.Dense(4)(a), b])
    >>> model = axon.Model([a, b], axon.layers.Dense(1)(merged))
    >>> model.predict({"a": np.ones((5, 3)), "b": np.ones((5, 2))}, verbose=0).shape
    (5, 1)
    """

    _layers: list[Layer]
    _many_outputs = False

    def __init__(
        self,
        inputs: Any = None,
        outputs: Any = None,
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        self._setup(name or unique_name("functional"))
        if inputs is None or outputs is None:
            raise TypeError(
                "Expected Model(inputs=..., outputs=...): the symbolic tensors at the "
                "ends of a graph (axon.Input and layer calls). axon has no autodiff, so "
                "a subclass with its own call() cannot be trained. Received: "
                f"inputs={inputs!r}, outputs={outputs!r}"
            )
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self.inputs = flatten(inputs)
        self.outputs = flatten(outputs)
        self._many_outputs = len(self.outputs) > 1
        check_tensors(self.inputs, "inputs", inputs)
        check_tensors(self.outputs, "outputs", outputs)
        self.graph = Graph(self.inputs, self.outputs)
        self._layers = self.graph.layers
        # The data for an Input come by its key when inputs is a dict, else its name.
        self._input_names = (
            [str(k) for k in inputs]
            if isinstance(inputs, dict)
            else [t.node.layer.name for t in self.inputs]
        )
        shapes = [
            tuple(int(d) for d in t.shape[1:] if d is not None) for t in self.inputs
        ]
        # One sample's shape, no batch axis (a list of them for several inputs).
        self.input_shape = shapes[0] if len(shapes) == 1 else shapes  # type: ignore[assignment]
        self._columns: list[tuple[slice, tuple[int, ...]]] | None = None
        # The inputs travel side by side in one 2-D array; forward cuts each back out
        # and gives it its shape (one Input of shape (4, 3) too: Softmax(axis=-1) or
        # LayerNormalization must not see 12 flat columns).
        if len(shapes) > 1 or len(shapes[0]) > 1:
            self._columns, start = [], 0
            for tensor in self.inputs:
                shape = tuple(int(d) for d in tensor.shape[1:] if d is not None)
                width = int(np.prod(shape))
                self._columns.append((slice(start, start + width), shape))
                start += width
        # The output layer whose logits a fused loss may read (Trainer._output_path).
        fusable = self.graph.fusable(0) if len(self.outputs) == 1 else None
        self._fusable_layer = fusable.layer if fusable is not None else None
        if not trainable:
            self.trainable = False  # every layer frozen, as Keras's trainable=False
        self._pack_parameters()
        self.built = True

    def _setup(self, name: str) -> None:
        """What every model starts with (Sequential calls this instead of __init__)."""
        Trainer.__init__(self)
        self.name = name
        self._layers = []
        self._trainable = True
        self._packed: tuple[bool, ...] | None = None
        self._layout: dict[tuple[int, str], tuple[int, int]] = {}
        self._weighted_metric_ids: list[Any] = []
        self.built = False
        self.parameters: Array = np.zeros(0, dtype=config.floatx())
        self.gradients: Array = np.zeros(0, dtype=config.floatx())
        self.rng = config.make_rng()  # shuffles the batches; saved with the model

    # -- layers ---------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers, each once (a functional model's Input layers first)."""
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called ``name``, or the one at position ``index`` of ``layers``."""
        if index is not None:
            if not -len(self._layers) <= index < len(self._layers):
                raise ValueError(
                    f"Expected a layer index below {len(self._layers)}. "
                    f"Received: index={index!r}"
                )
            return self._layers[index]
        if name is None:
            raise ValueError("Expected a layer name or index. Received: neither")
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name}. Existing layers are: "
            f"{[layer.name for layer in self._layers]}"
        )

    @property
    def trainable(self) -> bool:
        """Set to False to freeze every layer (it takes effect at the next fit)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = bool(value)

    # -- the flat parameter vector ---------------------------------------------------
    def _trained(self) -> tuple[bool, ...]:
        # a list, not a generator: one Python call fewer per layer (predict asks)
        return tuple([self._trainable and layer.trainable for layer in self._layers])

    def _pack_parameters(self) -> None:
        """Move the trainable layers' weights into one vector; they keep views into it.

        Frozen layers keep arrays of their own, out of the optimizer's reach. When
        the set of trainable layers changes, the optimizer's slots follow their weights
        to their new places.
        """
        trained = self._trained()
        entries = [
            (layer, name)
            for layer, on in zip(self._layers, trained, strict=True)
            if on
            for name in layer.params
        ]
        total = sum(layer.params[name].size for layer, name in entries)
        dtype = (
            entries[0][0].params[entries[0][1]].dtype if entries else config.floatx()
        )
        parameters = np.empty(total, dtype=dtype)
        gradients = np.zeros(total, dtype=dtype)
        layout: dict[tuple[int, str], tuple[int, int]] = {}
        offset = 0
        for layer, name in entries:
            value = layer.params[name]
            end = offset + value.size
            parameters[offset:end] = value.ravel()
            layer.params[name] = parameters[offset:end].reshape(value.shape)
            layer.grads[name] = gradients[offset:end].reshape(value.shape)
            layout[(id(layer), name)] = (offset, end)
            offset = end
        for layer, on in zip(self._layers, trained, strict=True):
            for name, value in layer.params.items() if not on else ():
                if np.may_share_memory(value, self.parameters):
                    layer.params[name] = value.copy()
                    layer.grads[name] = np.zeros_like(value)
        self._move_optimizer_slots(layout, total)
        self.parameters, self.gradients, self._layout = parameters, gradients, layout
        self._packed = trained
        self._prepare_gradients()

    def _move_optimizer_slots(
        self, layout: dict[tuple[int, str], tuple[int, int]], total: int
    ) -> None:
        optimizer, old_size = self.optimizer, self.parameters.size
        if optimizer is None or not self._layout or layout == self._layout:
            return
        for key, slot in list(optimizer.slots.items()):
            if slot.shape != (old_size,):
                continue
            moved = np.zeros(total, dtype=slot.dtype)
            for weight, (start, stop) in layout.items():
                if weight in self._layout:
                    old_start, old_stop = self._layout[weight]
                    moved[start:stop] = slot[old_start:old_stop]
            optimizer.slots[key] = moved

    def _prepare_gradients(self) -> None:
        """Tell each layer whether its input gradient is needed (a graph decides)."""
        self.graph.prepare_gradients(
            {
                id(layer)
                for layer in self._layers
                if self._trainable and layer.trainable and layer.params
            }
        )

    def _build_from_data(self, x: Array) -> None:
        # Once per fit/evaluate/predict: follow `trainable` changes, and reclaim layers
        # that another model sharing them may have set up differently.
        if self._packed != self._trained():
            self._pack_parameters()
        else:
            self._prepare_gradients()

    def _require_built(self) -> None:
        if not self.built:
            raise ValueError(
                "This model has not been built yet: give the first layer an input_shape, "
                "start with axon.layers.Input(shape), or call fit/predict/build first"
            )

    # -- weights --------------------------------------------------------------------
    @property
    def weights(self) -> list[Array]:
        """Every weight array (views), layer by layer in Keras order."""
        return [w for layer in self._layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list[Array]:
        """The weights the optimizer updates."""
        if not self._trainable:
            return []
        return [w for layer in self._layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list[Array]:
        """Frozen weights and moving statistics."""
        if not self._trainable:
            return self.weights
        return [w for layer in self._layers for w in layer.non_trainable_weights]

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

    def summary(self, print_fn: Any = None) -> None:
        """Print the Keras table: layer (type), output shape, parameters, inputs."""
        from axon.models.summary import summary_text

        self._require_built()
        (print_fn or print)(summary_text(self))

    # -- the graph ------------------------------------------------------------------
    @property
    def output_shape(self) -> Any:
        """Shape of one output sample (a list of them for several outputs)."""
        shapes = [tuple(t.shape[1:]) for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    # -- several outputs (axon.models.outputs) -----------------------------------------
    def compile(  # type: ignore[override]  # Keras's order, not the Trainer's
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
    ) -> None:
        """Choose the optimizer, the loss and the metrics (see ``Trainer.compile``).

        The arguments come in Keras 3's order, so a positional call means what it
        means in Keras (``loss_weights`` before ``metrics``).

        ``weighted_metrics`` receive the sample weights (``sample_weight`` or
        ``class_weight``) and are logged after ``metrics``, a taken name as
        ``weighted_<name>`` (Keras 3's rule). A model with several outputs takes a
        loss, ``loss_weights`` and (weighted) metrics per output, as a list in the
        outputs' order or a dict keyed by output name (:mod:`axon.models.outputs`),
        and trains ``sum_k w_k L_k``.
        """
        if self._many_outputs:
            from axon.models.outputs import compile_outputs

            compile_outputs(
                self, optimizer, loss, metrics, loss_weights, weighted_metrics
            )
            return
        if loss_weights is not None:
            hint = (  # compile(opt, loss, ["accuracy"]) gives Keras's loss_weights
                " (the third argument is loss_weights, as in Keras: pass metrics=...)"
                if isinstance(loss_weights, list | tuple)
                and any(isinstance(w, str) for w in loss_weights)
                else ""
            )
            raise ValueError(
                "loss_weights weigh the losses of several outputs; this model has "
                f"one{hint}. Received: loss_weights={loss_weights!r}"
            )
        self._weighted_metric_ids = identifiers(weighted_metrics, "weighted_metrics")
        super().compile(optimizer, loss, metrics)

    def _resolve_metrics(self) -> None:
        if self._many_outputs:
            from axon.models.outputs import output_metric_list

            self.metrics = output_metric_list(self)
            return
        super()._resolve_metrics()
        if self._weighted_metric_ids:
            width = self.output_shape[-1]
            extra = for_loss(self._weighted_metric_ids, self.loss, width)
            self.metrics = MetricList(self.metrics, weighted=extra)

    def _prepare(self, *args: Any) -> tuple[Array, Array]:
        prepared = super()._prepare(*args)
        if not self.metrics and self._weighted_metric_ids:  # compiled before built
            self._resolve_metrics()
        self._penalized = regularizers.regularized(self._layers)
        self._chain = dense_chain.prepare(self)  # Dense layers in a chain: one step
        return prepared

    def _as_targets(self, y: Any, loss: Any, name: str) -> Array:
        if self._many_outputs:
            from axon.models.outputs import pack_targets

            return pack_targets(self, y, name)
        if isinstance(y, (list, tuple)) and len(y) == 1 and hasattr(y[0], "shape"):
            y = y[0]  # [targets] for the one output
        return data.as_targets(y, loss, self.output_shape[-1], name)

    def _output_path(self) -> str:
        # The loss may start at the logits of the last layer only where the graph lets
        # it: that layer makes the only output, in one call, and nothing else reads it.
        path = super()._output_path()
        fused = path == "fused" and self._fusable_layer is self._layers[-1]
        return "plain" if path == "fused" and not fused else path

    def _split(self, x: Array) -> list[Array]:
        """The inputs' arrays, as views of the columns they travel in."""
        if self._columns is None:
            return [x]
        return [
            x[:, cols] if len(shape) == 1 else x[:, cols].reshape(len(x), *shape)
            for cols, shape in self._columns
        ]

    def _unpacked(self, x: Array, y: Array) -> tuple[Any, Any]:
        """Packed inputs and targets as a list and a dict again, for ``_prepare``."""
        from axon.models.outputs import unpack_targets

        packed = getattr(self, "_columns", None) is not None  # Sequential has none
        inputs = self._split(x) if packed else x
        return inputs, unpack_targets(self, y) if self._many_outputs else y

    def forward(self, x: Array, training: bool = False) -> Any:
        """Run the graph; one array per output (they may be layers' own buffers)."""
        outputs = self.graph.forward(
            [x] if self._columns is None else self._split(x), training
        )
        return outputs[0] if len(outputs) == 1 else outputs

    def backward(self, grad_output: Any, from_logits: Any = False) -> None:
        """Run the chain rule back through the graph, filling ``model.gradients``.

        With several outputs, ``grad_output`` and ``from_logits`` are lists.
        """
        if self._many_outputs:
            self.graph.backward(grad_output, from_logits)
        else:
            self.graph.backward([grad_output], [from_logits])

    def _as_inputs(self, x: Any, name: str) -> Array:
        """The data for every Input, checked, cast and side by side in one array.

        Once per ``fit``: batches and shuffles then work on one array, and
        ``forward`` takes each Input's columns back as a view.
        """
        arrays, labels = [], []
        for (label, value), tensor in zip(
            self._input_items(x, name), self.inputs, strict=True
        ):
            shape = tuple(int(d) for d in tensor.shape[1:] if d is not None)
            width = int(np.prod(shape))
            if shape == (1,) and getattr(value, "ndim", None) == 1:
                column = value.to_numpy() if hasattr(value, "to_numpy") else value
                value = np.asarray(column).reshape(-1, 1)  # as a DataFrame gives it
            elif len(shape) > 1 and isinstance(value, np.ndarray):
                if value.shape[1:] != shape:
                    raise ValueError(
                        f"Expected {label} of shape (samples, "
                        f"{', '.join(map(str, shape))}). Received: shape {value.shape}"
                    )
                value = value.reshape(len(value), width)
            arrays.append(data.as_inputs(value, width, label))
            labels.append(label)
            data.check_same_length(arrays[0], arrays[-1], (labels[0], label))
        if len(arrays) == 1:
            return arrays[0]
        return np.concatenate(arrays, axis=1)

    def _input_items(self, x: Any, name: str) -> list[tuple[str, Any]]:
        names = self._input_names
        if len(names) == 1 and not isinstance(x, dict):
            if isinstance(x, (list, tuple)) and len(x) == 1 and hasattr(x[0], "shape"):
                x = x[0]
            return [(name, x)]
        return named_items(x, names, name, "input")

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: int | None = None,
    ) -> Any:
        """Outputs for ``x``, in batches in inference mode (a list or dict for several).

        ``x`` may be a PyDataset or a generator (``steps`` batches of it).
        """
        if datasets.is_stream(x):
            return datasets.predict_stream(self, x, steps)
        packed = self._as_inputs(x, "x")
        self._build_from_data(packed)
        self._check_verbose(verbose)
        return self._predict_arrays(packed, data.check_batch_size(batch_size))

    def predict_on_batch(self, x: Any) -> Any:
        """Outputs for one batch, in inference mode: the path for serving loops.

        A ready array goes in unchecked (:func:`axon.models.inference.ready`).
        """
        return inference.predict_on_batch(self, x)

    def _predict_arrays(self, x: Array, batch_size: int) -> Any:
        results = [
            np.empty((len(x), *t.shape[1:]), dtype=config.floatx())
            for t in self.outputs
        ]
        for rows in data.batches(len(x), batch_size):
            outputs = self.graph.forward(self._split(x[rows]), training=False)
            for result, output in zip(results, outputs, strict=True):
                result[rows] = output
        if len(results) == 1:
            return results[0]
        if isinstance(self._outputs_struct, dict):
            return dict(zip(self._outputs_struct, results, strict=True))
        return results

    # -- configuration --------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Keras's functional config: the layers, their calls, the inputs and outputs."""
        from axon.models.functional_config import graph_config

        return {"name": self.name, "trainable": self._trainable, **graph_config(self)}

    @classmethod
    def from_config(cls, config_: dict[str, Any]) -> Model:
        """Rebuild an (untrained) model from :meth:`get_config`."""
        from axon.models.functional_config import rebuild_graph

        inputs, outputs = rebuild_graph(config_)
        trainable = config_.get("trainable", True) is not False
        return cls(inputs, outputs, name=config_.get("name"), trainable=trainable)

    def __repr__(self) -> str:
        return f"<Model name={self.name!r} layers={len(self._layers)}>"
