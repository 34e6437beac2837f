"""What the two estimators share: checking, building, predicting, pickling.

``fit`` checks the arguments and the data as scikit-learn does, encodes the targets
(the subclasses), builds the network on the first pass (:mod:`axon.sklearn.network`)
and runs a solver (:mod:`axon.sklearn.solvers`, :mod:`axon.sklearn.lbfgs`).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse, special
from sklearn.base import BaseEstimator
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from axon import config, optimizers
from axon.callbacks import History
from axon.config import Array
from axon.models import Sequential, chunked
from axon.sklearn import lbfgs, network, solvers
from axon.sklearn.reporting import write_report
from axon.sklearn.validation import (
    InvalidParameterError,
    check_params,
    check_sample_weight,
    dropout_rates,
    hidden_units,
    plain_arrays,
)

STOCHASTIC = ("sgd", "adam")


class BaseMLP(BaseEstimator):  # type: ignore[misc]
    """Base class of :class:`MLPClassifier` and :class:`MLPRegressor` (not for use)."""

    loss: str
    _is_classifier = False

    # -- subclasses -------------------------------------------------------------------
    def _encode(self, y: Any, first_pass: bool, incremental: bool) -> Array:
        """Targets as an ``(n, outputs)`` array of the float type; set the output."""
        raise NotImplementedError

    def _validation_score(self, out: Array, y: Array, weights: Array | None) -> float:
        raise NotImplementedError

    # -- fitted weights ----------------------------------------------------------------
    @property
    def coefs_(self) -> list[Array]:
        """Each Dense layer's kernel, ``(fan_in, fan_out)``: views into the model."""
        check_is_fitted(self)
        return [d.params["kernel"] for d in network.dense_layers(self.model_)]

    @coefs_.setter
    def coefs_(self, values: list[Array]) -> None:
        for kernel, value in zip(self.coefs_, values, strict=True):
            kernel[...] = value

    @property
    def intercepts_(self) -> list[Array]:
        """Each Dense layer's bias, ``(fan_out,)``: views into the model."""
        check_is_fitted(self)
        return [d.params["bias"] for d in network.dense_layers(self.model_)]

    @intercepts_.setter
    def intercepts_(self, values: list[Array]) -> None:
        for bias, value in zip(self.intercepts_, values, strict=True):
            bias[...] = value

    def __sklearn_is_fitted__(self) -> bool:
        return "model_" in self.__dict__

    # -- fit ---------------------------------------------------------------------------
    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> BaseMLP:
        check_params(self)
        if self.optimizer is not None and self.solver == "lbfgs":
            raise InvalidParameterError(
                "Expected solver='adam' or 'sgd' with an optimizer (L-BFGS takes no "
                f"optimizer). Received: solver='lbfgs', optimizer={self.optimizer!r}"
            )
        hidden = hidden_units(self.hidden_layer_sizes)
        rates = dropout_rates(self.dropout, len(hidden))
        if self.solver == "lbfgs" and any(rates):
            raise InvalidParameterError(
                "Expected dropout=0 with solver='lbfgs': dropout makes the loss "
                "random, which L-BFGS's line search cannot follow. Received: "
                f"dropout={self.dropout!r}"
            )
        first_pass = not self.__sklearn_is_fitted__() or not (
            self.warm_start or incremental
        )
        dtype = np.dtype(config.floatx())
        if chunked.is_out_of_core(X):  # a memmap or dask array, a chunk at a time
            X, y = self._out_of_core(X, first_pass), chunked.in_memory(y, "y")
            numeric = None if self._is_classifier else "numeric"
            y = check_array(y, ensure_2d=False, dtype=numeric, input_name="y")
            check_consistent_length(X, y)
        else:
            plain = plain_arrays(self, X, y, dtype) if first_pass else None
            X, y = plain or validate_data(
                self,
                X,
                y,
                accept_sparse=["csr", "csc"],
                multi_output=True,
                dtype=dtype,
                reset=first_pass,
                y_numeric=not self._is_classifier,
            )
        if sparse.issparse(X):
            X = X.tocsr()  # rows are what batches take
        Y = self._encode(y, first_pass, incremental)
        weights = check_sample_weight(sample_weight, X.shape[0], dtype)
        rng = self._generator()
        if first_pass:
            self._initialize(X.shape[1], hidden, rates, Y.shape[1], rng)
        elif [d.units for d in network.dense_layers(self.model_)[:-1]] != hidden:
            raise ValueError(
                "Expected the hidden_layer_sizes of the fitted network with "
                f"warm_start or partial_fit. Received: {self.hidden_layer_sizes!r} "
                f"for a network with hidden layers {self._hidden!r}"
            )
        if self.solver in STOCHASTIC:
            solvers.fit_stochastic(self, X, Y, weights, rng, incremental)
        else:
            lbfgs.fit_lbfgs(self, X, Y, weights)
        if not np.isfinite(self.model_.parameters).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed (for example with "
                "sklearn's StandardScaler)."
            )
        return self

    def _generator(self) -> np.random.Generator:
        state = self.random_state
        if isinstance(state, np.random.Generator):
            return state
        if isinstance(state, np.random.RandomState):
            return np.random.default_rng(state.randint(np.iinfo(np.int32).max))
        return np.random.default_rng(state)

    def _initialize(
        self,
        n_features: int,
        hidden: list[int],
        rates: list[float],
        n_outputs: int,
        rng: np.random.Generator,
    ) -> None:
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(hidden) + 2
        self._hidden = hidden
        self.model_ = network.build_network(
            n_features,
            hidden,
            n_outputs,
            self.activation,
            self.out_activation_,
            rates,
            bool(self.batch_norm),
            rng,
        )
        self.n_iter_ = 0
        self.t_ = 0
        self.history_ = History()
        self.history_.set_model(self.model_)
        self._optimizer: optimizers.Optimizer | None = None
        if self.solver in STOCHASTIC:
            self._init_stochastic_state()

    def _init_stochastic_state(self) -> None:
        """The stochastic solvers' records (kept across warm starts and partial fits)."""
        self._best: list[Array] | None = None
        self.loss_curve_: list[float] = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_: list[float] | None = []
            self.best_validation_score_: float | None = -np.inf
            self.best_loss_: float | None = None
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None

    # -- predict -----------------------------------------------------------------------
    def _out_of_core(self, X: Any, reset: bool) -> Any:
        """``X`` as :class:`axon.models.chunked.Rows`, read a chunk at a time.

        Its width is checked against what ``fit`` saw (set when ``reset``) on its
        first row; its values chunk by chunk as they are read.
        """
        head = chunked.in_memory(X[:1], "X")
        validate_data(self, head, dtype=config.floatx(), reset=reset)
        return chunked.inputs(X, head.shape[1], "X")

    def _checked(self, X: Any, dense: bool = True) -> Any:
        """``X`` checked against what ``fit`` saw, in the float type (CSR if sparse)."""
        check_is_fitted(self)
        if chunked.is_out_of_core(X):
            return self._out_of_core(X, reset=False)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=config.floatx(), reset=False
        )
        if sparse.issparse(X):
            return X.toarray() if dense else X.tocsr()
        return X

    def _outputs(self, X: Any) -> Array:
        """The network's outputs for ``X`` in float64, computed in blocks of rows.

        The network runs in the float type; its output activation is applied to the
        logits again in float64, so probabilities keep scikit-learn's precision: in
        float32 the sigmoid is exactly 1 once ``z > 17`` and a softmax probability
        exactly 0 below ``e^-103``.
        """
        X = self._checked(X, dense=False)
        z = network.forward_in_blocks(self.model_, X, logits=True).astype(np.float64)
        kind = self.out_activation_
        if kind == "softmax":
            return special.softmax(z, axis=1)
        if kind == "logistic":
            return special.expit(z, out=z)
        return np.exp(z, out=z) if kind == "exp" else z

    def report(
        self, path: str | os.PathLike[str], X: Any = None, y: Any = None
    ) -> Path:
        """Write the self-contained HTML report ``axon train`` writes; return its path.

        Scores, what the diagnostics find in ``history_``, hyperparameters, the
        network's summary and the training history; given ``X`` and ``y``, the score
        on them and (for a classifier) the confusion matrix. Needs matplotlib
        (``pip install 'axon[plot]'``).
        """
        return write_report(self, path, X, y)

    # -- pickling ----------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        # A model's layers hold views into its flat vector, which pickle would turn
        # into unrelated copies; so the model travels as its config and weights,
        # the optimizer as its config and state, and the History without a model.
        state = dict(super().__getstate__())
        if "model_" in state:
            state["model_"] = network.model_state(state["model_"])
        optimizer = state.get("_optimizer")
        if optimizer is not None:
            state["_optimizer"] = {
                "class": type(optimizer),
                "config": optimizer.get_config(),
                "slots": optimizer.slots,
                "iterations": optimizer.iterations,
            }
        if "history_" in state:
            history = copy.copy(state["history_"])
            history.model = None
            state["history_"] = history
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if isinstance(state.get("model_"), dict):
            state["model_"] = network.model_from_state(state["model_"])
        saved = state.get("_optimizer")
        if isinstance(saved, dict):
            optimizer = saved["class"].from_config(saved["config"])
            optimizer.slots = dict(saved["slots"])
            optimizer.iterations = saved["iterations"]
            state["_optimizer"] = optimizer
        super().__setstate__(state)
        if isinstance(getattr(self, "model_", None), Sequential):
            self.history_.set_model(self.model_)
