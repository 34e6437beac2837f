"""One trial: a pure function of (point, seed, data), so any process gives its numbers.

:func:`run_trial` seeds axon's generator, builds the model for the point, trains it,
scores it on the test rows and asks the diagnostics what went wrong. It never raises
for a failed trial: the error is recorded in the :class:`Trial` and the sweep goes on.
It returns plain numbers and strings, so a cluster sends back a few kilobytes.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from axon.sweep.space import Point, Settings, label

# axon's random generator is one per process: two trials sharing a process (a Dask
# worker with several threads) take turns, or their draws would interleave.
_ONE_AT_A_TIME = threading.Lock()


class Cancelled(Exception):
    """The sweep was interrupted while this trial ran; its numbers are not kept."""


@dataclass
class Dataset:
    """The arrays every trial trains on: sent to a cluster's workers once.

    With ``x_val``/``y_val`` the trials validate on those rows; without, ``fit``
    holds out the last ``validation_split`` of the training rows, as Keras does.
    ``about`` says where the data came from (source, target, task) for the record.
    """

    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    x_val: Any = None
    y_val: Any = None
    validation_split: float = 0.2
    about: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, data: Any, validation_split: float = 0.2) -> Dataset:
        """A Dataset as is, or one from ``(x_train, x_test, y_train, y_test)``."""
        if isinstance(data, Dataset):
            return data
        if not (isinstance(data, (tuple, list)) and len(data) == 4):
            raise TypeError(
                "Expected data as (x_train, x_test, y_train, y_test) or a "
                f"sweep.Dataset. Received: {type(data).__name__}"
            )
        x_train, x_test, y_train, y_test = data
        return cls(x_train, y_train, x_test, y_test, validation_split=validation_split)


@dataclass
class Trial:
    """What one trial gave: its point, seed, history, test scores and findings.

    ``error`` holds the failure (its last line first) when the trial crashed; its
    history and scores are then empty. ``score`` is the lowest validation loss over
    the epochs: the number the sweep ranks by (lower is better).
    """

    params: Point
    seed: int
    history: dict[str, list[float]]
    test: dict[str, float]
    seconds: float
    findings: list[str] = field(default_factory=list)
    error: str | None = None
    index: int = 0  # its place in the sweep: point * repeats + repeat

    @property
    def name(self) -> str:
        """The hyperparameter names, comma-separated (one name in a 1-D sweep)."""
        return ",".join(self.params)

    @property
    def value(self) -> float:
        """The value of a one-hyperparameter trial."""
        if len(self.params) != 1:
            raise ValueError(
                f"Expected a trial of one hyperparameter. Received: {label(self.params)}"
            )
        return next(iter(self.params.values()))

    @property
    def score(self) -> float:
        """Lowest validation loss (the training loss without validation); NaN if none."""
        losses = self.history.get("val_loss") or self.history.get("loss") or []
        finite = [v for v in losses if math.isfinite(v)]
        return min(finite) if finite and self.error is None else math.nan

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (with ``name``/``value`` for a one-hyperparameter trial)."""
        record: dict[str, Any] = {}
        if len(self.params) == 1:
            record.update(name=self.name, value=self.value)
        record.update(
            params=self.params,
            seed=self.seed,
            index=self.index,
            score=None if math.isnan(self.score) else self.score,
            test=self.test,
            seconds=self.seconds,
            findings=self.findings,
            error=self.error,
            history=self.history,
        )
        return record


Builder = Callable[[Settings], Any]  # Settings -> a compiled model


@dataclass
class Network:
    """The tutorial's network sized to the data, as a picklable model builder.

    ``hidden_units`` then halves for ``layers`` Dense relu layers, BatchNormalization
    after the first, ``dropout`` after each; compiled with Adam at ``learning_rate``.
    """

    n_in: int
    n_out: int
    activation: str = "softmax"
    loss: str = "categorical_crossentropy"
    metrics: tuple[str, ...] = ("accuracy",)
    batch_norm: bool = True

    def __call__(self, settings: Settings) -> Any:
        import axon
        from axon.tabular.model import network

        model = network(
            self.n_in,
            self.n_out,
            self.activation,
            settings.hidden(),
            [settings.dropout],
            self.batch_norm,
        )
        model.compile(
            optimizer=axon.optimizers.Adam(learning_rate=settings.learning_rate),
            loss=self.loss,
            metrics=list(self.metrics),
        )
        return model


def _error(error: BaseException) -> str:
    """``ValueError: message`` first, then where it came from (the last frames)."""
    where = "".join(traceback.format_tb(error.__traceback__)[-3:]).rstrip()
    return f"{type(error).__name__}: {error}\n{where}"


def run_trial(
    point: Mapping[str, float],
    seed: int,
    data: Dataset,
    build: Builder,
    epochs: int,
    index: int = 0,
    cancel: threading.Event | None = None,
) -> Trial:
    """Train and score the model of ``point`` from ``seed``: the same numbers anywhere.

    It starts a fresh session (``axon.utils.clear_session``: layer names restart at
    ``dense``) and seeds axon's generator, so nothing depends on the process it runs
    in. A trial that raises is returned with ``error`` set. ``cancel`` (set by Ctrl-C in
    a serial sweep) stops training after the current batch and raises
    :class:`Cancelled`.
    """
    from axon import callbacks, diagnostics
    from axon.utils import clear_session, set_random_seed

    params = dict(point)
    started = time.perf_counter()
    with _ONE_AT_A_TIME:
        try:
            settings = Settings().with_values(params)
            # A fresh session: layer names from "dense" on, as in a new worker, so
            # findings that name a layer read the same in every process.
            clear_session()
            set_random_seed(seed)
            model = build(settings)
            monitor = diagnostics.TrainingMonitor()
            watch: list[Any] = [monitor]
            if cancel is not None:

                def stop(batch: int, logs: Any) -> None:
                    model.stop_training = model.stop_training or cancel.is_set()

                watch.append(callbacks.LambdaCallback(on_train_batch_end=stop))
            validation: dict[str, Any] = (
                {"validation_data": (data.x_val, data.y_val)}
                if data.x_val is not None
                else {"validation_split": data.validation_split}
            )
            history = model.fit(
                data.x_train,
                data.y_train,
                epochs=epochs,
                batch_size=settings.batch_size,
                callbacks=watch,
                verbose=0,
                **validation,
            )
            if cancel is not None and cancel.is_set():
                raise Cancelled(label(params))
            seconds = time.perf_counter() - started
            test = model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
            findings = [str(f) for f in diagnostics.diagnose(history, monitor)]
        except Cancelled:
            raise
        except Exception as error:  # a crash is this trial's result, not the sweep's
            seconds = time.perf_counter() - started
            return Trial(params, seed, {}, {}, seconds, [], _error(error), index)
    test = {k: float(v) for k, v in test.items()}
    logs = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    return Trial(params, seed, logs, test, seconds, findings, None, index)
