"""The solvers: scikit-learn's Adam and SGD epochs, and L-BFGS, on axon's fast path.

The stochastic solvers loop over epochs here because scikit-learn's rules live at
that level: the loss curve, ``tol`` with ``n_iter_no_change``, early stopping on a
validation score, the "adaptive" and "invscaling" learning rates, ``t_``. Each step
is axon's: a :class:`~axon.sklearn.steps.Step` (forward, the gradient at the logits,
backward) and one optimizer step over the flat parameter vector. L-BFGS is in
:mod:`axon.sklearn.lbfgs`.

The functions read and write the estimator's scikit-learn attributes (``n_iter_``,
``loss_curve_``...), as scikit-learn's own solver methods do.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from axon import optimizers
from axon.callbacks import Callback, CallbackList
from axon.config import Array
from axon.models.trainer import _deferred_interrupt
from axon.sklearn import network
from axon.sklearn.steps import Step


def make_optimizer(estimator: Any) -> optimizers.Optimizer:
    """The axon optimizer for ``solver`` (or a fresh copy of ``optimizer``)."""
    if estimator.optimizer is not None:
        chosen = optimizers.get(estimator.optimizer)
        # A copy without state: fit never changes the estimator's own arguments.
        return type(chosen).from_config(chosen.get_config())
    if estimator.solver == "adam":
        return optimizers.Adam(
            estimator.learning_rate_init,
            beta_1=estimator.beta_1,
            beta_2=estimator.beta_2,
            epsilon=estimator.epsilon,
        )
    momentum = float(estimator.momentum)
    sgd = optimizers.SGD(
        estimator.learning_rate_init,
        momentum=momentum if momentum < 1 else 0.0,
        nesterov=bool(estimator.nesterovs_momentum),
    )
    if momentum == 1:
        # scikit-learn accepts momentum=1 (a velocity that never decays); axon's SGD
        # checks [0, 1), so that one value is set after construction.
        sgd.momentum, sgd.slot_names = momentum, ("momentum",)
    return sgd


def split(
    estimator: Any, X: Any, Y: Array, weights: Array | None, rng: np.random.Generator
) -> tuple[Any, Array, Array | None, tuple[Any, Array, Array | None]]:
    """Hold out ``validation_fraction`` of the rows, stratified by class.

    Classes are stratified whenever that is possible (every class twice, room for
    each on both sides); multi-label targets and regression are not.
    """
    if not isinstance(X, np.ndarray) and not sparse.issparse(X):
        return _split_last(estimator, X, Y, weights)
    stratify = None
    if estimator._is_classifier and estimator._label_type != "multilabel-indicator":
        labels = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]
        counts = np.bincount(labels.astype(np.intp))
        n_val = int(np.ceil(estimator.validation_fraction * len(labels)))
        room = min(n_val, len(labels) - n_val)
        if counts[counts > 0].min() >= 2 and np.count_nonzero(counts) <= room:
            stratify = labels
    arrays = [X, Y] if weights is None else [X, Y, weights]
    parts = train_test_split(
        *arrays,
        test_size=estimator.validation_fraction,
        random_state=int(rng.integers(2**31)),
        stratify=stratify,
    )
    if parts[1].shape[0] < 2:
        raise ValueError(
            "The validation set is too small: expected at least 2 rows (and one per "
            "class to stratify a classifier's). Received: "
            f"validation_fraction={estimator.validation_fraction} of {X.shape[0]} "
            "rows. Increase validation_fraction or the size of the data."
        )
    if weights is None:
        return parts[0], parts[2], None, (parts[1], parts[3], None)
    return parts[0], parts[2], parts[4], (parts[1], parts[3], parts[5])


def _split_last(
    estimator: Any, X: Any, Y: Array, weights: Array | None
) -> tuple[Any, Array, Array | None, tuple[Any, Array, Array | None]]:
    """Out-of-core rows: hold out the last ``validation_fraction`` of them.

    As Keras's ``validation_split`` does: a row range, read a chunk at a time (a
    random stratified draw would read every chunk for a few rows each).
    """
    n = X.shape[0]
    at = n - int(np.ceil(estimator.validation_fraction * n))
    w = (None, None) if weights is None else (weights[:at], weights[at:])
    return X.part(0, at), Y[:at], w[0], (X.part(at, n), Y[at:], w[1])


def _batch_size(estimator: Any, n: int) -> int:
    if estimator.batch_size == "auto":
        return min(200, n)
    if estimator.batch_size > n:
        warnings.warn(
            "Got `batch_size` less than 1 or larger than sample size. It is going to "
            "be clipped",
            UserWarning,
            stacklevel=5,
        )
    return int(np.clip(estimator.batch_size, 1, n))


def fit_stochastic(
    estimator: Any,
    X: Any,
    Y: Array,
    weights: Array | None,
    rng: np.random.Generator,
    incremental: bool,
) -> None:
    """Adam or SGD: epochs of mini-batches until scikit-learn's rules stop them."""
    est = estimator
    if est.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    if "loss_curve_" not in est.__dict__ or est.early_stopping != (
        est.validation_scores_ is not None
    ):  # a warm start after lbfgs, or with early_stopping switched on or off
        est._init_stochastic_state()
    if not incremental or est._optimizer is None:
        est._optimizer = make_optimizer(est)
    model, optimizer = est.model_, est._optimizer
    optimizer.set_variables_from_views(model.parameters, model.layers)
    step = Step(model, est.out_activation_, est.alpha)
    validation = None
    if est.early_stopping:
        X, Y, weights, validation = split(est, X, Y, weights, rng)
    n = X.shape[0]
    batch_size = _batch_size(est, n)
    batches = network.batches(X, Y, weights, batch_size, est.shuffle, rng)
    user = CallbackList(est.callbacks or [])
    user.set_model(model)
    steps = -(-n // batch_size)
    epochs = 1 if incremental else est.max_iter
    user.set_params(
        {"epochs": epochs, "steps": steps, "verbose": int(est.verbose), "samples": n}
    )
    batch_hooks = [
        cb
        for cb in user.callbacks
        if type(cb).on_train_batch_end is not Callback.on_train_batch_end
        or type(cb).on_train_batch_begin is not Callback.on_train_batch_begin
    ]
    model.stop_training = False
    est.n_iter_ = 0
    logs: dict[str, float] = {}
    user.on_train_begin()
    try:
        with _deferred_interrupt() as interrupted:
            for epoch in range(est.max_iter):
                user.on_epoch_begin(epoch)
                total = 0.0
                for batch, (xb, yb, wb) in enumerate(batches.epoch()):
                    for cb in batch_hooks:
                        cb.on_train_batch_begin(batch)
                    loss = step(xb, yb, wb, True)
                    if loss is not None:
                        optimizer.apply(model.parameters, model.gradients)
                        total += loss * len(xb)
                    for cb in batch_hooks:
                        cb.on_train_batch_end(batch, {"loss": total / n})
                    if interrupted[0]:
                        break
                if interrupted[0]:
                    warnings.warn("Training interrupted by user.", stacklevel=4)
                    break
                logs = end_epoch(est, step, total / n, n, validation)
                user.on_epoch_end(epoch, logs)
                est.history_.on_epoch_end(len(est.history_.epoch), logs)
                if should_stop(est) or model.stop_training or incremental:
                    break
                if est.n_iter_ == est.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=4,
                    )
    finally:
        user.on_train_end(logs)
    if est.early_stopping and est._best is not None:
        network.restore(model, est._best)  # the best validation score's weights


def end_epoch(
    estimator: Any,
    step: Step,
    loss: float,
    n: int,
    validation: tuple[Any, Array, Array | None] | None,
) -> dict[str, float]:
    """scikit-learn's bookkeeping after an epoch; returns the epoch's logs."""
    est = estimator
    est.n_iter_ += 1
    est.t_ += n
    est.loss_ = loss
    est.loss_curve_.append(loss)
    logs = {"loss": loss}
    if est.verbose:
        print(f"Iteration {est.n_iter_}, loss = {loss:.8f}")
    if validation is not None:
        x_val, y_val, w_val = validation
        out = network.forward_in_blocks(est.model_, x_val)
        score = est._validation_score(out, y_val, w_val)
        logs["val_loss"] = step.evaluate(out, y_val, w_val)
        logs["val_accuracy" if est._is_classifier else "val_r2"] = score
        est.validation_scores_.append(score)
        if est.verbose:
            print(f"Validation score: {score:f}")
        if score < est.best_validation_score_ + est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if score > est.best_validation_score_:
            est.best_validation_score_ = score
            est._best = network.snapshot(est.model_)
    else:
        if loss > est.best_loss_ - est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        est.best_loss_ = min(est.best_loss_, loss)
    if est.learning_rate == "invscaling" and _builtin_sgd(est):
        rate = est.learning_rate_init / (est.t_ + 1) ** est.power_t
        est._optimizer.learning_rate = rate
    return logs


def _builtin_sgd(estimator: Any) -> bool:
    return bool(estimator.solver == "sgd" and estimator.optimizer is None)


def should_stop(estimator: Any) -> bool:
    """scikit-learn's rule: stop, or (SGD, "adaptive") divide the rate by 5."""
    est = estimator
    if est._no_improvement_count <= est.n_iter_no_change:
        return False
    what = "Validation score" if est.early_stopping else "Training loss"
    message = (
        f"{what} did not improve more than tol={est.tol:f} for "
        f"{est.n_iter_no_change} consecutive epochs."
    )
    optimizer = est._optimizer
    if est.learning_rate == "adaptive" and _builtin_sgd(est):
        if optimizer.learning_rate > 1e-6:
            optimizer.learning_rate = optimizer.learning_rate / 5.0
            est._no_improvement_count = 0
            if est.verbose:
                print(f"{message} Setting learning rate to {optimizer.learning_rate:f}")
            return False
        if est.verbose:
            print(f"{message} Learning rate too small. Stopping.")
        return True
    if est.verbose:
        print(f"{message} Stopping.")
    return True
