"""Running the trials: one after another here, or one per task on a Dask cluster.

The data go to the workers once (``client.scatter``, a copy on every worker so a
lost worker loses no data), then each trial is one task, :func:`run_trial`, whose
numbers depend only on its point, seed and data: a cluster gives the numbers one
core gives. Results come back as trials finish; a crashed trial is recorded with its
error; Ctrl-C cancels what is pending and keeps what finished; a worker that dies
has its trial run again elsewhere (the scheduler does that).
"""

from __future__ import annotations

import contextlib
import math
import re
import signal
import statistics
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from axon.sweep.space import Point, check_values, grid
from axon.sweep.trial import Builder, Dataset, Trial, _error, run_trial

BLAS_ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


class SchedulerUnreachable(ConnectionError):
    """No Dask scheduler answered at the address within the timeout."""


class Trials(list[Trial]):
    """The finished trials in sweep order; ``interrupted`` if Ctrl-C stopped the sweep.

    ``total`` is how many trials were planned.
    """

    interrupted: bool = False
    total: int = 0


def distributed() -> Any:
    """The ``distributed`` package, or an ImportError saying what to install."""
    try:
        import distributed as module
    except ImportError:
        raise ImportError(
            "Sweeps on a Dask cluster need dask.distributed: pip install 'axon[dask]'"
        ) from None
    return module


def local_cluster(workers: int) -> Any:
    """A ``distributed.LocalCluster`` of ``workers`` processes, one thread each.

    BLAS is pinned to one thread per worker through environment variables
    (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``) that each
    nanny sets before it spawns its worker process, restarts included (Dask's
    ``distributed.nanny.pre-spawn-environ``): BLAS reads them when NumPy loads, which
    is before a nanny's ``env=`` would reach them. Two workers then use two cores,
    not four threads on two.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"Expected a positive integer. Received: workers={workers!r}")
    module = distributed()
    import dask

    environ = dask.config.get("distributed.nanny.pre-spawn-environ", {})
    with (
        dask.config.set(
            {"distributed.nanny.pre-spawn-environ": {**environ, **BLAS_ONE_THREAD}}
        ),
        _workers_ignore_ctrl_c(),
    ):
        return module.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # Its health and metrics pages on any free local port: a fixed one (8787)
            # clashes with a second cluster on the same machine.
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Ignore SIGINT while the workers start, so they inherit that and live on.

    Ctrl-C on a terminal reaches the whole process group: the workers would each
    print a traceback while this process cancels the sweep and closes them itself.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


ADDRESS = re.compile(r"^(tcp|tls|ws|wss)://[^\s/:]+:\d{1,5}$")


def connect(address: str, timeout: float = 5.0) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address`` (``tcp://HOST:PORT``).

    Raises :class:`SchedulerUnreachable` after ``timeout`` seconds when nothing
    answers there, rather than waiting for ever.
    """
    if not isinstance(address, str) or not ADDRESS.match(address):
        raise ValueError(
            "Expected a scheduler address such as tcp://HOST:PORT. "
            f"Received: {address!r}"
        )
    module = distributed()
    try:
        return module.Client(address, timeout=timeout)
    except (OSError, TimeoutError) as error:
        raise SchedulerUnreachable(
            f"No Dask scheduler answered at {address} within {timeout:g} s "
            f"({error}); start one there (dask scheduler) or check the address"
        ) from None


def _points(
    name: str | Mapping[str, Sequence[float]] | Sequence[Point],
    values: Sequence[float] | None,
) -> list[Point]:
    if isinstance(name, str):
        return [{name: v} for v in check_values(name, values)]
    if isinstance(name, Mapping):
        return grid(name)
    points = [dict(p) for p in name]
    if not points:
        raise ValueError("Expected at least one point to try. Received: none")
    for point in points:
        for key, value in point.items():
            check_values(key, [value])
    return points


def run(
    name: str | Mapping[str, Sequence[float]] | Sequence[Point],
    values: Sequence[float] | None = None,
    data: Any = None,
    build: Builder | None = None,
    epochs: int = 60,
    seed: int = 0,
    validation_split: float = 0.2,
    report: Callable[[Trial], None] | None = None,
    *,
    repeats: int = 1,
    client: Any = None,
) -> Trials:
    """Train one model per point and seed; ``report(trial)`` is called as each ends.

    Parameters
    ----------
    name : str, mapping or list of dicts
        One hyperparameter of the table (tried at ``values``, the table's by
        default), a grid ``{name: values}`` (every combination), or the points
        themselves (from :func:`axon.sweep.sample`).
    data : tuple or Dataset
        ``(x_train, x_test, y_train, y_test)`` (validating on the last
        ``validation_split`` of the training rows), or a :class:`Dataset`.
    build : callable
        Settings -> a compiled model (:class:`axon.sweep.Network` is one).
    repeats : int
        Seeds per point: ``seed``, ``seed + 1``, ... Every point starts from the same
        seeds, so points differ only by their values.
    client : distributed.Client, optional
        Run the trials on that Dask cluster; without, one after another here.

    Returns
    -------
    Trials
        The finished trials in sweep order (point by point, seed by seed).
    """
    points = _points(name, values)  # all checked before the first trial
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"Expected a positive integer. Received: repeats={repeats!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"Expected a positive integer. Received: epochs={epochs!r}")
    if build is None:
        raise TypeError("Expected build, a function from Settings to a compiled model")
    dataset = Dataset.of(data, validation_split)
    plan = [
        (i * repeats + k, point, seed + k)
        for i, point in enumerate(points)
        for k in range(repeats)
    ]
    done = Trials()
    done.total = len(plan)

    def finished(trial: Trial) -> None:
        done.append(trial)
        if report is not None:
            report(trial)

    try:
        if client is None:
            _serial(plan, dataset, build, epochs, finished)
        else:
            _on_cluster(client, plan, dataset, build, epochs, finished, done)
    except KeyboardInterrupt:
        done.interrupted = True
    done.sort(key=lambda t: t.index)
    return done


def _serial(
    plan: list[tuple[int, Point, int]],
    data: Dataset,
    build: Builder,
    epochs: int,
    finished: Callable[[Trial], None],
) -> None:
    # Each trial runs in a thread so that Ctrl-C reaches this loop (fit would turn it
    # into a quiet early stop) and the trial can be told to stop after its batch.
    cancel = threading.Event()
    for index, point, seed in plan:
        box: list[Trial | BaseException] = []

        def work(
            point: Point = point,
            seed: int = seed,
            index: int = index,
            box: list[Trial | BaseException] = box,
        ) -> None:
            try:
                box.append(run_trial(point, seed, data, build, epochs, index, cancel))
            except BaseException as error:  # handed to the loop, never lost
                box.append(error)

        thread = threading.Thread(target=work, name=f"axon-trial-{index}")
        thread.start()
        try:
            while thread.is_alive():
                thread.join(0.1)
        except KeyboardInterrupt:
            cancel.set()
            thread.join()
            raise
        (outcome,) = box
        if isinstance(outcome, BaseException):
            raise outcome
        finished(outcome)


def _on_cluster(
    client: Any,
    plan: list[tuple[int, Point, int]],
    data: Dataset,
    build: Builder,
    epochs: int,
    finished: Callable[[Trial], None],
    done: Trials,
) -> None:
    module = distributed()
    [shared] = client.scatter([data], broadcast=True, hash=False)
    futures = {
        client.submit(
            run_trial, point, seed, shared, build, epochs, index, pure=False
        ): (index, point, seed)
        for index, point, seed in plan
    }
    pending = set(futures)
    try:
        for future in module.as_completed(list(futures)):
            pending.discard(future)
            index, point, seed = futures[future]
            try:
                trial = future.result()
            except Exception as error:  # e.g. KilledWorker: it died too often
                trial = Trial(point, seed, {}, {}, 0.0, [], _error(error), index)
            finished(trial)
    except BaseException:  # Ctrl-C, or a report that failed: stop what is pending
        client.cancel(list(pending))
        raise
    finally:
        client.cancel([shared])


@dataclass
class PointSummary:
    """A point's trials summed up: mean and spread of the score and test scores."""

    params: Point
    trials: list[Trial] = field(default_factory=list)

    @property
    def scores(self) -> list[float]:
        return [t.score for t in self.trials if not math.isnan(t.score)]

    @property
    def failed(self) -> int:
        return sum(t.error is not None for t in self.trials)

    @property
    def mean(self) -> float:
        """Mean score over the seeds that finished; NaN when none did."""
        return statistics.fmean(self.scores) if self.scores else math.nan

    @property
    def spread(self) -> float:
        """Standard deviation of the score over the seeds (0 with one seed)."""
        return statistics.stdev(self.scores) if len(self.scores) > 1 else 0.0

    def test(self) -> dict[str, tuple[float, float]]:
        """Each test score's mean and standard deviation over the seeds."""
        names = sorted({k for t in self.trials if t.error is None for k in t.test})
        out = {}
        for key in names:
            values = [t.test[key] for t in self.trials if key in t.test]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            out[key] = (statistics.fmean(values), spread)
        return out


def summarise(trials: Sequence[Trial]) -> list[PointSummary]:
    """One summary per point, best (lowest mean validation loss) first."""
    points: dict[tuple[tuple[str, float], ...], PointSummary] = {}
    for trial in sorted(trials, key=lambda t: t.index):
        key = tuple(trial.params.items())
        points.setdefault(key, PointSummary(dict(trial.params))).trials.append(trial)
    return sorted(
        points.values(), key=lambda p: (math.isnan(p.mean), p.mean if p.scores else 0)
    )
