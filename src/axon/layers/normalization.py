"""Normalization layers: a fitted feature scaler, and per-sample layer normalisation."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from axon import config, initializers
from axon.config import Array
from axon.layers.base import LAYERS, Layer

# adapt() reads a NumPy array in chunks of about this many values, so its float64
# work arrays stay small whatever the size of the data.
_ADAPT_CHUNK = 2**20


def as_axes(axis: Any, argument: str = "axis") -> tuple[int, ...]:
    """``axis`` as a tuple of ints (``None`` -> ``()``), or a TypeError naming it."""
    if axis is None:
        return ()
    items = axis if isinstance(axis, (list, tuple)) else [axis]
    if not all(
        isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in items
    ):
        raise TypeError(
            f"Expected an int, a list of ints or None. Received: {argument}={axis!r}"
        )
    return tuple(int(a) for a in items)


def resolve_axes(
    axes: tuple[int, ...], ndim: int, layer: str, argument: str = "axis"
) -> tuple[int, ...]:
    """Sorted non-negative axes of a batch with ``ndim`` axes; the batch axis refused.

    Axes count the batch axis, as in Keras: for ``(batch, features)`` data, ``-1`` and
    ``1`` both name the features.
    """
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"{layer} expects {argument} values in the range [{-ndim}, {ndim}) for "
                f"inputs with {ndim} axes, the batch axis included. "
                f"Received: {argument}={list(axes)}"
            )
    resolved = tuple(sorted({a % ndim for a in axes}))
    if 0 in resolved:
        raise ValueError(
            f"{layer} cannot use the batch axis (axis 0 of a batch of {ndim} axes): it "
            "keeps its statistics per feature, not per sample. "
            f"Received: {argument}={list(axes)}"
        )
    return resolved


def _real(value: Any, argument: str) -> Array:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or not np.isfinite(array).all():
        raise ValueError(
            f"Expected finite real numbers (a scalar or an array). "
            f"Received: {argument}={value!r}"
        )
    return array


def _batches(data: Any) -> Iterator[Any]:
    """The batches of ``adapt``'s data: chunks of an array, or the iterable's items."""
    if hasattr(data, "to_numpy"):  # a pandas DataFrame
        data = data.to_numpy()
    if isinstance(data, np.ndarray):
        data = np.atleast_1d(data)  # 1-D data is refused later, with its shape
        rows = max(1, _ADAPT_CHUNK // max(1, math.prod(data.shape[1:])))
        for start in range(0, max(len(data), 1), rows):
            yield data[start : start + rows]
        return
    if isinstance(data, (str, bytes, dict)) or not hasattr(data, "__iter__"):
        raise TypeError(
            "Expected a NumPy array or an iterable of batches (arrays, or (x, y) "
            f"tuples) for adapt. Received: data of type {type(data).__name__}"
        )
    for batch in data:
        yield batch[0] if isinstance(batch, tuple) else batch  # (x, y) -> x


@LAYERS.decorator("Normalization")
class Normalization(Layer):
    """Shift and scale inputs by a mean and a variance fitted once: a scaler in the model.

    With ``s = max(sqrt(variance), epsilon)`` and ``epsilon = axon.config.epsilon()``
    (1e-7), as Keras floors the standard deviation (a constant feature maps to 0)::

        y = (x - mean) / s           dL/dx = g / s       # invert=False
        y = x * s + mean             dL/dx = g * s       # invert=True, back to data units

    ``mean`` and ``variance`` hold one value per index of the kept ``axis`` and are
    non-trainable weights (``layer.state``), saved with the model. Set them with
    :meth:`adapt` (the population mean and variance of some data, like scikit-learn's
    ``StandardScaler``) or pass them to the constructor, e.g. from a fitted scaler:
    ``Normalization(mean=scaler.mean_, variance=scaler.var_)``.

    Parameters
    ----------
    axis : int, list of int or None
        The axes that keep their own statistics, counting the batch axis as Keras does
        (``-1``, the default, is the last one: one mean per feature). The other axes
        are averaged over. ``None`` keeps one scalar mean and variance.
    mean, variance : float or array-like, optional
        Given together; broadcast to the shape of the kept axes when the layer builds.
    invert : bool
        Apply the inverse transformation (turn normalised values back into data).

    Notes
    -----
    axon differs from Keras in three places. ``adapt`` also works after ``mean=`` was
    given (Keras raises an AttributeError) and replaces those values. The weights are
    ``mean`` and ``variance`` in every case; Keras has no weights when ``mean=`` is
    given and otherwise a third one, ``count``, that adapt never updates. A negative
    variance is refused rather than turned into NaN.

    Examples
    --------
    >>> import numpy as np, axon
    >>> layer = axon.layers.Normalization()
    >>> layer.adapt(np.array([[0.0, 7.0], [2.0, 9.0]]))
    >>> layer(np.array([[0.0, 7.0], [1.0, 10.0]]))
    array([[-1., -1.],
           [ 0.,  2.]], dtype=float32)
    >>> axon.layers.Normalization(mean=3.0, variance=4.0)(np.array([[1.0], [5.0]]))
    array([[-1.],
           [ 1.]], dtype=float32)
    """

    def __init__(
        self,
        axis: int | list[int] | tuple[int, ...] | None = -1,
        mean: Any = None,
        variance: Any = None,
        invert: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis = as_axes(axis)
        if (mean is None) != (variance is None):
            raise ValueError(
                "When setting values directly, both mean and variance must be set. "
                f"Received: mean={mean!r} and variance={variance!r}"
            )
        self.mean_arg: Array | None = None
        self.variance_arg: Array | None = None
        if mean is not None:
            mean_, variance_ = _real(mean, "mean"), _real(variance, "variance")
            if mean_.shape != variance_.shape:
                raise ValueError(
                    "Expected mean and variance of the same shape. Received: mean of "
                    f"shape {mean_.shape} and variance of shape {variance_.shape}"
                )
            if mean_.ndim > len(self.axis):
                raise ValueError(
                    f"Expected mean with at most {len(self.axis)} axes, one per kept "
                    f"axis (axis={list(self.axis)}). Received: mean of shape {mean_.shape}"
                )
            if (variance_ < 0).any():
                raise ValueError(
                    f"Expected non-negative variances. Received: variance={variance!r}"
                )
            self.mean_arg, self.variance_arg = mean_, variance_
        if not isinstance(invert, (bool, np.bool_)):
            raise TypeError(f"Expected a bool. Received: invert={invert!r}")
        self.invert = bool(invert)

    def build(
        self, input_shape: tuple[int, ...], rng: np.random.Generator
    ) -> tuple[int, ...]:
        ndim = len(input_shape) + 1
        self.keep = resolve_axes(self.axis, ndim, "Normalization")
        self.reduce = tuple(d for d in range(ndim) if d not in self.keep)
        shape = tuple(input_shape[d - 1] for d in self.keep)
        # mean and variance reshaped to broadcast against one sample.
        self.broadcast = tuple(
            size if d in self.keep else 1 for d, size in enumerate(input_shape, 1)
        )
        mean = self.add_weight("mean", shape, initializers.Zeros(), rng, False)
        variance = self.add_weight("variance", shape, initializers.Ones(), rng, False)
        if self.mean_arg is not None and self.variance_arg is not None:
            try:
                mean[...] = np.broadcast_to(self.mean_arg, shape)
                variance[...] = np.broadcast_to(self.variance_arg, shape)
            except ValueError:
                raise ValueError(
                    f"Normalization {self.name!r} keeps statistics of shape {shape} "
                    f"for inputs of shape (batch, {', '.join(map(str, input_shape))}) "
                    f"and axis={list(self.axis)}. Received: mean and variance of "
                    f"shape {self.mean_arg.shape}, which do not broadcast to it"
                ) from None
        return input_shape

    def forward(self, x: Array, training: bool = False) -> Array:
        dtype = x.dtype
        std = self.buffer("std", self.broadcast, dtype)  # max(sqrt(var), eps)
        np.sqrt(self.state["variance"].reshape(self.broadcast), out=std)
        np.maximum(std, config.constant(config.epsilon(), dtype), out=std)
        self.std = std
        mean = self.state["mean"].reshape(self.broadcast)
        y = self.buffer("y", x.shape, dtype)
        if self.invert:
            np.multiply(x, std, out=y)
            y += mean
        else:
            np.subtract(x, mean, out=y)
            y /= std  # divided, not multiplied by 1 / s: Keras's bits
        return y

    def backward(self, grad_output: Array) -> Array | None:
        if not self.needs_input_gradient:
            return None
        if self.invert:
            grad_output *= self.std
        else:
            grad_output /= self.std
        return grad_output

    def adapt(self, data: Any) -> None:
        """Set ``mean`` and ``variance`` to the statistics of ``data``.

        ``data`` is a NumPy array (or a DataFrame) of shape ``(samples, ...)``, or an
        iterable of such batches (arrays, or ``(x, y)`` tuples whose ``x`` is used).
        Batches are merged exactly in float64 (Chan, Golub and LeVeque's pairwise
        update), so adapting on batches gives the statistics of their concatenation:
        the mean and the population variance (divided by ``n``, as Keras and
        scikit-learn's ``StandardScaler``), over every axis but the kept ones. Adapting
        a built layer (in a model too) updates its weights in place.
        """
        count, mean, m2 = 0, np.zeros(()), np.zeros(())
        for batch in _batches(data):
            x = self._adapt_batch(batch)
            n = math.prod(x.shape[d] for d in self.reduce)
            if n == 0:
                continue
            batch_mean = x.mean(axis=self.reduce, dtype=np.float64)
            batch_m2 = x.var(axis=self.reduce, dtype=np.float64) * n
            total = count + n
            delta = batch_mean - mean
            mean = mean + delta * (n / total)
            m2 = m2 + batch_m2 + delta * delta * (count * n / total)
            count = total
        if count == 0:
            raise ValueError(
                "Expected at least one sample to adapt on. Received: no batches, or "
                "only empty ones"
            )
        variance = m2 / count
        if not (np.isfinite(mean).all() and np.isfinite(variance).all()):
            raise ValueError(
                f"Expected finite values in the data passed to {self.name}.adapt. "
                "Received: NaN or infinite values (or values too large to square)"
            )
        self.state["mean"][...] = mean
        self.state["variance"][...] = variance

    def _adapt_batch(self, batch: Any) -> Array:
        """``batch`` as an array checked against the layer (built from it if need be)."""
        try:
            x = np.asarray(batch)
        except ValueError:
            x = np.asarray([None], dtype=object)  # ragged: refused just below
        if x.dtype.kind not in "biuf":
            raise TypeError(
                f"Expected batches of real numbers for {self.name}.adapt. Received: "
                f"a batch of dtype {x.dtype}"
                + (" (ragged rows or mixed types?)" if x.dtype == object else "")
            )
        if x.ndim < 2:
            raise ValueError(
                f"Expected batches of shape (batch, features...) for {self.name}.adapt. "
                f"Received: a batch of shape {x.shape}; reshape a single feature with "
                "x.reshape(-1, 1)"
            )
        if not self.built:
            self.ensure_built(x.shape[1:])
        assert self.input_shape is not None
        expected = (None, *self.input_shape)
        if x.ndim != len(expected) or any(x.shape[d] != expected[d] for d in self.keep):
            raise ValueError(
                f"Layer {self.name!r} was built for inputs of shape (batch, "
                f"{', '.join(map(str, self.input_shape))}); adapt needs the same sizes on "
                f"the kept axes {list(self.keep)}. Received: a batch of shape {x.shape}"
            )
        return x

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": list(self.axis),
            "mean": None if self.mean_arg is None else self.mean_arg.tolist(),
            "variance": None
            if self.variance_arg is None
            else self.variance_arg.tolist(),
            "invert": self.invert,
        }


@LAYERS.decorator("LayerNormalization")
class LayerNormalization(Layer):
    """Normalise each sample over its feature axes, then scale and shift it (Ba et al.).

    Unlike BatchNormalization, the statistics are each sample's own, so training and
    inference compute the same thing. Over the ``m`` entries of a sample's ``axis``::

        mu = mean(x),  var = mean((x - mu)^2)
        x_hat = (x - mu) * s,  s = 1 / sqrt(var + epsilon)
        y = gamma * x_hat + beta

    Backward, with ``g = dL/dy`` and ``d = g * gamma``, means over the same entries::

        dL/dgamma = sum(g * x_hat),  dL/dbeta = sum(g)      # over the other axes
        dL/dx = s * (d - mean(d) - x_hat * mean(d * x_hat))

    Parameters
    ----------
    axis : int or list of int
        The axes to normalise over, counting the batch axis as Keras does; ``gamma``
        and ``beta`` span them. Default ``-1``, the last axis.
    epsilon : float
        Added to the variance; Keras's default ``1e-3``.
    center, scale : bool
        Whether to add ``beta`` and to multiply by ``gamma``.
    beta_initializer, gamma_initializer : str or Initializer
        Defaults ``"zeros"`` and ``"ones"``.

    Notes
    -----
    Keras's regularizer and constraint arguments, and its deprecated
    ``rms_scaling``, are not accepted.

    Examples
    --------
    >>> import numpy as np, axon
    >>> layer = axon.layers.LayerNormalization()
    >>> layer(np.array([[1.0, 3.0], [0.0, 10.0]])).round(4)
    array([[-0.9995,  0.9995],
           [-1.    ,  1.    ]], dtype=float32)
    """

    def __init__(
        self,
        axis: int | list[int] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: str | initializers.Initializer = "zeros",
        gamma_initializer: str | initializers.Initializer = "ones",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if axis is None or as_axes(axis) == ():
            raise TypeError(
                f"Expected an int or a non-empty list of ints. Received: axis={axis!r}"
            )
        self.axis: int | list[int] = (
            list(as_axes(axis)) if isinstance(axis, (list, tuple)) else int(axis)
        )
        if (
            isinstance(epsilon, bool)
            or not isinstance(epsilon, (int, float))
            or not epsilon > 0
        ):
            raise ValueError(
                f"Expected a positive float. Received: epsilon={epsilon!r}"
            )
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)

    def build(
        self, input_shape: tuple[int, ...], rng: np.random.Generator
    ) -> tuple[int, ...]:
        ndim = len(input_shape) + 1
        self.axes = resolve_axes(as_axes(self.axis), ndim, "LayerNormalization")
        self.other = tuple(d for d in range(ndim) if d not in self.axes)
        shape = tuple(input_shape[d - 1] for d in self.axes)
        # gamma and beta reshaped to broadcast against one sample.
        self.broadcast = tuple(
            size if d in self.axes else 1 for d, size in enumerate(input_shape, 1)
        )
        if self.scale:
            self.add_weight("gamma", shape, self.gamma_initializer, rng)
        if self.center:
            self.add_weight("beta", shape, self.beta_initializer, rng)
        return input_shape

    def forward(self, x: Array, training: bool = False) -> Array:
        shape, dtype, axes = x.shape, x.dtype, self.axes
        stats_shape = tuple(1 if d in axes else n for d, n in enumerate(shape))
        stats = self.buffer("stats", stats_shape, dtype)  # mu, then s
        np.mean(x, axis=axes, keepdims=True, out=stats)
        x_hat = np.subtract(x, stats, out=self.buffer("x_hat", shape, dtype))
        squares = np.multiply(x_hat, x_hat, out=self.buffer("work", shape, dtype))
        np.mean(squares, axis=axes, keepdims=True, out=stats)  # var
        stats += config.constant(self.epsilon, dtype)
        np.sqrt(stats, out=stats)
        self.inv_std = np.reciprocal(stats, out=stats)
        self.x_hat = np.multiply(x_hat, self.inv_std, out=x_hat)
        if not (self.scale or self.center):
            return self.x_hat
        y = self.buffer("y", shape, dtype)
        if self.scale:
            np.multiply(x_hat, self.params["gamma"].reshape(self.broadcast), out=y)
        else:
            np.copyto(y, x_hat)
        if self.center:
            y += self.params["beta"].reshape(self.broadcast)
        return y

    def backward(self, grad_output: Array) -> Array | None:
        g, x_hat, axes = grad_output, self.x_hat, self.axes
        # Not forward's "work": the gradient returned must outlive a next forward.
        work = self.buffer("grad_input", g.shape, g.dtype)
        if self.scale:  # dL/dgamma = sum(g * x_hat) over the other axes
            np.multiply(g, x_hat, out=work)
            self.grads["gamma"][...] = work.sum(axis=self.other).reshape(
                self.grads["gamma"].shape
            )
        if self.center:
            self.grads["beta"][...] = g.sum(axis=self.other).reshape(
                self.grads["beta"].shape
            )
        if not self.needs_input_gradient:
            return None
        if self.scale:
            g *= self.params["gamma"].reshape(self.broadcast)  # d = g * gamma
        # dL/dx = s * (d - mean(d) - x_hat * mean(d * x_hat))
        mean_d = g.mean(axis=axes, keepdims=True)
        np.multiply(g, x_hat, out=work)
        mean_d_x_hat = work.mean(axis=axes, keepdims=True)
        grad_input = np.multiply(x_hat, mean_d_x_hat, out=work)
        np.subtract(g, grad_input, out=grad_input)
        grad_input -= mean_d
        grad_input *= self.inv_std
        return grad_input

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
        }
