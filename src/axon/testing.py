"""Gradient checks by finite differences, public for people who extend axon.

Each check compares the analytic gradient (what ``backward`` computes by the chain
rule) with the central difference ``(f(w + h) - f(w - h)) / 2h`` for every entry, and
returns the relative error ``||a - n|| / (||a|| + ||n||)``. Run them in float64
(``axon.config.set_floatx("float64")``): in float32 the differences are mostly noise.

Examples
--------
>>> import numpy as np, axon
>>> from axon.testing import check_activation_gradient
>>> x = np.random.default_rng(0).normal(size=(4, 3))
>>> check_activation_gradient(axon.activations.tanh, x) < 1e-8
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from axon.activations import Activation
from axon.activations import get as get_activation
from axon.config import Array
from axon.layers.base import Layer
from axon.losses import Loss
from axon.regularizers import Regularizer

__all__ = [
    "check_activation_gradient",
    "check_layer_gradients",
    "check_loss_gradient",
    "check_regularizer_gradient",
    "numerical_gradient",
    "relative_error",
]


def relative_error(analytic: Array, numeric: Array) -> float:
    """``||a - n|| / (||a|| + ||n||)``, and 0 when both are zero."""
    scale = float(np.linalg.norm(analytic) + np.linalg.norm(numeric))
    return float(np.linalg.norm(analytic - numeric)) / scale if scale > 0 else 0.0


def numerical_gradient(f: Callable[[], float], w: Array, h: float = 1e-6) -> Array:
    """Central differences of the scalar ``f()`` with respect to each entry of ``w``.

    ``w`` is perturbed in place and restored, so ``f`` must read it.
    """
    grad = np.zeros_like(w, dtype=np.float64)
    flat, flat_grad = w.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + h
        plus = f()
        flat[i] = original - h
        minus = f()
        flat[i] = original
        flat_grad[i] = (plus - minus) / (2 * h)
    return grad


def check_activation_gradient(activation: Activation, x: Array) -> float:
    """Relative error of ``activation.backward`` for ``L = sum(f(x) * r)``."""
    r = np.random.default_rng(1).normal(size=x.shape)
    x = np.array(x, dtype=np.float64)
    y = activation.forward(x.copy())
    analytic = activation.backward(x, y, r.copy())
    numeric = numerical_gradient(
        lambda: float((activation.forward(x.copy()) * r).sum()), x
    )
    return relative_error(analytic, numeric)


def check_loss_gradient(
    loss: Loss, y_true: Array, y_pred: Array, from_logits: bool = False
) -> float:
    """Relative error of a loss's gradient against finite differences of its value.

    Checks ``loss.backward`` against ``loss.forward`` (so ``call``, ``gradient`` and
    the reduction together); for ``reduction="none"``, ``gradient`` against
    ``sum(call)``. With ``from_logits=True``, the fused path: ``backward_from_logits``
    against ``forward_from_logits``. Run it in float64 on a loss of your own.

    Examples
    --------
    >>> import numpy as np, axon
    >>> rng = np.random.default_rng(0)
    >>> y_true, y_pred = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    >>> check_loss_gradient(axon.losses.Huber(0.5), y_true, y_pred) < 1e-6
    True
    """
    y_pred = np.array(y_pred, dtype=np.float64)
    y_true = np.asarray(y_true)
    if from_logits:
        assert loss.pairs_with is not None
        activation = get_activation(loss.pairs_with)
        analytic = loss.backward_from_logits(y_true, activation.forward(y_pred.copy()))
        numeric = numerical_gradient(
            lambda: loss.forward_from_logits(y_true, y_pred), y_pred
        )
    elif loss.reduction in (None, "none"):
        analytic = loss.gradient(y_true, y_pred)
        numeric = numerical_gradient(
            lambda: float(loss.call(y_true, y_pred).sum()), y_pred
        )
    else:
        analytic = loss.backward(y_true, y_pred)
        numeric = numerical_gradient(lambda: loss.forward(y_true, y_pred), y_pred)
    return relative_error(analytic, numeric)


def check_regularizer_gradient(regularizer: Regularizer, x: Array) -> float:
    """Relative error of ``regularizer.gradient`` against finite differences.

    Examples
    --------
    >>> import numpy as np, axon
    >>> w = np.random.default_rng(0).normal(size=(4, 3))
    >>> check_regularizer_gradient(axon.regularizers.L2(0.1), w) < 1e-8
    True
    """
    x = np.array(x, dtype=np.float64)
    analytic = regularizer.gradient(x.copy())
    return relative_error(analytic, numerical_gradient(lambda: regularizer(x), x))


def check_layer_gradients(
    layer: Layer,
    x: Array,
    training: bool = True,
    before_forward: Callable[[], None] | None = None,
) -> dict[str, float]:
    """Relative errors of a built layer's input and parameter gradients.

    Uses ``L = sum(layer.forward(x) * r)`` for a fixed random ``r``. ``before_forward``
    runs before every forward pass: reseed a stochastic layer there so each pass draws
    the same mask. For a layer that takes a list (a merge), ``x`` is a list of arrays
    and each input's gradient is checked (``input_0``, ``input_1``...). Integer inputs
    (indices) have no gradient: only the parameters' are checked then.
    """
    many = layer.takes_list
    # Integer inputs (an Embedding's indices) stay integers and have no gradient to
    # check: the parameters' gradients are checked alone.
    xs = [
        np.array(xi) if np.asarray(xi).dtype.kind in "iu" else np.array(xi, np.float64)
        for xi in (x if many else [x])
    ]
    layer.ensure_built([xi.shape[1:] for xi in xs] if many else xs[0].shape[1:])
    layer.needs_input_gradient = True
    reset = before_forward or (lambda: None)

    def run() -> Array:
        reset()
        return layer.forward(xs if many else xs[0], training=training)  # type: ignore[arg-type]

    def objective() -> float:
        return float((run() * r).sum())

    r = np.random.default_rng(2).normal(size=run().shape)
    run()
    grad_input = layer.backward(r.copy())
    analytic = {name: grad.copy() for name, grad in layer.grads.items()}
    assert grad_input is not None
    grads_in = [np.array(g) for g in (grad_input if many else [grad_input])]
    assert len(grads_in) == len(xs), "one gradient per input"
    errors = {
        f"input_{i}" if many else "input": relative_error(
            g, numerical_gradient(objective, xi)
        )
        for i, (g, xi) in enumerate(zip(grads_in, xs, strict=True))
        if xi.dtype.kind == "f"
    }
    for name, value in layer.params.items():
        errors[name] = relative_error(
            analytic[name], numerical_gradient(objective, value)
        )
    return errors
