"""The optimizer contract: update one flat parameter vector from one flat gradient.

A model keeps every trainable weight in one contiguous vector, so an optimizer step is
a handful of NumPy calls over that vector whatever the depth of the network. Slot
variables (momentum, moments) are vectors of the same length, created by ``build``.

One step, in Keras's order: evaluate the learning rate at ``iterations`` (a schedule
or a callable), clip the gradient, decay the weights, count the step, update.
The options that treat each weight on its own (``clipnorm``, the exclusions from
weight decay) need to know where each weight lies in the vector; the model says so
through :meth:`Optimizer.set_variables` (by default the whole vector is one weight).
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from axon.config import Array, constant
from axon.optimizers.schedules import LearningRateSchedule, arguments_of, check_rate
from axon.registry import Registry

OPTIMIZERS: Registry[type[Optimizer]] = Registry("optimizer")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)


def check_positive(value: Any, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as a float or raise ``Invalid <name>`` as a ValueError."""
    ok = _is_number(value) and math.isfinite(value)
    if not (ok and (value >= 0 if allow_zero else value > 0)):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"Expected a {kind} finite float. Received: {name}={value!r}")
    return float(value)


def check_fraction(value: Any, name: str) -> float:
    """Return ``value`` as a float in ``[0, 1)`` or raise a ValueError."""
    if not (_is_number(value) and 0 <= value < 1):
        raise ValueError(f"Expected a float in [0, 1). Received: {name}={value!r}")
    return float(value)


class _Setting:
    """A shared argument that may change between steps (``opt.clipnorm = 1.0``).

    Setting it validates the value and makes the next step rebuild, which decides
    once whether steps need clipping or weight decay at all.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else getattr(obj, "_" + self.name)

    def __set__(self, obj: Any, value: Any) -> None:
        # Kept as obj._<name>: writing obj.__dict__ would turn off CPython's fast
        # attribute access for the whole object (measured: twice the cost per read).
        if value is not None:
            value = check_positive(value, self.name, self.name == "weight_decay")
        setattr(obj, "_" + self.name, value)
        clips = {k: getattr(obj, "_" + k, None) for k in Optimizer.clip_names}
        if sum(v is not None for v in clips.values()) > 1:
            raise ValueError(
                "Only one of clipnorm, clipvalue and global_clipnorm can be set. "
                "Received: " + ", ".join(f"{k}={v}" for k, v in clips.items())
            )
        obj._built_for = None  # rebuild before the next step


class Optimizer:
    """Base class: ``apply(params, grads)`` updates ``params`` in place.

    Parameters
    ----------
    learning_rate : float, LearningRateSchedule or callable
        A float, a schedule from :mod:`axon.optimizers.schedules` (called with the
        step), or any callable: one that takes an argument is called with
        ``iterations``, one that takes none (Keras's form) with nothing.
    weight_decay : float, optional
        Decoupled weight decay: before each update ``w <- w - lr * weight_decay * w``
        for every weight not excluded by :meth:`exclude_from_weight_decay`.
    clipnorm : float, optional
        Scale each weight's gradient so that its own L2 norm is at most this.
    clipvalue : float, optional
        Clip every gradient value to ``[-clipvalue, clipvalue]``.
    global_clipnorm : float, optional
        Scale all gradients together so that their joint L2 norm is at most this.
        At most one of the three clipping arguments may be set.
    use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps
        Keras's names, accepted at their defaults so Keras configs load; axon keeps
        no moving average of the weights, scales no loss and accumulates no
        gradients, so other values are refused with a ValueError.

    Attributes
    ----------
    iterations : int
        Number of steps taken (``t`` in the formulas counts from 1 during a step).
    slots : dict of str to ndarray
        The optimizer's state vectors, saved with the model.
    learning_rate : float
        The rate the next step will use; settable (callbacks change it) unless the
        optimizer follows a schedule, as in Keras.

    Notes
    -----
    Unlike Keras, a negative or non-finite learning rate, and clipping thresholds
    that are not positive, are refused with a ValueError (Keras ignores a
    ``clipnorm <= 0``), and the learning rate may be an ``int``. Optimizers take no
    ``name``: the name is the registry's (``"adam"``).
    """

    name: ClassVar[str] = "optimizer"
    slot_names: tuple[str, ...] = ()
    work_vectors: ClassVar[int] = 1  # scratch vectors the update needs
    clip_names: ClassVar[tuple[str, ...]] = ("clipnorm", "clipvalue", "global_clipnorm")
    weight_decay = _Setting()
    clipnorm = _Setting()
    clipvalue = _Setting()
    global_clipnorm = _Setting()

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
    ) -> None:
        self._work: list[Array] = []  # scratch vectors, made by build
        self._built_for: tuple[int, ...] | None = None  # the shape built for
        self._schedule: Callable[..., Any] | None = None
        self._lr = 0.0
        self._set_learning_rate(learning_rate, initial=True)
        self.iterations = 0
        self.slots: dict[str, Array] = {}
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        refused = {
            "use_ema": (use_ema, False, "keeps no moving average of the weights"),
            "loss_scale_factor": (loss_scale_factor, None, "scales no loss"),
            "gradient_accumulation_steps": (
                gradient_accumulation_steps,
                None,
                "accumulates no gradients (use a larger batch_size)",
            ),
        }
        for arg, (value, default, why) in refused.items():
            if value != default:
                raise ValueError(
                    f"axon's optimizers do not support {arg}: axon {why}. "
                    f"Expected {arg}={default}. Received: {arg}={value!r}"
                )
        self.use_ema, self.ema_momentum = use_ema, ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._variables: list[tuple[int, int, str]] | None = None
        self._variables_source: object = None
        self._views_of: Array | None = None
        self._exclude_names: re.Pattern[str] | None = None
        self._exclude_arrays: list[Array] = []

    # -- the learning rate ------------------------------------------------------------
    def _set_learning_rate(self, value: Any, initial: bool = False) -> None:
        if callable(value):
            self._schedule, self._built_for = value, None  # steps take the long path
            schedule = isinstance(value, LearningRateSchedule)
            self._takes_step = schedule or _takes_step(value)
            return
        if not _is_number(value):
            raise ValueError(
                "Expected a non-negative float, a LearningRateSchedule or a callable "
                f"of the step. Received: learning_rate={value!r}"
            )
        if self._schedule is not None and not initial:
            raise TypeError(
                "This optimizer follows a schedule (its learning_rate was a schedule "
                "or a callable), so its learning rate cannot be set to a number. "
                f"Received: learning_rate={value!r}"
            )
        self._lr = check_rate(value, "learning_rate")

    @property
    def learning_rate(self) -> float:
        """The learning rate of the next step (a schedule at ``iterations``)."""
        return self._lr if self._schedule is None else self._scheduled_rate()

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        self._set_learning_rate(value)

    def _scheduled_rate(self) -> float:
        assert self._schedule is not None
        step = self.iterations
        value = self._schedule(step) if self._takes_step else self._schedule()
        try:
            rate = float(value)
        except (TypeError, ValueError):
            rate = math.nan
        if not (math.isfinite(rate) and rate >= 0):
            raise ValueError(
                f"Expected the learning rate schedule to return a non-negative float. "
                f"Received: learning_rate={value!r} at step {step}"
            )
        return rate

    # -- which values belong to which weight ------------------------------------------
    def set_variables(
        self, slices: Sequence[slice], names: Sequence[str] | None = None
    ) -> None:
        """Say where each weight lies in the flat vector, and its name.

        ``slices`` must cover the vector in order (``slice(0, 12), slice(12, 16)``...);
        ``names`` are paths such as ``"dense/kernel"``. Models call this for their
        optimizer; without it the whole vector is one weight. A repeated call with
        the same ``slices`` object costs nothing.
        """
        if slices is self._variables_source:
            return
        names = (
            list(names) if names is not None else [f"w{i}" for i in range(len(slices))]
        )
        if len(names) != len(slices):
            raise ValueError(
                f"Expected one name per slice. Received: {len(slices)} slices and "
                f"names={names!r}"
            )
        variables, offset = [], 0
        for part, name in zip(slices, names, strict=True):
            if not (
                isinstance(part, slice)
                and part.start == offset
                and isinstance(part.stop, int)
                and part.stop >= offset
                and part.step is None
            ):
                raise ValueError(
                    "Expected slices that cover the vector in order, the next starting "
                    f"at {offset}. Received: slices={list(slices)!r}"
                )
            if part.stop > part.start:  # an empty weight owns no values
                variables.append((part.start, part.stop, str(name)))
            offset = part.stop
        self._variables, self._variables_source = variables, slices
        self._views_of = None
        self._built_for = None

    def set_variables_from_views(
        self, parameters: Array, layers: Iterable[Any]
    ) -> None:
        """:meth:`set_variables` from layers whose ``params`` are views into ``parameters``.

        This is how a model describes its flat vector (each weight is named by its
        path, ``layer.name/kernel``). Weights kept elsewhere (a frozen layer's) are
        skipped; a repeated call for the same vector costs nothing.
        """
        if parameters is self._views_of:
            return
        base, found = _address(parameters), {}
        for layer in layers:
            for key, array in layer.params.items():
                if array.size and np.may_share_memory(array, parameters):
                    start = (_address(array) - base) // parameters.itemsize
                    found[start] = (array.size, f"{layer.name}/{key}")
        starts = sorted(found)
        self.set_variables(
            [slice(s, s + found[s][0]) for s in starts], [found[s][1] for s in starts]
        )
        self._views_of = parameters

    def exclude_from_weight_decay(
        self,
        var_list: Sequence[Array] | None = None,
        var_names: Sequence[str] | None = None,
    ) -> None:
        """Keep some weights out of weight decay, as Keras does.

        Parameters
        ----------
        var_list : list of arrays, optional
            Weights to exclude, as views into the model's parameter vector (such as
            ``layer.params["bias"]``).
        var_names : list of str, optional
            Regular expressions: a weight is excluded when one is found in its name
            (``"bias"``) or in its path (``"dense_1/bias"``).
        """
        self._exclude_arrays = list(var_list or [])
        self._exclude_names = re.compile("|".join(var_names)) if var_names else None
        self._built_for = None

    # -- one step ---------------------------------------------------------------------
    def build(self, size: int, dtype: Any) -> None:
        """Create the slot vectors for ``size`` parameters, keeping fitting ones."""
        for name in self.slot_names:
            if name not in self.slots or self.slots[name].shape != (size,):
                self.slots[name] = np.full(size, self.initial_slot_value(name), dtype)
        self._work = [np.empty(size, dtype) for _ in range(self.work_vectors)]

    def initial_slot_value(self, name: str) -> float:
        """The value a new slot vector starts from (0; Adagrad's accumulator differs)."""
        return 0.0

    def _build_for(self, params: Array) -> None:
        self.build(params.size, params.dtype)
        variables = self._variables or [(0, params.size, "parameters")]
        if variables[-1][1] != params.size:
            raise ValueError(
                f"set_variables described {variables[-1][1]} values, but the parameter "
                f"vector has {params.size}. Received: params of shape {params.shape}"
            )
        self._starts = np.array([start for start, _, _ in variables], dtype=np.intp)
        if self.clipnorm is not None and len(variables) > 1:
            owner = np.zeros(params.size, np.int32)  # which weight holds each value
            owner[self._starts[1:]] = 1
            self._owner = np.cumsum(owner, dtype=np.int32)
        self._decay_mask = self._weight_decay_mask(params, variables)
        clipping = any(getattr(self, k) is not None for k in self.clip_names)
        self._clipped = np.empty_like(params) if clipping else None
        self._plain = not (clipping or self.weight_decay or self._schedule)
        self._built_for = params.shape

    def _weight_decay_mask(
        self, params: Array, variables: list[tuple[int, int, str]]
    ) -> Array | None:
        """1 where weight decay applies, 0 where excluded; None when it applies to all."""
        if not self.weight_decay or not (self._exclude_names or self._exclude_arrays):
            return None
        mask = np.ones_like(params)
        pattern = self._exclude_names
        for start, stop, name in variables:
            if pattern and (
                pattern.search(name) or pattern.search(name.split("/")[-1])
            ):
                mask[start:stop] = 0
        for array in self._exclude_arrays:
            viewing = isinstance(array, np.ndarray) and array.flags.c_contiguous
            start = (
                (_address(array) - _address(params)) // params.itemsize
                if viewing
                else -1
            )
            if not (viewing and np.may_share_memory(array, params) and start >= 0):
                raise ValueError(
                    "Expected weights that are views into the model's parameter vector "
                    "(such as layer.params['bias']). Received: var_list containing an "
                    f"array of shape {np.shape(array)}"
                )
            mask[start : start + array.size] = 0
        return mask

    def apply(self, params: Array, grads: Array) -> None:
        """Take one step: update ``params`` in place from ``grads``; ``iterations += 1``.

        ``grads`` is read, never written.
        """
        if self._built_for != params.shape:
            self._build_for(params)
        if self._plain:  # a float rate, no clipping, no decay: the common step
            self.iterations += 1
            self.update(params, grads, self._lr)
            return
        lr = self._lr if self._schedule is None else self._scheduled_rate()
        if self._clipped is not None or self.weight_decay:
            grads = self._clip_and_decay(params, grads, lr)
        self.iterations += 1
        self.update(params, grads, lr)

    def _clip_and_decay(self, params: Array, grads: Array, lr: float) -> Array:
        """Keras's order: clip the gradient, then decay the weights (decoupled)."""
        out, dtype = self._clipped, params.dtype
        if self.clipvalue is not None:
            limit = self.clipvalue
            grads = np.clip(
                grads, constant(-limit, dtype), constant(limit, dtype), out=out
            )
        elif self.clipnorm is not None or self.global_clipnorm is not None:
            assert out is not None
            np.multiply(grads, grads, out=out)
            if self.clipnorm is not None and len(self._starts) > 1:
                # Each weight by its own norm: g * c / max(|g|, c), one factor per weight.
                c = self.clipnorm
                norms = np.sqrt(np.add.reduceat(out, self._starts, dtype=np.float64))
                factors = (c / np.maximum(norms, c)).astype(dtype)
                np.take(factors, self._owner, out=out)
                grads = np.multiply(grads, out, out=out)
            else:
                c = self.clipnorm if self.clipnorm is not None else self.global_clipnorm
                norm = math.sqrt(float(out.sum(dtype=np.float64)))
                scale = c / max(norm, c)  # NaN stays NaN; Keras's global form: inf too
                if self.global_clipnorm is not None and math.isinf(norm):
                    scale = math.nan
                grads = np.multiply(grads, constant(scale, dtype), out=out)
        if self.weight_decay:
            work = self._work
            if self._decay_mask is None:  # w <- w (1 - lr wd)
                params *= constant(1 - lr * self.weight_decay, dtype)
            else:  # w <- w - lr wd mask w
                np.multiply(params, self._decay_mask, out=work[0])
                work[0] *= constant(lr * self.weight_decay, dtype)
                params -= work[0]
        return grads

    def update(self, params: Array, grads: Array, lr: float) -> None:
        """The optimizer's rule, at step ``t = self.iterations`` (subclasses)."""
        raise NotImplementedError

    # -- configuration ----------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments (a schedule as its config dict).

        Keras's shared arguments, then the optimizer's own, each read from the
        attribute of its name.
        """
        if isinstance(self._schedule, LearningRateSchedule):
            from axon.optimizers.schedules import serialize

            learning_rate: Any = serialize(self._schedule)
        else:
            learning_rate = self._schedule if self._schedule is not None else self._lr
        config = {
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        own = [k for k in arguments_of(type(self)) if k not in config]
        return {**config, **{k: getattr(self, k) for k in own}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        """Rebuild the optimizer from :meth:`get_config` (state is not included)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            from axon.optimizers.schedules import deserialize

            config["learning_rate"] = deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self) -> str:
        defaults = Optimizer().get_config()
        args = ", ".join(
            f"{k}={v!r}"
            for k, v in self.get_config().items()
            if k == "learning_rate" or k not in defaults or v != defaults[k]
        )
        return f"{type(self).__name__}({args})"


def _address(array: Array) -> int:
    return int(array.__array_interface__["data"][0])


def _takes_step(function: Callable[..., Any]) -> bool:
    """Whether ``function`` can be called with the step as its one argument."""
    try:
        inspect.signature(function).bind(0)
    except TypeError:
        return False
    except ValueError:  # no signature to read (some builtins): Keras's no-argument form
        return False
    return True
