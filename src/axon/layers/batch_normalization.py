"""Batch normalisation: standardise each feature over the batch, then rescale it."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import config, initializers
from axon.config import Array
from axon.layers.base import LAYERS, Layer


@LAYERS.decorator("BatchNormalization")
class BatchNormalization(Layer):
    """Normalise each feature with batch statistics in training, moving ones at inference.

    Training, per feature over the batch of ``n`` rows::

        mu = mean(x),  var = mean((x - mu)^2)            # biased variance, as Keras
        x_hat = (x - mu) / sqrt(var + epsilon)
        y = gamma * x_hat + beta
        moving_mean = momentum * moving_mean + (1 - momentum) * mu   # and moving_variance

    Backward, with ``g = dL/dy`` and ``s = 1 / sqrt(var + epsilon)``::

        dL/dgamma = sum(g * x_hat),  dL/dbeta = sum(g)
        dL/dx = (gamma s / n) * (n g - sum(g) - x_hat * sum(g * x_hat))

    At inference ``y = gamma (x - moving_mean) / sqrt(moving_variance + epsilon) + beta``.
    Defaults follow Keras: ``momentum=0.99``, ``epsilon=1e-3``.

    Examples
    --------
    >>> import numpy as np, axon
    >>> bn = axon.layers.BatchNormalization()
    >>> y = bn(np.array([[1.0], [3.0]]), training=True)
    >>> [round(float(v), 4) for v in y.ravel()]
    [-0.9995, 0.9995]
    """

    def __init__(
        self,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: str | initializers.Initializer = "zeros",
        gamma_initializer: str | initializers.Initializer = "ones",
        moving_mean_initializer: str | initializers.Initializer = "zeros",
        moving_variance_initializer: str | initializers.Initializer = "ones",
        axis: int = -1,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not (isinstance(momentum, (int, float)) and 0 <= momentum <= 1):
            raise ValueError(
                f"Expected a float between 0 and 1. Received: momentum={momentum!r}"
            )
        if not (isinstance(epsilon, (int, float)) and epsilon > 0):
            raise ValueError(
                f"Expected a positive float. Received: epsilon={epsilon!r}"
            )
        if axis not in (-1, 1):
            raise ValueError(
                f"axon normalises the feature axis of (batch, features) data. "
                f"Expected axis=-1 or 1. Received: axis={axis!r}"
            )
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale, self.axis = bool(center), bool(scale), axis
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(
        self, input_shape: tuple[int, ...], rng: np.random.Generator
    ) -> tuple[int, ...]:
        if len(input_shape) != 1:
            raise ValueError(
                "BatchNormalization expects flat samples of shape (features,). "
                f"Received: input_shape={input_shape}"
            )
        shape = (input_shape[0],)
        if self.scale:
            self.add_weight("gamma", shape, self.gamma_initializer, rng)
        if self.center:
            self.add_weight("beta", shape, self.beta_initializer, rng)
        self.add_weight("moving_mean", shape, self.moving_mean_initializer, rng, False)
        self.add_weight(
            "moving_variance", shape, self.moving_variance_initializer, rng, False
        )
        return input_shape

    def _column_mean(self, a: Array) -> Array:
        """Mean over the batch as ``(ones(n) @ a) / n``: one BLAS call, one scaling."""
        n = len(a)
        mean = np.dot(config.ones((n,), a.dtype), a)
        mean *= config.constant(1.0 / n, a.dtype)
        return mean

    def forward(self, x: Array, training: bool = False) -> Array:
        self.training = training
        shape, dtype = x.shape, x.dtype
        if training:
            mean = self._column_mean(x)  # (features,)
            centered = np.subtract(x, mean, out=self.buffer("centered", shape, dtype))
            squares = np.multiply(
                centered, centered, out=self.buffer("sq", shape, dtype)
            )
            var = self._column_mean(squares)  # (features,), biased as in Keras
            self._update_moving(mean, var)
        else:
            centered = np.subtract(
                x, self.state["moving_mean"], out=self.buffer("centered", shape, dtype)
            )
            var = self.state["moving_variance"]
        inv_std = np.add(var, config.constant(self.epsilon, dtype))
        np.sqrt(inv_std, out=inv_std)
        self.inv_std = np.reciprocal(inv_std, out=inv_std)  # (features,)
        self.x_hat = np.multiply(
            centered, inv_std, out=self.buffer("x_hat", shape, dtype)
        )
        if not (self.scale or self.center):
            return self.x_hat
        y = self.buffer("y", shape, dtype)
        if self.scale:
            np.multiply(self.x_hat, self.params["gamma"], out=y)
        else:
            np.copyto(y, self.x_hat)
        if self.center:
            y += self.params["beta"]
        return y

    def _update_moving(self, mean: Array, var: Array) -> None:
        keep = config.constant(self.momentum, mean.dtype)
        for name, batch_value in (("moving_mean", mean), ("moving_variance", var)):
            moving = self.state[name]  # m = momentum (m - b) + b
            moving -= batch_value
            moving *= keep
            moving += batch_value

    def backward(self, grad_output: Array) -> Array | None:
        g, x_hat = grad_output, self.x_hat  # (n, features)
        n, dtype = len(g), g.dtype
        ones_n = config.ones((n,), dtype)
        g_x_hat = np.multiply(g, x_hat, out=self.buffer("work", g.shape, dtype))
        sum_g_x_hat = np.dot(ones_n, g_x_hat)  # (features,)
        sum_g = np.dot(ones_n, g)  # (features,)
        if self.scale:
            self.grads["gamma"][...] = sum_g_x_hat
        if self.center:
            self.grads["beta"][...] = sum_g
        if not self.needs_input_gradient:
            return None
        scale = self.inv_std * self.params["gamma"] if self.scale else self.inv_std
        if not self.training:  # the statistics are constants at inference
            g *= scale
            return g
        # dL/dx = (scale / n) (n g - sum g - x_hat sum(g x_hat))
        inv_n = config.constant(1.0 / n, dtype)
        sum_g_x_hat *= inv_n
        sum_g *= inv_n
        grad_input = np.multiply(x_hat, sum_g_x_hat, out=g_x_hat)
        np.subtract(g, grad_input, out=grad_input)
        grad_input -= sum_g
        grad_input *= scale
        return grad_input

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(
                self.moving_mean_initializer
            ),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer
            ),
            "axis": self.axis,
        }
