"""The layer contract.

A layer is a small object with

- ``build(input_shape, rng)``: creates its weights with :meth:`Layer.add_weight` and
  returns its output shape (shapes exclude the batch axis);
- ``forward(x, training)``: computes the output and keeps what ``backward`` needs;
- ``backward(grad_output)``: writes the gradients of its parameters into ``grads`` and
  returns the gradient for its input (``None`` when ``needs_input_gradient`` is off,
  which the model sets on its first layer: nobody needs that gradient);
- ``params`` / ``grads``: name -> array, same keys (trainable weights and their
  gradients); ``state``: name -> array for non-trainable weights such as moving
  statistics;
- ``get_config()``: the constructor arguments, so ``type(layer)(**layer.get_config())``
  builds a twin.

There is no autograd tape: a model calls ``forward`` down the stack and ``backward`` up
it. A model may re-home ``params`` and ``grads`` as views into one flat vector, so a
layer always reads its weights through these dicts and writes gradients into the arrays
it finds there (``out=``), never rebinding them.
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


class Layer:
    """Base class of every layer (see the module docstring for the contract)."""

    name_prefix: ClassVar[str] = ""

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
        self.input_shape: tuple[int, ...] | None = None
        self.output_shape: tuple[int, ...] | None = None
        self.needs_input_gradient = True
        self._buffers: dict[tuple[str, tuple[int, ...]], Array] = {}

    # -- building -------------------------------------------------------------------
    def build(
        self, input_shape: tuple[int, ...], rng: np.random.Generator
    ) -> tuple[int, ...]:
        """Create weights for inputs of ``input_shape``; return the output shape."""
        return input_shape

    def ensure_built(
        self, input_shape: tuple[int, ...], rng: np.random.Generator | None = None
    ) -> tuple[int, ...]:
        """Build once; later calls check the shape and return the output shape."""
        input_shape = check_shape(input_shape)
        if self.built:
            if input_shape != self.input_shape:
                raise ValueError(
                    f"Layer {self.name!r} expects inputs of shape (batch, "
                    f"{', '.join(map(str, self.input_shape or ()))}). "
                    f"Received: inputs of shape (batch, {', '.join(map(str, input_shape))})"
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
        so reusing them makes a training step up to twice as fast (DESIGN.md). A
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

    def __call__(self, x: Any, training: bool = False) -> Array:
        x = np.asarray(x, dtype=config.floatx())
        self.ensure_built(x.shape[1:])
        return np.array(self.forward(x, training=training))

    # -- weights --------------------------------------------------------------------
    def weight(self, name: str) -> Array:
        """Return the weight called ``name``, trainable or not."""
        return self.params[name] if name in self.params else self.state[name]

    @property
    def weights(self) -> list[Array]:
        """Every weight, in Keras order (e.g. gamma, beta, moving_mean, moving_variance)."""
        return [self.weight(name) for name in self.weight_order]

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
