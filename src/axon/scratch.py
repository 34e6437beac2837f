"""The tutorial's two-layer NumPy network, as a class on top of axon's layers.

Same interface as the tutorial's ``NeuralNetwork``: ``forward``, ``loss``, ``backward``
(which also updates the weights), ``train``, ``predict``, the ``losses`` list and the
``W1, b1, W2, b2`` arrays. Inside, it is a ``Dense(hidden, relu)`` and a
``Dense(output, softmax)`` layer trained by plain full-batch gradient descent, with the
fused softmax + cross-entropy gradient ``(a2 - y) / n`` at the output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.initializers import VarianceScaling
from axon.layers import Dense
from axon.losses import CategoricalCrossentropy
from axon.models.sequential import Sequential
from axon.optimizers import SGD


class NeuralNetwork:
    """A two-layer network: ``a1 = relu(X W1 + b1)``, ``a2 = softmax(a1 W2 + b2)``.

    The weights start as the tutorial's ``randn * sqrt(2 / fan_in)`` (He
    initialisation, untruncated); biases start at zero.

    Parameters
    ----------
    input_size, hidden_size, output_size : int
        Units in each layer.
    lr : float
        Learning rate of the gradient-descent step ``W <- W - lr dL/dW``.
    seed : int, optional
        Seed for the initial weights; by default drawn from axon's global generator.

    Examples
    --------
    >>> import numpy as np, axon
    >>> nn = axon.NeuralNetwork(4, 16, 3, lr=0.05, seed=0)
    >>> nn.predict(np.zeros((2, 4))).shape
    (2,)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        lr: float = 0.01,
        seed: int | None = None,
    ) -> None:
        rng = config.make_rng(seed)
        he = VarianceScaling(2.0, "fan_in", "untruncated_normal")
        self.model = Sequential(
            [
                Dense(
                    hidden_size,
                    "relu",
                    kernel_initializer=he,
                    input_shape=(input_size,),
                ),
                Dense(output_size, "softmax", kernel_initializer=he),
            ]
        )
        for layer in self.model.layers:  # draw the weights from this network's own rng
            layer.params["kernel"][...] = he(layer.params["kernel"].shape, rng=rng)
        self.hidden, self.output = self.model.layers
        self.optimizer = SGD(learning_rate=lr)
        self.lr = lr
        self.losses: list[float] = []

    # The tutorial's attribute names, as views of the layers' weights.
    @property
    def W1(self) -> Array:
        return self.hidden.params["kernel"]

    @property
    def b1(self) -> Array:
        return self.hidden.params["bias"].reshape(1, -1)

    @property
    def W2(self) -> Array:
        return self.output.params["kernel"]

    @property
    def b2(self) -> Array:
        return self.output.params["bias"].reshape(1, -1)

    def forward(self, X: Any) -> Array:
        """Return the class probabilities ``a2`` (kept for ``backward``)."""
        x = np.asarray(X, dtype=self.W1.dtype)
        # A copy: the layer's own output buffer is rewritten by the next forward.
        self.a2 = self.model.forward(x, training=True).copy()
        return self.a2

    def loss(self, y_pred: Array, y_true: Array) -> float:
        """Cross-entropy with one-hot ``y_true``: ``-sum(y log(p + 1e-9)) / n``."""
        return float(-np.sum(y_true * np.log(y_pred + 1e-9)) / y_true.shape[0])

    def backward(self, X: Any, y_true: Any) -> None:
        """Backpropagate from the last ``forward`` and take one gradient-descent step."""
        y = np.asarray(y_true, dtype=self.a2.dtype)
        grad_logits = CategoricalCrossentropy().backward_from_logits(y, self.a2)
        self.model.backward(grad_logits, from_logits=True)  # dz2 = (a2 - y) / n
        self.optimizer.apply(self.model.parameters, self.model.gradients)

    def train(self, X: Any, y: Any, epochs: int = 500, verbose: bool = True) -> None:
        """Full-batch gradient descent, printing loss and accuracy every 100 epochs."""
        y = np.asarray(y)
        for epoch in range(epochs):
            y_pred = self.forward(X)
            loss = self.loss(y_pred, y)
            self.backward(X, y)
            self.losses.append(loss)
            if verbose and epoch % 100 == 0:
                acc = (y_pred.argmax(1) == y.argmax(1)).mean()
                print(f"Epoch {epoch:4d} | Loss: {loss:.4f} | Acc: {acc:.4f}")

    def predict(self, X: Any) -> Array:
        """Return the most probable class of each row."""
        x = np.asarray(X, dtype=self.W1.dtype)
        return self.model.forward(x, training=False).argmax(axis=1)
