"""The layer contract.

A layer is a small object with

- ``build(input_shape, rng)``: creates its weights with :meth:`Layer.add_weight` and
  returns its output shape (shapes exclude the batch axis);
- ``forward(x, training)``: computes the output and keeps what ``backward`` needs;
- ``backward(grad_output)``: writes the gradients of its parameters into ``grads`` and
  returns the gradient for its input (``None`` when ``needs_input_gradient`` is off,
  which the model sets where nobody needs that gradient, such as on a first layer);
- ``params`` / ``grads``: name -> array, same keys (trainable weights and their
  gradients); ``state``: name -> array for non-trainable weights such as moving
  statistics;
- ``get_config()``: the constructor arguments, so ``type(layer)(**layer.get_config())``
  builds a twin.

There is no autograd tape: a model calls ``forward`` down the stack and ``backward`` up
it. A model may re-home ``params`` and ``grads`` as views into one flat vector, so a
layer always reads its weights through these dicts and writes gradients into the arrays
it finds there (``out=``), never rebinding them. ``trainable = False`` freezes a layer:
its weights stay out of the flat vector, so the optimizer never sees them.

**Graphs.** Called on symbolic tensors (:class:`KerasTensor`, from ``axon.Input``), a
layer builds itself for their shape and records the call as a :class:`Node`; its
result is the next symbolic tensor, and ``axon.Model(inputs, outputs)`` runs the
recorded graph. A layer with ``takes_list = True`` (a merge such as ``Concatenate``)
takes a list of arrays in ``forward`` and returns one gradient per input from
``backward``, never the same array twice: whoever receives a gradient may overwrite it.

A layer called more than once in a graph (a *shared* layer) needs nothing special.
What ``forward`` keeps for ``backward`` is per call, so the graph gives each call of a
shared layer its own work buffers (``layer._buffers``), keeps a shallow copy of the
layer's attributes after each call's ``forward`` and puts it back before that call's
``backward``; the calls' parameter gradients are added up. The one rule this asks of a
layer: state that must outlive a call (moving statistics, a generator) is updated in
place, never by rebinding an attribute in ``forward``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, ClassVar

import numpy as np

from axon import config
from axon.config import Array
from axon.initializers import Initializer
from axon.registry import Registry

LAYERS: Registry[type[Layer]] = Registry("layer")

_name_counts: defaultdict[str, int] = defaultdict(int)


def unique_name(base: str) -> str:
    """Return ``base``, then ``base_1``, ``base_2``... as Keras names layers."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def clear_session() -> None:
    """Reset automatic layer and model names (``dense``, ``dense_1``...)."""
    _name_counts.clear()


def snake_case(name: str) -> str:
    """``BatchNormalization`` -> ``batch_normalization``, ``LeakyReLU`` -> ``leaky_re_lu``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def check_shape(input_shape: Any) -> tuple[int, ...]:
    """Return ``input_shape`` as a tuple of positive ints or raise a ValueError."""
    if isinstance(input_shape, (int, np.integer)):
        input_shape = (int(input_shape),)
    try:
        shape = tuple(int(d) for d in input_shape)
        valid = all(d > 0 for d in shape) and len(shape) > 0
        valid = valid and all(
            float(d) == float(o) for d, o in zip(shape, input_shape, strict=True)
        )
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(
            "Expected a shape: a tuple of positive integers without the batch axis, "
            f"such as (4,). Received: input_shape={input_shape!r}"
        )
    return shape


def describe_shape(shape: Any) -> str:
    """``(batch, 4)`` for one sample shape, a list of them for a merge layer's inputs."""
    if isinstance(shape, list):
        return "[" + ", ".join(describe_shape(s) for s in shape) + "]"
    return "(batch" + "".join(f", {d}" for d in shape) + ")"


class KerasTensor:
    """A symbolic tensor: the shape and origin of a value a functional model computes.

    ``axon.Input(shape)`` makes one; calling a layer on symbolic tensors returns the
    next one. ``shape`` has the batch axis first, as ``None`` (as in Keras); ``node``
    is the layer call that produces it.
    """

    def __init__(
        self, sample_shape: tuple[int, ...], dtype: str, name: str, node: Node
    ) -> None:
        self.shape: tuple[int | None, ...] = (None, *sample_shape)
        self.dtype, self.name, self.node = dtype, name, node

    @property
    def ndim(self) -> int:
        """Number of axes, the batch axis included."""
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


class Node:
    """One call of a layer on symbolic tensors, recorded while a graph is built.

    ``inputs`` are the tensors it took (``many``: given as a list, to a merge layer),
    ``training`` a mode fixed at the call (``layer(x, training=False)``) or ``None``
    to follow the model's, and ``output`` the tensor it made.
    """

    def __init__(
        self,
        layer: Layer,
        inputs: list[KerasTensor],
        many: bool,
        training: bool | None,
        output_shape: tuple[int, ...],
        name: str | None = None,
    ) -> None:
        self.layer, self.inputs, self.many, self.training = (
            layer,
            inputs,
            many,
            training,
        )
        layer._inbound_nodes.append(self)
        dtype = str(getattr(layer, "dtype", None) or config.floatx())
        self.output = KerasTensor(
            output_shape, dtype, name or unique_name("keras_tensor"), self
        )


def is_symbolic(inputs: Any) -> bool:
    """Whether ``inputs`` is a symbolic tensor or a list holding one."""
    if isinstance(inputs, (list, tuple)):
        return any(isinstance(t, KerasTensor) for t in inputs)
    return isinstance(inputs, KerasTensor)


class Layer:
    """Base class of every layer (see the module docstring for the contract)."""

    name_prefix: ClassVar[str] = ""
    # A merge layer takes a list of inputs and returns a list of input gradients.
    takes_list: ClassVar[bool] = False

    def __init__(
        self,
        name: str | None = None,
        input_shape: tuple[int, ...] | None = None,
        trainable: bool = True,
    ) -> None:
        if name is not None and not (isinstance(name, str) and name):
            raise ValueError(f"Expected a non-empty string. Received: name={name!r}")
        self.name = name or unique_name(
            self.name_prefix or snake_case(type(self).__name__)
        )
        self.input_shape_arg = None if input_shape is None else check_shape(input_shape)
        self.trainable = trainable
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self.state: dict[str, Array] = {}
        self.weight_order: list[str] = []
        self.built = False
        # A list of sample shapes for a layer that takes a list.
        self.input_shape: Any = None
        self.output_shape: tuple[int, ...] | None = None
        self.needs_input_gradient = True
        self._buffers: dict[tuple[str, tuple[int, ...]], Array] = {}
        self._inbound_nodes: list[Node] = []  # its calls in functional graphs

    # -- building -------------------------------------------------------------------
    def build(
        self, input_shape: tuple[int, ...], rng: np.random.Generator
    ) -> tuple[int, ...]:
        """Create weights for inputs of ``input_shape``; return the output shape."""
        return input_shape

    def ensure_built(
        self, input_shape: Any, rng: np.random.Generator | None = None
    ) -> tuple[int, ...]:
        """Build once; later calls check the shape and return the output shape.

        ``input_shape`` is one sample shape, or a list of them when ``takes_list``.
        """
        if self.takes_list:
            if not isinstance(input_shape, (list, tuple)) or not all(
                isinstance(s, (list, tuple)) for s in input_shape
            ):
                raise ValueError(
                    f"Layer {self.name!r} takes a list of inputs. Received: "
                    f"input_shape={input_shape!r}"
                )
            input_shape = [check_shape(s) for s in input_shape]
        else:
            input_shape = check_shape(input_shape)
        if self.built:
            if input_shape != self.input_shape:
                raise ValueError(
                    f"Layer {self.name!r} expects inputs of shape "
                    f"{describe_shape(self.input_shape)}. "
                    f"Received: inputs of shape {describe_shape(input_shape)}"
                )
            assert self.output_shape is not None
            return self.output_shape
        self.output_shape = self.build(input_shape, rng or config.make_rng())
        self.input_shape = input_shape
        self.built = True
        return self.output_shape

    def buffer(self, name: str, shape: tuple[int, ...], dtype: Any) -> Array:
        """A work array this layer reuses from batch to batch of the same shape.

        Fresh arrays over 128 KiB come straight from the kernel on every allocation,
        so reusing them makes a training step up to twice as fast (docs/design.md). A
        layer's outputs live in such buffers: they are valid until its next forward.
        """
        key = (name, shape)
        array = self._buffers.get(key)
        if array is None or array.dtype != dtype:
            if len(self._buffers) > 32:  # many batch sizes (predict on odd sizes)
                self._buffers.clear()
            array = self._buffers[key] = np.empty(shape, dtype=dtype)
        return array

    def add_weight(
        self,
        name: str,
        shape: tuple[int, ...],
        initializer: Initializer,
        rng: np.random.Generator,
        trainable: bool = True,
    ) -> Array:
        """Create a weight (and, if trainable, its gradient); return the weight."""
        # An initializer with its own seed repeats itself; otherwise the model's rng.
        value = initializer(shape, config.floatx(), None if initializer.seed else rng)
        if trainable:
            self.params[name] = value
            self.grads[name] = np.zeros_like(value)
        else:
            self.state[name] = value
        self.weight_order.append(name)
        return value

    # -- computing --------------------------------------------------------------------
    def forward(self, x: Array, training: bool = False) -> Array:
        """Return the layer's output for a batch ``x``."""
        raise NotImplementedError

    def backward(self, grad_output: Array) -> Array | None:
        """Write parameter gradients; return ``dL/dx`` (the chain rule)."""
        raise NotImplementedError

    def __call__(self, inputs: Any, training: bool | None = None) -> Any:
        """Run the layer on data (returns a copy), or record a call on symbolic tensors.

        On data: ``inputs`` is an array (a list of arrays for a merge layer), and the
        result is a copy of the output. On symbolic tensors (``axon.Input`` and what
        layers return): the layer builds for their shape, and a shape it cannot take
        is a ValueError naming both layers and both shapes; the result is the output's
        symbolic tensor. ``training`` fixes the mode of this call in a graph.
        """
        if is_symbolic(inputs):
            return self._record_call(inputs, training)
        if self.takes_list:
            if not isinstance(inputs, (list, tuple)):
                raise TypeError(
                    f"Layer {self.name!r} takes a list of arrays. Received: "
                    f"{type(inputs).__name__}"
                )
            xs = [np.asarray(x, dtype=config.floatx()) for x in inputs]
            self.ensure_built([x.shape[1:] for x in xs])
            return np.array(self.forward(xs, training=bool(training)))  # type: ignore[arg-type]
        x = np.asarray(inputs, dtype=config.floatx())
        self.ensure_built(x.shape[1:])
        return np.array(self.forward(x, training=bool(training)))

    def _record_call(self, inputs: Any, training: bool | None) -> KerasTensor:
        many = isinstance(inputs, (list, tuple))
        tensors = list(inputs) if many else [inputs]
        for tensor in tensors:
            if not isinstance(tensor, KerasTensor):
                raise TypeError(
                    f"Layer {self.name!r} takes symbolic tensors (from axon.Input or "
                    f"a layer call) or arrays, not a mix. Received: {tensor!r} of "
                    f"type {type(tensor).__name__}"
                )
        if many != self.takes_list:
            expected = (
                "a list of tensors to merge"
                if self.takes_list
                else "one tensor (merge a list first, e.g. with layers.concatenate)"
            )
            received = f"a list of {len(tensors)}" if many else "one tensor"
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) takes {expected}. "
                f"Received: {received}"
            )
        shapes = [tensor.shape[1:] for tensor in tensors]
        try:
            output_shape = self.ensure_built(shapes if many else shapes[0])
        except ValueError as error:
            sources = ", ".join(
                f"{t.node.layer.name!r} of shape {t.shape}" for t in tensors
            )
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) cannot take the output "
                f"of {sources}: {error}"
            ) from None
        return Node(self, tensors, many, training, output_shape).output

    # -- weights --------------------------------------------------------------------
    def weight(self, name: str) -> Array:
        """Return the weight called ``name``, trainable or not."""
        return self.params[name] if name in self.params else self.state[name]

    @property
    def weights(self) -> list[Array]:
        """Every weight, in Keras order (e.g. gamma, beta, moving_mean, moving_variance)."""
        return [self.weight(name) for name in self.weight_order]

    @property
    def trainable_weights(self) -> list[Array]:
        """The weights the optimizer updates: none while the layer is frozen."""
        if not self.trainable:
            return []
        return [self.params[name] for name in self.weight_order if name in self.params]

    @property
    def non_trainable_weights(self) -> list[Array]:
        """Moving statistics and the like; every weight while the layer is frozen."""
        if not self.trainable:
            return self.weights
        return [self.state[name] for name in self.weight_order if name in self.state]

    def get_weights(self) -> list[Array]:
        """Copies of every weight, in Keras order."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights: list[Array]) -> None:
        """Copy ``weights`` (Keras order) into the layer, checking count and shapes."""
        if len(weights) != len(self.weight_order):
            raise ValueError(
                f"Layer {self.name!r} expects {len(self.weight_order)} weight arrays "
                f"({', '.join(self.weight_order)}). Received: {len(weights)} arrays"
            )
        for name, new in zip(self.weight_order, weights, strict=False):
            target = self.weight(name)
            try:
                new = np.asarray(new)
            except ValueError:
                raise ValueError(
                    f"Expected an array for {self.name}/{name}. Received: ragged data"
                ) from None
            if new.shape != target.shape:
                raise ValueError(
                    f"Layer {self.name!r} expects {name} of shape {target.shape}. "
                    f"Received: an array of shape {new.shape}"
                )
            if new.dtype.kind not in "biuf":
                raise ValueError(
                    f"Expected real numbers for {self.name}/{name}. "
                    f"Received: {new.dtype} values"
                )
            with np.errstate(over="ignore", invalid="ignore"):
                cast = new.astype(target.dtype)  # beyond float32's range becomes inf
            if not np.isfinite(cast).all():
                raise ValueError(
                    f"Expected finite values within {target.dtype}'s range for "
                    f"{self.name}/{name}. Received: NaN, infinite or out-of-range values"
                )
            target[...] = cast

    def count_params(self) -> int:
        """Number of scalars in all weights, trainable or not."""
        return sum(w.size for w in self.weights)

    # -- configuration --------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments (Keras: ``from_config(get_config())``)."""
        config_: dict[str, Any] = {"name": self.name}
        if not self.trainable:
            config_["trainable"] = False
        return config_

    @classmethod
    def from_config(cls, config_: dict[str, Any]) -> Layer:
        """Build a layer from :meth:`get_config`'s output."""
        return cls(**config_)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"
