"""compile / fit / evaluate / predict: the training loop, written out once.

The loop per batch is: forward (training mode), loss and its gradient at the output (or
at the logits, when the output activation and the loss are fused), backward up the
stack into the flat gradient vector, one optimizer step over the flat parameter vector.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from axon import activations, config, losses, metrics, optimizers, regularizers
from axon.callbacks import CallbackList, EpochLogger, History, ProgressBar
from axon.callbacks.base import Callback
from axon.config import Array
from axon.losses import Loss
from axon.metrics import Metric, MetricList
from axon.models import checks, data, datasets
from axon.models import weights as weighting
from axon.models.inference import CHUNK
from axon.models.interrupt import deferred_interrupt, stop_on_non_finite
from axon.optimizers import Optimizer


class NotCompiledError(RuntimeError, ValueError):
    """``fit`` (or ``evaluate``...) before ``compile``.

    A RuntimeError as in Keras, and a ValueError as axon's other input errors.
    """


_deferred_interrupt = deferred_interrupt  # where sklearn.solvers finds it


class Trainer(regularizers.Penalized):
    """What a model needs to learn: ``compile``, ``fit``, ``evaluate``, ``predict``.

    A subclass provides ``forward``, ``backward``, ``parameters``, ``gradients``,
    ``layers``, ``output_shape``, ``get_weights``/``set_weights`` and
    ``_build_from_data``.
    """

    parameters: Array
    gradients: Array
    rng: np.random.Generator
    input_shape: tuple[int, ...] | None
    built: bool
    _as_inputs: Any  # (x, its name) -> the one checked array forward takes
    _as_targets: Any  # (y, the loss, its name) -> the checked targets the loss takes
    _chain: Any = None  # a chain of Dense layers' fused step (dense_chain.py)
    _penalized = True  # whether a layer has a regularizer; Model._prepare decides

    def __init__(self) -> None:
        self.optimizer: Optimizer | None = None
        self.loss: Loss | None = None
        self.metrics = MetricList()
        self._metric_ids: list[Any] = []
        self.compiled = False
        self._path = "plain"
        self.stop_training = False
        self.history: History | None = None
        # Where fit resumes, set by BackupAndRestore (Keras's model._initial_epoch).
        self._initial_epoch: int | None = None
        self._initial_step = 0
        # Plain JSON facts saved with the model: what a user of the file needs to
        # know (class names, feature names, how inputs are scaled). Not in Keras.
        self.metadata: dict[str, Any] = {}

    # Provided by the subclass.
    def forward(self, x: Array, training: bool = False) -> Array:
        raise NotImplementedError

    def backward(self, grad_output: Array, from_logits: bool = False) -> None:
        raise NotImplementedError

    def get_weights(self) -> list[Array]:
        raise NotImplementedError

    def set_weights(self, weights: list[Array]) -> None:
        raise NotImplementedError

    def _build_from_data(self, x: Array) -> None:
        raise NotImplementedError

    @property
    def layers(self) -> list[Any]:
        raise NotImplementedError

    @property
    def output_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    # -- compile --------------------------------------------------------------------
    def compile(
        self,
        optimizer: str | Optimizer = "rmsprop",
        loss: str | Loss | None = None,
        metrics: list[str | Metric] | None = None,
    ) -> None:
        """Choose the optimizer, the loss and the metrics reported during training.

        Parameters
        ----------
        optimizer : str or Optimizer
            ``"adam"``, ``axon.optimizers.Adam(learning_rate=1e-3)``...
        loss : str or Loss
            ``"categorical_crossentropy"``, ``"mse"``...
        metrics : list, optional
            ``["accuracy"]`` picks the accuracy that fits the loss.
        """
        if loss is None:
            raise ValueError(
                "Expected a loss, such as loss='categorical_crossentropy'. Received: None"
            )
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise TypeError(
                f"Expected a list of metrics. Received: metrics={metrics!r}"
            )
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self._metric_ids = list(metrics or [])
        self.metrics = MetricList()
        self.compiled = True
        checks.output_and_loss(self)  # warns now if built, else at the first fit
        if self.built:
            self._resolve_metrics()

    def _resolve_metrics(self) -> None:
        assert self.loss is not None
        width = self.output_shape[-1]
        # the class's registered name: a user may name a loss instance anything
        name = getattr(type(self.loss), "registered_name", None) or self.loss.name
        metrics.warn_accuracy_for_regression(self._metric_ids, name)
        self.metrics = MetricList(
            metrics.get(m, name, self.loss.target, width) for m in self._metric_ids
        )

    @property
    def metrics_names(self) -> list[str]:
        """``["loss", *metrics]``, evaluate's order (Keras 3: ``compile_metrics``)."""
        names = metrics.unique_names(self.metrics or self._metric_ids)
        return ["loss", *names] if self.compiled else []

    def _require_compiled(self, what: str) -> Loss:
        if not self.compiled or self.loss is None:
            raise NotCompiledError(
                f"You must call compile() before {what}: model.compile(optimizer='adam', "
                "loss='categorical_crossentropy', metrics=['accuracy'])"
            )
        return self.loss

    def _output_path(self) -> str:
        """How the loss meets the output: ``fused``, ``from_logits`` or ``plain``."""
        assert self.loss is not None
        pairs_with = self.loss.pairs_with
        if self.loss.from_logits:
            return "from_logits"
        last = self._fused_layer = self.layers[-1]  # whose logits the fused step reads
        activation = getattr(last, "activation", None)
        if (
            pairs_with is not None
            and getattr(activation, "name", None) == pairs_with
            and hasattr(last, "backward_from_logits")
        ):
            return "fused"
        return "plain"

    # -- one step -------------------------------------------------------------------
    def _loss_value(self, y: Array, output: Array) -> float:
        """The batch loss, from the logits where the output activation is fused."""
        loss = self.loss
        assert loss is not None
        if self._path == "fused":
            return loss.forward_from_logits(y, self.layers[-1].logits, output)
        if self._path == "from_logits":
            return loss.forward_from_logits(y, output)
        return loss.forward(y, output)

    def _loss_and_gradient(self, y: Array, output: Array) -> tuple[float, Array, bool]:
        """Return the batch loss, the gradient to send back, and whether it is at logits."""
        loss = self.loss
        assert loss is not None
        if self._path == "fused":  # in one call (and no list of layers made)
            return (*loss.step_from_logits(y, self._fused_layer.logits, output), True)
        value = self._loss_value(y, output)
        if self._path == "from_logits":
            assert loss.pairs_with is not None
            probs = activations.get(loss.pairs_with).forward(output.copy())
            return value, loss.backward_from_logits(y, probs), False
        return value, loss.backward(y, output), False

    def _train_step(
        self, x: Array, y: Array, w: Array | None = None
    ) -> tuple[float, Array]:
        assert self.optimizer is not None
        if self._chain is not None and w is None:  # the same numbers, fewer calls
            return self._chain.step(x, y)
        output = self.forward(x, training=True)
        loss, grad, at_logits = (
            self._loss_and_gradient(y, output)
            if w is None  # sample weights: scale each sample's loss and gradient
            else weighting.loss_and_gradient(self, y, output, w)
        )
        if not math.isfinite(loss):
            # No update: the caller stops, and the weights stay the last finite ones.
            return loss, output
        loss += self._backward_with_penalties(grad, at_logits)  # + sum(model.losses)
        self.optimizer.apply(self.parameters, self.gradients)
        return loss, output

    def _prepare(
        self, x: Any, y: Any, what: str, names: tuple[str, str] = ("x", "y")
    ) -> tuple[Array, Array]:
        loss = self._require_compiled(what)
        x = self._as_inputs(x, names[0])
        self._build_from_data(x)
        self.optimizer.set_variables_from_views(self.parameters, self.layers)  # type: ignore[union-attr]
        if not self.metrics and self._metric_ids:
            self._resolve_metrics()
        y = self._as_targets(y, loss, names[1])
        checks.prepared(self, x, y, names)  # lengths, output vs loss, targets
        self._path = self._output_path()  # decided once per call, not per batch
        return x, y

    # -- fit ------------------------------------------------------------------------
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: list[Callback] | None = None,
        validation_split: float = 0.0,
        validation_data: tuple[Any, Any] | None = None,
        shuffle: bool = True,
        class_weight: dict[int, float] | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_freq: int | list[int] = 1,
    ) -> History:
        """Train for ``epochs`` passes over ``(x, y)`` in mini-batches.

        As in Keras, ``validation_split`` holds out the *last* fraction of the rows,
        before any shuffling, and ``validation_data`` takes precedence over it. Returns
        the :class:`~axon.callbacks.History` whose ``.history`` has ``loss``, each
        metric, and ``val_``-prefixed twins when there is validation data.
        ``sample_weight``/``class_weight``: see :mod:`axon.models.weights`;
        ``validation_freq``: :func:`axon.models.datasets.validation_schedule`.
        """
        stream = datasets.open_fit(x, steps_per_epoch, validation_split)
        if stream is not None:  # its first batch builds the model, checks the targets
            x, y, sample_weight = stream.first
        x, y = self._prepare(x, y, "fit")
        sw = weighting.prepare(self, y, sample_weight, class_weight)
        batch_size = data.check_batch_size(batch_size)
        if (
            isinstance(epochs, bool)
            or not isinstance(epochs, (int, np.integer))
            or epochs < 0
        ):
            raise ValueError(
                f"Expected a non-negative integer. Received: epochs={epochs!r}"
            )
        verbose = self._check_verbose(verbose)
        validate = datasets.validation_schedule(validation_freq)
        x, y, sw, x_val, y_val, w_val = datasets.validation(
            self,
            (x, y, sw, class_weight),
            validation_data,
            validation_split,
            validation_steps,
        )

        history = History()
        extra: list[Callback] = []
        if verbose == 1:
            extra.append(ProgressBar())
        elif verbose == 2:
            extra.append(EpochLogger())
        callback_list = CallbackList([*(callbacks or []), history, *extra])
        batcher = datasets.batcher(
            self, stream, x, y, sw, batch_size, bool(shuffle), class_weight
        )
        callback_list.set_model(self)
        callback_list.set_params(
            {
                "epochs": epochs,
                "steps": batcher.steps,
                "verbose": verbose,
                "batch_size": batch_size,
                "samples": len(x),
                "metrics": self._log_names(x_val is not None),
            }
        )
        self.history = history
        self.stop_training = False
        logs: dict[str, float] = {}
        callback_list.on_train_begin()
        resume, self._initial_epoch = self._initial_epoch, None
        initial_epoch = initial_epoch if resume is None else resume
        skip, self._initial_step = self._initial_step, 0  # batches already trained
        try:
            # Overflow shows up as a non-finite loss, reported once, not as a storm of
            # NumPy warnings.
            with (
                _deferred_interrupt() as interrupted,
                np.errstate(over="ignore", invalid="ignore", divide="ignore"),
            ):
                for epoch in range(initial_epoch, epochs):
                    callback_list.on_epoch_begin(epoch)
                    logs = self._run_epoch(
                        batcher, epoch, callback_list, interrupted, skip
                    )
                    skip = 0
                    if (
                        x_val is not None
                        and y_val is not None
                        and not self.stop_training
                        and validate(epoch)
                    ):
                        val_logs = self._evaluate_arrays(
                            x_val, y_val, batch_size, w_val
                        )
                        logs.update({f"val_{k}": v for k, v in val_logs.items()})
                    if self.stop_training and not logs:
                        break
                    callback_list.on_epoch_end(epoch, logs)
                    if self.stop_training or interrupted[0]:
                        break
        finally:
            callback_list.on_train_end(logs)
        return history

    def _run_epoch(
        self,
        batcher: data.Batcher,
        epoch: int,
        callback_list: CallbackList,
        interrupted: list[bool],
        skip: int = 0,
    ) -> dict[str, float]:
        total, seen = 0.0, 0
        self.metrics.reset()
        # Batch hooks cost a dict per batch: call them only if someone listens.
        hooks = [
            cb
            for cb in callback_list.callbacks
            if type(cb).on_train_batch_begin is not Callback.on_train_batch_begin
            or type(cb).on_train_batch_end is not Callback.on_train_batch_end
        ]
        late = data.epoch_outputs(self, batcher, not (hooks or skip))
        for step, (xb, yb) in enumerate(batcher.epoch()):
            if step < skip:  # trained before the run was interrupted and restored
                continue
            for cb in hooks:
                cb.on_train_batch_begin(step)
            loss, output = self._train_step(xb, yb, batcher.weights)
            if not math.isfinite(loss):
                stop_on_non_finite(self, loss, epoch, step)
                return {}
            total, seen = total + loss * len(xb), seen + len(xb)
            if late is not None:  # counted at the epoch's end, see data.epoch_outputs
                late[1][seen - len(xb) : seen] = output
            elif self.metrics:  # no metrics, no call: 0.2 us of a 28 us small step
                self.metrics.update(yb, output, batcher.weights)
            if hooks:
                logs = self.metrics.logs(total / seen)
                for cb in hooks:
                    cb.on_train_batch_end(step, logs)
            if interrupted[0] or self.stop_training:
                break
        if late is not None:
            self.metrics.update(late[0][:seen], late[1][:seen])
        return self.metrics.logs(total / max(seen, 1))

    def _log_names(self, with_validation: bool) -> list[str]:
        names = self.metrics_names
        return names + [f"val_{n}" for n in names] if with_validation else names

    @staticmethod
    def _check_verbose(verbose: int | str) -> int:
        if verbose not in ("auto", 0, 1, 2):
            raise ValueError(
                f"Expected verbose in ('auto', 0, 1, 2). Received: {verbose!r}"
            )
        return 1 if verbose == "auto" else int(verbose)

    # -- evaluate / predict ---------------------------------------------------------
    def _evaluate_arrays(
        self, x: Array, y: Array, batch_size: int, w: Array | None = None
    ) -> dict[str, float]:
        total, penalized, n = 0.0, self._penalized, len(x)
        self.metrics.reset()  # fresh state: validation never mixes with training
        # Without penalties (activity's are the last batch's), up to inference.CHUNK
        # rows in one pass, as predict: Iris's 24 validation rows, 116 -> 53 us (load 4.5).
        step = max(batch_size, n) if n <= CHUNK and not penalized else batch_size
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for rows in data.batches(n, step):
                xb, yb = x[rows], y[rows]
                output = self.forward(xb, training=False)
                loss = (
                    self._loss_value(yb, output)
                    if w is None
                    else weighting.loss_value(self, yb, output, w[rows])
                ) + (self._regularization() if penalized else 0.0)
                total += loss * len(xb)
                self.metrics.update(yb, output, None if w is None else w[rows])
        return self.metrics.logs(total / n)

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """Return the loss and metrics on ``(x, y)`` in inference mode.

        As in Keras: ``[loss, metric, ...]``, or just the loss when there are no
        metrics, or a dict with ``return_dict=True``.
        """
        if datasets.is_stream(x):  # a generator or PyDataset: ``steps`` batches
            x, y, sample_weight = datasets.evaluation_data(self, x, steps)
        x, y = self._prepare(x, y, "evaluate")
        w = weighting.prepare(self, y, sample_weight)
        verbose = self._check_verbose(verbose)
        logs = self._evaluate_arrays(x, y, data.check_batch_size(batch_size), w)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        return self._format_results(logs, return_dict)

    @staticmethod
    def _format_results(
        logs: dict[str, float], return_dict: bool
    ) -> float | list[float] | dict[str, float]:
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(
        self, x: Any, batch_size: int | None = None, verbose: int | str = "auto"
    ) -> Array:
        """Return the model's outputs for ``x``, computed in batches in inference mode."""
        x = self._as_inputs(x, "x")
        self._build_from_data(x)
        self._check_verbose(verbose)
        batch_size = data.check_batch_size(batch_size)
        if len(x) <= batch_size:  # one batch: copy it out of the layer's buffer
            return self.forward(x, training=False).copy()
        result = np.empty((len(x), *self.output_shape), dtype=config.floatx())
        for rows in data.batches(len(x), batch_size):
            result[rows] = self.forward(x[rows], training=False)
        return result

    def predict_on_batch(self, x: Any) -> Array:
        """Outputs for one batch, in inference mode."""
        return self.predict(x, batch_size=max(1, len(np.asarray(x))), verbose=0)

    def train_on_batch(
        self,
        x: Any,
        y: Any,
        sample_weight: Any = None,
        class_weight: dict[int, float] | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """One optimizer step on ``(x, y)``; returns the batch's loss and metrics."""
        x, y = self._prepare(x, y, "train_on_batch")
        w = weighting.prepare(self, y, sample_weight, class_weight)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss, output = self._train_step(x, y, w)
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"The loss is {loss}; the step was not applied. Check the learning rate "
                "and the scaling of the inputs."
            )
        logs = self.metrics.batch(y, output, loss, w)  # this batch only, as in Keras 3
        return self._format_results(logs, return_dict)

    def test_on_batch(
        self, x: Any, y: Any, sample_weight: Any = None, return_dict: bool = False
    ) -> float | list[float] | dict[str, float]:
        """Loss and metrics of one batch, in inference mode."""
        x, y = self._prepare(x, y, "test_on_batch")
        w = weighting.prepare(self, y, sample_weight)
        logs = self._evaluate_arrays(x, y, len(x), w)
        return self._format_results(logs, return_dict)

    # -- saving ---------------------------------------------------------------------
    def save(self, filepath: str) -> None:
        """Save architecture, weights, compile settings and optimizer state to one file.

        The file is a zip of JSON and raw ``.npy`` arrays (never pickle), written to a
        temporary file and renamed, so a crash never leaves half a model.
        """
        from axon.models.saving import save_model

        save_model(self, filepath)

    def save_weights(self, filepath: str) -> None:
        """Save only the weights (with the architecture, to check them against)."""
        from axon.models.saving import save_weights

        save_weights(self, filepath)

    def load_weights(self, filepath: str) -> None:
        """Load weights written by ``save_weights`` or ``save`` into this model."""
        from axon.models.saving import load_weights

        load_weights(self, filepath)
