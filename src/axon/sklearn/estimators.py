"""MLPClassifier and MLPRegressor: scikit-learn's, name for name, on axon's fast path."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import column_or_1d

from axon import config
from axon.config import Array
from axon.sklearn.base import STOCHASTIC, BaseMLP
from axon.sklearn.labels import Labels, accuracy, r2


def _stochastic(estimator: BaseMLP) -> bool:
    if estimator.solver not in STOCHASTIC:
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. "
            f"{estimator.solver} is not stochastic."
        )
    return True


class MLPClassifier(ClassifierMixin, BaseMLP):  # type: ignore[misc]
    """A multi-layer perceptron classifier: scikit-learn's, trained by axon.

    A drop-in replacement for ``sklearn.neural_network.MLPClassifier``: the same
    arguments with the same defaults and meaning, the same fitted attributes and
    methods, the same warnings and errors. It minimises the log-loss (softmax
    outputs for several classes, a logistic output per label for two classes and
    for multi-label targets) plus ``alpha / 2 * ||W||^2 / n_samples`` on the
    kernels, with Adam, SGD or L-BFGS; see :mod:`axon.sklearn.objective`.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer; ``()`` leaves none (logistic regression).
    activation : {"relu", "identity", "logistic", "tanh"}, default="relu"
        The hidden layers' activation.
    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        Adam and SGD step through mini-batches; "lbfgs" runs SciPy's L-BFGS-B on
        the full data over the flat parameter vector.
    alpha : float, default=1e-4
        Strength of the L2 penalty on the kernels (divided by the batch's weight).
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        SGD's schedule: constant; ``learning_rate_init / (t + 1) ** power_t`` with
        ``t`` the samples seen (updated after each epoch); or divided by 5 each
        time ``n_iter_no_change`` epochs fail to improve by ``tol``.
    learning_rate_init : float, default=1e-3
        Step size of Adam and SGD.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    max_iter : int, default=200
        Epochs (Adam, SGD) or iterations (L-BFGS) at most.
    shuffle : bool, default=True
        Shuffle the samples each epoch.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the initial weights, the validation split, dropout and shuffling.
    tol : float, default=1e-4
        Improvement below which an epoch counts as none (L-BFGS: the gradient
        tolerance ``gtol``).
    verbose : bool or int, default=False
        Print the loss (and validation score) after each epoch.
    warm_start : bool, default=False
        Start ``fit`` from the current weights.
    momentum : float, default=0.9
        SGD's momentum, in [0, 1].
    nesterovs_momentum : bool, default=True
        Nesterov's momentum for SGD.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified by class, not for
        multi-label targets), stop when the validation accuracy stops improving by
        ``tol`` for ``n_iter_no_change`` epochs, and keep the best weights.
    validation_fraction : float, default=0.1
        The share of rows held out by ``early_stopping``.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's decay rates and the constant added to ``sqrt(v)``.
    n_iter_no_change : int or numpy.inf, default=10
        Epochs without improvement before stopping.
    max_fun : int, default=15000
        L-BFGS's budget of loss evaluations.
    dropout : float or sequence of float, default=0.0
        axon's own: a Dropout layer of this rate after each hidden layer (one rate,
        or one per layer). Not with "lbfgs".
    batch_norm : bool, default=False
        axon's own: a BatchNormalization layer after each hidden layer.
    optimizer : str or axon.optimizers.Optimizer, optional
        axon's own: an optimizer to use instead of the solver's (``"rmsprop"``,
        ``axon.optimizers.AdamW(1e-3)``); fit uses a fresh copy. Then
        ``learning_rate*``, ``momentum``, ``beta_*`` and ``epsilon`` are unused.
    callbacks : list of axon.callbacks.Callback, optional
        axon's own: called after each epoch as ``model.fit`` calls them, with the
        logs ``loss`` and, with ``early_stopping``, ``val_loss`` and
        ``val_accuracy``; ``model`` is ``model_``. A callback that sets
        ``model.stop_training`` ends training.

    Attributes
    ----------
    classes_ : ndarray
        The class labels.
    coefs_, intercepts_ : list of ndarray
        Each Dense layer's kernel and bias: views into ``model_``'s weights.
    loss_, best_loss_, loss_curve_ : float, float or None, list of float
        The last epoch's loss, the lowest (None with ``early_stopping``), and the
        loss of each epoch (Adam and SGD only).
    validation_scores_, best_validation_score_ : list of float or None, float or None
        The accuracy on the held-out rows each epoch, and the best of them.
    n_iter_, t_ : int
        Epochs or iterations run by the last fit, and the samples seen.
    n_layers_, n_outputs_, out_activation_ : int, int, str
        Layers counting input and output, output units, and "softmax" or
        "logistic".
    n_features_in_, feature_names_in_ : int, ndarray
        The columns seen by ``fit`` (names only for DataFrames with string names).
    model_ : axon.Sequential
        The network (``model_.summary()``, ``model_.save(...)``).
    history_ : axon.callbacks.History
        Every epoch's logs, across warm starts and ``partial_fit``.

    Notes
    -----
    Where axon differs from scikit-learn: it computes in ``axon.config.floatx()``
    (float32 by default, whatever the input's type), so ``coefs_`` are float32;
    predictions come back in float64, the output activation applied to the logits
    again in float64 so that probabilities keep their precision. Random numbers
    come from a NumPy Generator, so a seed gives other (equally distributed)
    initial weights than scikit-learn's. Sparse ``X`` is densified one batch at a
    time for Adam and SGD, whole for L-BFGS.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from axon.sklearn import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(solver="lbfgs", random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    """

    _is_classifier = True
    loss = "log_loss"
    classes_: Any
    _labels: Labels

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: Any = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: Any = 10,
        max_fun: int = 15000,
        dropout: Any = 0.0,
        batch_norm: bool = False,
        optimizer: Any = None,
        callbacks: Any = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.optimizer = optimizer
        self.callbacks = callbacks

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPClassifier:
        """Train on ``X`` (dense or sparse) and class labels ``y``; returns self.

        ``y`` holds one label per row, or 0/1 indicator columns (multi-label).
        """
        self._fit(X, y, sample_weight, incremental=False)
        return self

    @available_if(_stochastic)  # type: ignore[untyped-decorator]
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> MLPClassifier:
        """One epoch over ``(X, y)``, from the current weights.

        ``classes`` (every label there will be) is required on the first call.
        """
        if "classes_" in self.__dict__:
            if classes is not None and not np.array_equal(
                self.classes_, np.unique(np.asarray(classes))
            ):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on last call to "
                    f"partial_fit, was: {self.classes_!r}"
                )
        elif classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        else:
            self._labels = Labels.declared(classes, y)
            self.classes_ = self._labels.classes
        self._fit(X, y, sample_weight, incremental=True)
        return self

    def _encode(self, y: Any, first_pass: bool, incremental: bool) -> Array:
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if "classes_" not in self.__dict__ or not (self.warm_start or incremental):
            self._labels = Labels.of(y)
            self.classes_ = self._labels.classes
        else:
            classes = Labels.present(y, Labels.kind_of(y))
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes "
                        f"as in the previous call to fit. Previously got "
                        f"{self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}."
                )
        self._label_type = self._labels.kind
        if first_pass:
            multiclass = self._label_type == "multiclass"
            self.out_activation_ = "softmax" if multiclass else "logistic"
        return self._labels.encode(y, config.floatx())

    def _validation_score(self, out: Array, y: Array, weights: Array | None) -> float:
        if not np.isfinite(out).all():
            return float("nan")
        return accuracy(self._labels.decode(out), self._labels.decode(y), weights)

    def predict(self, X: Any) -> Any:
        """The predicted class of each row (indicator rows for multi-label)."""
        out = self._outputs(X)  # first: it says when the model is not fitted
        return self._labels.decode(out)

    def predict_proba(self, X: Any) -> Array:
        """Probability of each class (or label), columns in ``classes_`` order."""
        out = self._outputs(X)
        if out.shape[1] == 1:
            p = out.ravel()
            return np.vstack([1 - p, p]).T
        return out

    def predict_log_proba(self, X: Any) -> Array:
        """``log(predict_proba(X))``."""
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):  # type: ignore[misc]
    """A multi-layer perceptron regressor: scikit-learn's, trained by axon.

    A drop-in replacement for ``sklearn.neural_network.MLPRegressor``. It minimises
    half the squared error (an identity output) or half the Poisson deviance (an
    exponential output), plus ``alpha / 2 * ||W||^2 / n_samples`` on the kernels.

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default="squared_error"
        The loss; "poisson" needs ``y >= 0``.
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate
        As :class:`MLPClassifier`'s, with the same defaults.
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose
        As :class:`MLPClassifier`'s.
    warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction
        As :class:`MLPClassifier`'s; ``early_stopping`` watches the validation R2
        (logged as ``val_r2``) and does not stratify.
    beta_1, beta_2, epsilon, n_iter_no_change, max_fun
        As :class:`MLPClassifier`'s.
    dropout, batch_norm, optimizer, callbacks
        axon's own, as :class:`MLPClassifier`'s.

    Attributes
    ----------
    coefs_, intercepts_, loss_, best_loss_, loss_curve_, validation_scores_
        As :class:`MLPClassifier`'s (validation scores are R2).
    best_validation_score_, n_iter_, t_, n_layers_, n_outputs_, model_, history_
        As :class:`MLPClassifier`'s.
    out_activation_ : str
        "identity", or "exp" for the Poisson loss.
    n_features_in_, feature_names_in_ : int, ndarray
        The columns seen by ``fit``.

    Notes
    -----
    The differences from scikit-learn are :class:`MLPClassifier`'s, and one more:
    with several outputs, ``loss_`` is the objective axon follows, the squared
    errors summed over the outputs, where scikit-learn reports their mean (its
    gradient sums them too).

    Examples
    --------
    >>> import numpy as np
    >>> from axon.sklearn import MLPRegressor
    >>> X = np.linspace(-1, 1, 200).reshape(-1, 1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0)
    >>> reg = reg.fit(X, X.ravel() ** 2)
    >>> reg.score(X, X.ravel() ** 2) > 0.95
    True
    """

    def __init__(
        self,
        loss: str = "squared_error",
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: Any = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: Any = 10,
        max_fun: int = 15000,
        dropout: Any = 0.0,
        batch_norm: bool = False,
        optimizer: Any = None,
        callbacks: Any = None,
    ) -> None:
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.optimizer = optimizer
        self.callbacks = callbacks

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """Train on ``X`` (dense or sparse) and targets ``y``; returns self."""
        self._fit(X, y, sample_weight, incremental=False)
        return self

    @available_if(_stochastic)  # type: ignore[untyped-decorator]
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over ``(X, y)``, from the current weights."""
        self._fit(X, y, sample_weight, incremental=True)
        return self

    def _encode(self, y: Any, first_pass: bool, incremental: bool) -> Array:
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        try:
            target = np.asarray(y, dtype=config.floatx())
        except ValueError:
            first = str(np.ravel(y)[0])
            raise ValueError(
                "Expected numbers in y, the regression targets. Received: "
                f"{first!r}... (a classifier takes labels)"
            ) from None
        if self.loss == "poisson" and (target < 0).any():
            raise ValueError(
                "Expected y >= 0 with loss='poisson'. Received: y with negative values"
            )
        target = target.reshape(len(target), -1)
        if first_pass:
            self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        elif target.shape[1] != self.n_outputs_:
            raise ValueError(
                f"Expected y with {self.n_outputs_} output(s), as before. Received: "
                f"y with {target.shape[1]}"
            )
        return target

    def _validation_score(self, out: Array, y: Array, weights: Array | None) -> float:
        if not np.isfinite(out).all():
            return float("nan")
        return r2(out, y, weights)

    def predict(self, X: Any) -> Array:
        """The predicted target(s) of each row."""
        out = self._outputs(X)
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
