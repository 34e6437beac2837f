"""L-BFGS: SciPy's L-BFGS-B over the flat parameter vector, as scikit-learn runs it.

scikit-learn calls ``scipy.optimize.minimize(method="L-BFGS-B")`` with
``maxfun=max_fun``, ``maxiter=max_iter`` and ``gtol=tol`` (and SciPy's default
``ftol``); so does :func:`fit_lbfgs`, on the objective of the whole data::

    J(w) = (1 / S) sum_i s_i l_i(w)  +  (alpha / 2S) ||W||^2      (kernels only)

evaluated by :class:`~axon.sklearn.dense_path.DenseObjective` for the usual network
and by the layers' :class:`~axon.sklearn.steps.Step` otherwise.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import optimize, sparse
from sklearn.exceptions import ConvergenceWarning

from axon.config import Array
from axon.sklearn import dense_path, network
from axon.sklearn.steps import Step


class Evaluations:
    """``J(w)`` and ``dJ/dw`` for SciPy as two functions sharing one evaluation.

    ``whole(w)`` returns the data term and its float64 gradient; the L2 term is
    added here, in float64 on SciPy's vector. ``minimize(jac=True)`` would wrap a
    function returning both in SciPy's ``MemoizeJac``, which compares and copies
    the vector twice more per evaluation: two functions and this cache cost less
    (a wine fit, 12 iterations: 0.15 ms less of 2.7 ms), with the same calls in
    the same order, so the same iterations.

    Parameters
    ----------
    whole : callable
        ``w -> (J_data, dJ_data/dw)``, the gradient a float64 array.
    scaled_mask : ndarray
        ``alpha / S`` at the kernels' places in ``w``, 0 elsewhere (float64).
    """

    def __init__(self, whole: Any, scaled_mask: Array) -> None:
        self.whole, self.scaled_mask = whole, scaled_mask
        self.decay = bool(scaled_mask.any())
        self.kernels = np.empty_like(scaled_mask)
        self.w: Array | None = None  # the vector of the last evaluation
        self.grad = self.kernels

    def loss(self, w: Array) -> float:
        """``J(w)``; keeps ``dJ/dw`` for :meth:`gradient`."""
        loss, grad = self.whole(w)
        if self.decay:  # J += (alpha / 2S) ||W||^2, dJ/dW += (alpha / S) W
            kernels = np.multiply(w, self.scaled_mask, out=self.kernels)
            loss += 0.5 * float(np.dot(kernels, w))
            grad += kernels
        self.w, self.grad = w, grad
        return float(loss)

    def gradient(self, w: Array) -> Array:
        """``dJ/dw``, from the last evaluation when it was at the same ``w``."""
        if self.w is None or not np.array_equal(w, self.w):
            self.loss(w)
        return self.grad


def fit_lbfgs(estimator: Any, X: Any, Y: Array, weights: Array | None) -> None:
    """L-BFGS-B over the flat parameter vector, on the whole data at each evaluation.

    A sparse ``X`` is densified once, since every evaluation reads all of it.
    SciPy works in float64: the vector is cast to the float type for each
    evaluation and the gradient back to float64, and the loss is summed in float64.
    """
    est = estimator
    if sparse.issparse(X):
        X = X.toarray()
    model = est.model_
    params = model.parameters
    decay = est.alpha / (X.shape[0] if weights is None else float(weights.sum()))
    # BatchNormalization normalises with the statistics of the whole data, which
    # keeps the objective deterministic; without it training mode changes nothing.
    training = bool(est.batch_norm)
    whole: Any
    if not training and dense_path.supports(model, X):
        # The usual network (Dense layers on in-memory rows): its own evaluation,
        # a few NumPy calls a layer, the same numbers as the layers' path.
        whole = dense_path.DenseObjective(model, X, Y, weights)
        mask = whole.kernel_mask()
    else:
        step = Step(model, est.out_activation_, 0.0)
        whole = network.whole_data(step, X, Y, weights, training)
        mask = step.kernel_mask()
    evaluations = Evaluations(whole, mask * decay)  # alpha / S at the kernels

    losses: list[float] = []  # each iteration's, into history_ after the run

    def after_iteration(intermediate_result: Any) -> None:
        # Called a few hundred times on small tables: only the append is paid
        # there; history_ is filled once at the end.
        losses.append(intermediate_result.fun)

    def after_iteration_verbose(intermediate_result: Any) -> None:
        losses.append(intermediate_result.fun)
        print(f"Iteration {len(losses)}, loss = {float(losses[-1]):.8f}")

    try:
        with np.errstate(over="ignore", invalid="ignore"):
            result = optimize.minimize(
                evaluations.loss,
                params.astype(np.float64),
                method="L-BFGS-B",
                jac=evaluations.gradient,
                callback=after_iteration_verbose if est.verbose else after_iteration,
                options={
                    "maxfun": est.max_fun,
                    "maxiter": est.max_iter,
                    "gtol": est.tol,
                },
            )
    finally:  # also when interrupted: the iterations run so far are kept
        history = est.history_
        for loss in losses:
            history.on_epoch_end(len(history.epoch), {"loss": float(loss)})
    params[...] = result.x
    est.n_iter_ = min(int(result.nit), est.max_iter)
    est.loss_ = float(result.fun)
    if result.status != 0:
        message = result.message
        if isinstance(message, bytes):
            message = message.decode("latin1")
        warnings.warn(
            f"lbfgs failed to converge after {est.n_iter_} iteration(s) "
            f"(status={result.status}): {message}. Increase the number of "
            f"iterations (max_iter={est.max_iter}) or of loss evaluations "
            f"(max_fun={est.max_fun}), or scale the data (for example with "
            "sklearn's StandardScaler).",
            ConvergenceWarning,
            stacklevel=4,
        )
