"""Batch normalisation: standardise each feature over the batch, then rescale it."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import initializers
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

    def _gamma(self) -> Array | float:
        return self.weight("gamma") if self.scale else 1.0

    def forward(self, x: Array, training: bool = False) -> Array:
        self.training = training
        if training:
            mean = x.mean(axis=0)  # (features,)
            centered = x - mean  # (n, features)
            var = np.square(centered).mean(axis=0)  # (features,)
            self._update_moving(mean, var)
        else:
            centered = x - self.state["moving_mean"]
            var = self.state["moving_variance"]
        self.inv_std = 1.0 / np.sqrt(
            var + np.asarray(self.epsilon, x.dtype)
        )  # (features,)
        self.x_hat = centered * self.inv_std  # (n, features)
        y = self.x_hat * self._gamma() if self.scale else self.x_hat.copy()
        if self.center:
            y += self.weight("beta")
        return y

    def _update_moving(self, mean: Array, var: Array) -> None:
        for name, batch_value in (("moving_mean", mean), ("moving_variance", var)):
            moving = self.state[name]
            moving *= self.momentum
            moving += (1 - self.momentum) * batch_value

    def backward(self, grad_output: Array) -> Array | None:
        g = grad_output  # (n, features)
        if self.scale:
            np.sum(g * self.x_hat, axis=0, out=self.grads["gamma"])
        if self.center:
            np.sum(g, axis=0, out=self.grads["beta"])
        if not self.needs_input_gradient:
            return None
        scale = self._gamma() * self.inv_std  # (features,)
        if not self.training:  # the statistics are constants at inference
            return g * scale
        # (1/n)(n g - sum g - x_hat sum(g x_hat)), written with means.
        grad_input = g - g.mean(axis=0)
        grad_input -= self.x_hat * (g * self.x_hat).mean(axis=0)
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
