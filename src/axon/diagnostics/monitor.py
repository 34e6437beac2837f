"""The training monitor: what happens inside the network, epoch by epoch.

:class:`TrainingMonitor` is a callback. It looks into a few training batches of each
epoch (``batches``, spread over the epoch) and records, per layer and per epoch:

- ``gradient_rms``: the root mean square of the kernel's gradient,
  ``sqrt(mean(dL/dW ** 2))``, averaged over the batches it looked at;
- ``update_ratio``: the size of one optimizer step against the size of the weights,
  ``rms(W_after - W_before) / rms(W_before)`` (about 1e-3 is healthy: Karpathy's
  rule of thumb; 1e-1 and above means the step tears the weights apart, 1e-6 that
  they barely move);
- ``dead_share`` (ReLU layers): the share of units that output zero for every sample
  it saw that epoch, so that no gradient reaches their weights;
- ``saturated_share`` (sigmoid and tanh layers): the share of units whose output sits
  where the activation is flat (``|tanh| > 0.99``, sigmoid below 0.01 or above 0.99)
  for nine samples in ten or more, so that ``f'`` nearly vanishes.

Once per run it records the statistics of the inputs the first weighted layer sees
(from the same batches of the first epoch), the class counts of the training and
validation rows, what the model is (activations, units, Dropout rates, loss,
optimizer, batch size) and how the run ended. All of it is a plain JSON-ready dict,
``monitor.record``, which is also ``history.monitor`` (and so lands in a run's
``history.json``): :func:`axon.diagnostics.diagnose` reads it from either.

Cost: a copy of the parameter vector and a few reductions per layer on each batch it
looks at (8 per epoch by default), none on the others. On the large benchmark
(60,000 x 784 -> 256 -> 128 -> 10, batch 128) that is well under 5% of an epoch; a
run without the monitor pays nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from axon.callbacks import Callback
from axon.config import Array

__all__ = ["SATURATION", "TrainingMonitor"]

# Where an activation is flat: |f'| below about 1% of its largest value.
SATURATION = {"tanh": 0.99, "sigmoid": 0.99}
RECTIFIERS = ("relu", "relu6")  # zero for every negative input: they can die
SATURATED_SAMPLES = 0.9  # a unit saturated on nine samples in ten counts
ROWS_PER_EPOCH = 256  # look at enough batches to have seen this many rows


class _LayerWatch:
    """One layer's accumulators for one epoch.

    Its kernel's gradient and step, and its outputs when its activation can die
    (ReLU) or saturate (sigmoid, tanh).
    """

    def __init__(self, layer: Any, flat: Array) -> None:
        self.layer = layer
        kernel = getattr(layer, "params", {}).get("kernel")
        grad = getattr(layer, "grads", {}).get("kernel")
        weighted = kernel is not None and grad is not None and kernel.size > 0
        self.kernel: Array | None = kernel if weighted else None
        self.grad: Array | None = grad if weighted else None
        self.offset = _offset(flat, kernel) if kernel is not None and weighted else -1
        activation = getattr(getattr(layer, "activation", None), "name", None)
        self.activation = activation or "linear"
        self.series: dict[str, list[float]] = {}
        if weighted:
            self.series.update(gradient_rms=[], update_ratio=[], largest_update=[])
        if self.activation in RECTIFIERS:
            self.series["dead_share"] = []
        if self.activation in SATURATION:
            self.series["saturated_share"] = []
        self.reset()

    def reset(self) -> None:
        self.grad_squares: list[float] = []
        self.ratios: list[float] = []
        self.peak: Array | None = None  # per unit: largest output seen this epoch
        self.saturated: Array | None = None  # per unit: saturated samples counted
        self.samples = 0

    def look(self, before: Array | None) -> None:
        """Read the step just taken and the outputs of its batch.

        ``before`` holds the weights the step started from.
        """
        if self.kernel is not None and self.grad is not None:
            self.grad_squares.append(
                float(np.vdot(self.grad, self.grad)) / self.grad.size
            )
            if before is not None and self.offset >= 0:
                old = before[self.offset : self.offset + self.kernel.size]
                step = self.kernel.ravel() - old
                size = float(np.vdot(old, old))
                if size > 0:
                    self.ratios.append(math.sqrt(float(np.vdot(step, step)) / size))
        outputs = getattr(self.layer, "y", None)
        if outputs is None or outputs.ndim != 2:
            return
        if "dead_share" in self.series:
            peak = outputs.max(axis=0)  # (units,)
            self.peak = peak if self.peak is None else np.maximum(self.peak, peak)
        if "saturated_share" in self.series:
            limit = SATURATION[self.activation]
            if self.activation == "tanh":
                flat = np.abs(outputs) > limit
            else:
                flat = (outputs < 1 - limit) | (outputs > limit)
            counts = flat.sum(axis=0)  # (units,)
            self.saturated = (
                counts if self.saturated is None else self.saturated + counts
            )
        self.samples += len(outputs)

    def close_epoch(self) -> None:
        """Turn this epoch's accumulators into one value per series."""
        series = self.series
        if "gradient_rms" in series:
            squares = self.grad_squares
            rms = math.sqrt(sum(squares) / len(squares)) if squares else 0.0
            series["gradient_rms"].append(rms)
            ratios = self.ratios
            series["update_ratio"].append(float(np.median(ratios)) if ratios else 0.0)
            series["largest_update"].append(max(ratios, default=0.0))
        if "dead_share" in series:
            dead = float(np.mean(self.peak <= 0)) if self.peak is not None else 0.0
            series["dead_share"].append(dead)
        if "saturated_share" in series:
            share = 0.0
            if self.saturated is not None and self.samples:
                flat = self.saturated >= SATURATED_SAMPLES * self.samples
                share = float(np.mean(flat))
            series["saturated_share"].append(share)
        self.reset()


def _offset(flat: Array, view: Array) -> int:
    """Index in the flat vector where ``view`` starts (-1: not a view of it)."""
    if not flat.size or not np.shares_memory(flat, view):
        return -1
    start = view.__array_interface__["data"][0] - flat.__array_interface__["data"][0]
    return int(start // flat.itemsize)


class _InputStats:
    """Running per-feature count, sums, minimum and maximum of the first inputs."""

    def __init__(self) -> None:
        self.count = 0
        self.total: Array | None = None
        self.squares: Array | None = None
        self.low: Array | None = None
        self.high: Array | None = None

    def add(self, x: Array) -> None:
        x64 = x.astype(np.float64)
        total, squares = x64.sum(axis=0), np.square(x64).sum(axis=0)
        low, high = x64.min(axis=0), x64.max(axis=0)
        if self.total is None or self.squares is None:
            self.total, self.squares, self.low, self.high = total, squares, low, high
        else:
            assert self.low is not None and self.high is not None
            self.total += total
            self.squares += squares
            self.low = np.minimum(self.low, low)
            self.high = np.maximum(self.high, high)
        self.count += len(x)

    def summary(self, layer: str) -> dict[str, Any]:
        if self.total is None or self.squares is None or not self.count:
            return {}
        mean = self.total / self.count
        std = np.sqrt(np.maximum(self.squares / self.count - mean**2, 0.0))
        assert self.low is not None and self.high is not None
        largest = float(np.max(np.maximum(np.abs(self.low), np.abs(self.high))))
        stats: dict[str, Any] = {
            "layer": layer,
            "rows_seen": self.count,
            "features": len(mean),
            "largest_abs_mean": float(np.max(np.abs(mean))),
            "largest_std": float(np.max(std)),
            "smallest_std": float(np.min(std)),
            "largest_abs_value": largest,
            "widest_feature": int(np.argmax(std)),
        }
        if len(mean) <= 64:  # small enough to keep per feature (the report's table)
            stats.update(
                mean=mean.tolist(),
                std=std.tolist(),
                min=self.low.tolist(),
                max=self.high.tolist(),
            )
        return stats


def _width(model: Any) -> int:
    """The output's width; 0 for a model with several outputs (not described)."""
    shape = model.output_shape if model.layers else ()
    if not shape or not isinstance(shape[-1], (int, np.integer)):
        return 0
    return int(shape[-1])


def _class_counts(targets: Array, width: int) -> Array:
    """Rows per class of one-hot, binary or integer targets."""
    if targets.ndim == 2 and targets.shape[1] > 1:
        return np.bincount(targets.argmax(axis=1), minlength=targets.shape[1])
    labels = targets.reshape(len(targets), -1)[:, 0]
    if width == 1:
        labels = labels > 0.5
    return np.bincount(labels.astype(np.int64), minlength=max(width, 2))


class TrainingMonitor(Callback):
    """Look inside the network while it trains; read the verdict with ``diagnose``.

    Parameters
    ----------
    batches : int
        How many training batches per epoch to look into, at least (spread evenly
        over the epoch; more when those hold fewer than 256 rows, all of them when
        the epoch has fewer).

    Attributes
    ----------
    record : dict
        Everything recorded (see the module docstring); also ``history.monitor``.
    dropout_rates : list of float or None
        The rates of the model's Dropout layers (None before training).

    Examples
    --------
    >>> import numpy as np, axon
    >>> from axon.diagnostics import TrainingMonitor, diagnose
    >>> model = axon.Sequential([axon.layers.Input((2,)), axon.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> monitor = TrainingMonitor()
    >>> x = np.random.default_rng(0).normal(size=(64, 2))
    >>> history = model.fit(x, x @ [1.0, -1.0], epochs=3, callbacks=[monitor], verbose=0)
    >>> sorted(monitor.record["layers"][0])  # doctest: +NORMALIZE_WHITESPACE
    ['activation', 'class', 'gradient_rms', 'largest_update', 'name', 'units',
     'update_ratio']
    >>> history.monitor is monitor.record
    True
    """

    def __init__(self, batches: int = 8) -> None:
        super().__init__()
        if isinstance(batches, bool) or not isinstance(batches, int) or batches < 1:
            raise ValueError(
                f"Expected a positive integer. Received: batches={batches!r}"
            )
        self.batches = batches
        self.record: dict[str, Any] = {}
        self.dropout_rates: list[float] | None = None
        self._watches: list[_LayerWatch] = []
        self._weighted: list[_LayerWatch] = []
        self._epoch = 0
        self._looks = batches
        self._inputs = _InputStats()
        self._stride = 1
        self._snapshot: Array | None = None
        self._predicted: Array | None = None

    # -- compatibility: the per-layer series by layer name ----------------------------
    @property
    def dead_share(self) -> dict[str, list[float]]:
        """Per ReLU layer, per epoch: the share of units silent on every sample."""
        return self._series("dead_share")

    @property
    def gradient_rms(self) -> dict[str, list[float]]:
        """Per weighted layer, per epoch: the RMS of its kernel's gradient."""
        return self._series("gradient_rms")

    def _series(self, key: str) -> dict[str, list[float]]:
        return {
            entry["name"]: entry[key]
            for entry in self.record.get("layers", [])
            if key in entry
        }

    # -- the hooks --------------------------------------------------------------------
    def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
        model = self.model
        layers = list(model.layers)
        self.dropout_rates = [
            float(layer.rate) for layer in layers if type(layer).__name__ == "Dropout"
        ]
        flat = model.parameters
        watches = [_LayerWatch(layer, flat) for layer in layers]
        self._watches = [watch for watch in watches if watch.series]
        self._weighted = [w for w in self._watches if w.kernel is not None]
        self._inputs = _InputStats()
        self._snapshot = np.empty_like(flat) if flat.size else None
        self._predicted = None
        self._epoch = 0
        steps = int(self.params.get("steps") or 1)
        batch_size = int(self.params.get("batch_size") or 32)
        looks = max(self.batches, -(-ROWS_PER_EPOCH // batch_size))
        self._looks = min(steps, looks)
        self._stride = max(1, steps // self._looks)
        self.record = {
            "layers": [
                {
                    "name": watch.layer.name,
                    "class": type(watch.layer).__name__,
                    "activation": watch.activation,
                    **(
                        {"units": int(watch.kernel.shape[-1])}
                        if watch.kernel is not None
                        else {}
                    ),
                    **watch.series,
                }
                for watch in self._watches
            ],
            "model": self._describe_model(layers),
            "data": self._describe_data(),
            "predicted_top_share": [],
            "epochs_planned": int(self.params.get("epochs") or 0),
        }
        history = getattr(model, "history", None)
        if history is not None and hasattr(history, "monitor"):
            history.monitor = self.record

    def _describe_model(self, layers: list[Any]) -> dict[str, Any]:
        model = self.model
        loss, optimizer = model.loss, model.optimizer
        last = layers[-1] if layers else None
        regularized = any(
            getattr(layer, f"{weight}_regularizer", None) is not None
            for layer in layers
            for weight in ("kernel", "bias", "activity")
        )
        learning_rate = getattr(optimizer, "learning_rate", None)
        activation = getattr(getattr(last, "activation", None), "name", None)
        return {
            "loss": getattr(type(loss), "registered_name", None)
            or getattr(loss, "name", None),
            "from_logits": bool(getattr(loss, "from_logits", False)),
            "output_activation": activation or "linear",
            "outputs": _width(model),
            "hidden_units": [
                int(w.kernel.shape[-1])
                for w in self._weighted[:-1]
                if w.kernel is not None
            ],
            "hidden_activations": [w.activation for w in self._weighted[:-1]],
            "dropout": self.dropout_rates,
            "batch_norm": any(
                type(layer).__name__ == "BatchNormalization" for layer in layers
            ),
            "regularized": regularized,
            "optimizer": type(optimizer).__name__,
            "learning_rate": float(learning_rate)
            if isinstance(learning_rate, (int, float, np.floating))
            else None,
            "batch_size": self.params.get("batch_size"),
        }

    def _describe_data(self) -> dict[str, Any]:
        """Class counts of the training and validation rows, when the targets are known."""
        from axon.models.checks import seen_targets  # level 3, imported on use

        model = self.model
        loss = model.loss
        train_rows = int(self.params.get("samples") or 0)
        width = _width(model)
        name = getattr(type(loss), "registered_name", None)
        classifying = getattr(loss, "target", "value") != "value" or (
            name == "binary_crossentropy"
        )
        facts: dict[str, Any] = {"train_rows": train_rows, "validation_rows": 0}
        targets = seen_targets(model)
        y = targets.get("y")
        if y is None or not width or len(y) < train_rows:
            return facts
        validation = targets.get("validation_data[1]")
        if validation is None and len(y) > train_rows:  # validation_split: last rows
            validation = y[train_rows:]
        facts["validation_rows"] = 0 if validation is None else len(validation)
        if classifying and width >= 1:
            facts["train_counts"] = _class_counts(y[:train_rows], width).tolist()
            if validation is not None and len(validation):
                facts["validation_counts"] = _class_counts(validation, width).tolist()
        return facts

    def on_epoch_begin(
        self, epoch: int, logs: Mapping[str, float] | None = None
    ) -> None:
        self._predicted = None

    def _looks_at(self, batch: int) -> bool:
        return batch % self._stride == 0 and batch // self._stride < self._looks

    def on_train_batch_begin(
        self, batch: int, logs: Mapping[str, float] | None = None
    ) -> None:
        if self._snapshot is not None and self._looks_at(batch):
            np.copyto(self._snapshot, self.model.parameters)

    def on_train_batch_end(
        self, batch: int, logs: Mapping[str, float] | None = None
    ) -> None:
        if not self._looks_at(batch):
            return
        for watch in self._watches:
            watch.look(self._snapshot)
        if not self._weighted:
            return
        if "first_step" not in self.record:
            self.record["first_step"] = self._first_step()
        first = getattr(self._weighted[0].layer, "x", None)
        if self._epoch == 0 and first is not None and first.ndim == 2:
            self._inputs.add(first)
        outputs = getattr(self.model.layers[-1], "y", None)
        if outputs is not None and outputs.ndim == 2:
            self._count_predictions(outputs)

    def _first_step(self) -> dict[str, list[float]]:
        """The first step's gradients, step sizes and output scales, layer by layer.

        Taken before training has changed much, so that what the initial weights do
        (gradients growing or shrinking on the way back) is told apart from what a
        learning rate does to them later.
        """
        gradients, steps, outputs = [], [], []
        for watch in self._weighted:
            gradients.append(math.sqrt(watch.grad_squares[-1]))
            steps.append(watch.ratios[-1] if watch.ratios else 0.0)
            y = getattr(watch.layer, "y", None)
            scale = math.sqrt(float(np.vdot(y, y)) / y.size) if y is not None else 0.0
            outputs.append(scale)
        return {"gradient_rms": gradients, "update_ratio": steps, "output_rms": outputs}

    def _count_predictions(self, outputs: Array) -> None:
        if outputs.shape[1] > 1:
            counts = np.bincount(outputs.argmax(axis=1), minlength=outputs.shape[1])
        else:
            model = self.record["model"]
            logits = model["from_logits"] or model["output_activation"] != "sigmoid"
            positive = int(np.count_nonzero(outputs[:, 0] > (0.0 if logits else 0.5)))
            counts = np.array([len(outputs) - positive, positive])
        self._predicted = (
            counts if self._predicted is None else self._predicted + counts
        )

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        for watch in self._watches:
            watch.close_epoch()
        if self._epoch == 0 and self._weighted:
            self.record["inputs"] = self._inputs.summary(self._weighted[0].layer.name)
        share = 0.0
        if self._predicted is not None and self._predicted.sum():
            share = float(self._predicted.max() / self._predicted.sum())
        self.record["predicted_top_share"].append(share)
        self._epoch += 1

    def on_train_end(self, logs: Mapping[str, float] | None = None) -> None:
        stopped = bool(getattr(self.model, "stop_training", False))
        # fit hands on_train_end empty logs when a non-finite loss ended the epoch
        self.record["non_finite"] = stopped and not logs
        self.record["stopped_early"] = stopped and bool(logs)
        self.record["epochs_run"] = self._epoch

    def findings(self) -> list[Any]:
        """What the monitor's record shows without the loss curves."""
        from axon.diagnostics.rules import diagnose

        return diagnose({}, self)
