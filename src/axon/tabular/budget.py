"""``axon train DATA --target COL --budget SECONDS``: a small search before the run.

Successive halving (Jamieson & Talwalkar 2016) over the learning rate, the width of
the hidden layer and the Dropout rate: every candidate trains a few epochs, the
best third (lowest validation loss) trains three times as many, and so on until one
is left or the time is spent; the run then trains the winner with
:func:`~axon.tabular.auto.fit_auto` (early stopping, then the refit), its values
reported as chosen by the search. Each candidate is a ``fit_auto`` without refit on
the same split (same ``seed``), so their validation losses compare. With a
``client`` (a ``distributed.Client``: ``axon.sweep.local_cluster`` or
``axon.sweep.connect`` make one) each round's candidates train on the Dask cluster,
the table sent once, and a round out of time cancels what has not finished.
"""

from __future__ import annotations

import itertools
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from axon.tabular.datasets import BUILTIN
from axon.tabular.defaults import Choice
from axon.tabular.model import as_frame

SPACE: dict[str, list[Any]] = {
    "learning_rate": [0.001, 0.003, 0.01],
    "hidden": [[64], [128], [256], [512]],
    "dropout": [[0.0], [0.1], [0.2], [0.3], [0.5]],
}
FIRST_EPOCHS = 10  # each rung trains three times as many
START = 27  # candidates in the first round, then 9 and 3: the best of those wins
VALIDATION = 0.2  # the share of the training rows that scores each candidate


def _label(point: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{k.replace('_', ' ')} {Choice(v, '').text()}" for k, v in point.items()
    )


@contextmanager
def cluster(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client for the search: a local cluster, a scheduler's, or None (here).

    Made by :mod:`axon.sweep`'s ``local_cluster`` and ``connect``, and closed after.
    """
    if scheduler is None and workers is None:
        yield None
        return
    from axon import sweep

    if scheduler is not None:
        with sweep.connect(scheduler) as client:
            print(f"Searching on the Dask cluster at {scheduler}")
            yield client
        return
    assert workers is not None
    with sweep.local_cluster(workers) as local, local.get_client() as client:
        print(f"Searching on a local Dask cluster of {workers} workers")
        yield client


def trial(
    frame: Any, target: str | None, source: str, seed: int | None, settings: Any
) -> float:
    """One candidate's lowest validation loss (a pure function: Dask runs it)."""
    from axon.tabular.auto import _named, fit_auto

    with _named(source), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the run itself says them once
        model = fit_auto(frame, target, seed=seed, verbose=0, **settings)
    losses = model.history.history.get("val_loss") or model.history.history["loss"]
    return float(np.min(losses))


def _round(
    run: Callable[[dict[str, Any]], Any],
    points: list[dict[str, Any]],
    out_of_time: Callable[[], bool],
    client: Any,
) -> list[tuple[float, dict[str, Any]]]:
    """(loss, point) for the points tried before the time ran out (one at least)."""
    tried: list[tuple[float, dict[str, Any]]] = []
    if client is None:
        for point in points:
            if out_of_time() and tried:
                break
            tried.append((run(point), point))
        return tried
    from axon.sweep.runner import distributed

    futures = {run(point): i for i, point in enumerate(points)}
    for future in distributed().as_completed(list(futures)):
        tried.append((float(future.result()), points[futures[future]]))
        if out_of_time():
            client.cancel(list(futures))
            break
    return sorted(tried, key=lambda t: points.index(t[1]))


def search(
    data: Any,
    target: str | None,
    seconds: float,
    *,
    seed: int | None = 0,
    progress: Callable[[str], None] = print,
    client: Any = None,
    **options: Any,
) -> dict[str, Choice]:
    """The best settings found within ``seconds``, as Choices from ``"search"``.

    ``options`` go to every :func:`~axon.tabular.auto.fit_auto` call (``task``,
    ``drop``, ``test_size``, ``class_weight`` and any given setting, which the
    search then leaves as it is).
    """
    if not seconds > 0:
        raise ValueError(f"Expected a positive number. Received: seconds={seconds}")
    frame, source = as_frame(data)
    if target is None and isinstance(data, str) and data in BUILTIN:
        target = "target"
    space = {k: v for k, v in SPACE.items() if options.get(k) is None}
    if not space:
        return {}
    points = [
        dict(zip(space, values, strict=True))
        for values in itertools.product(*space.values())
    ]
    order = np.random.default_rng(seed).permutation(len(points))[:START]
    alive = [points[i] for i in order]
    started, epochs, rung = time.perf_counter(), FIRST_EPOCHS, 0
    best: tuple[float, dict[str, Any]] | None = None
    table = frame if client is None else client.scatter(frame, broadcast=True)

    def out_of_time() -> bool:
        return time.perf_counter() - started > seconds

    while alive:
        rung += 1
        # Candidates compare on validation rows: a small classification table's
        # defaults hold none (axon.tabular.defaults.SMALL_ROWS), the search does.
        split = options.get("validation_split")
        rest = {
            **options,
            "epochs": epochs,
            "refit": False,
            "validation_split": VALIDATION if split is None else split,
        }

        def run(point: dict[str, Any], rest: dict[str, Any] = rest) -> Any:
            settings = {**rest, **point}
            if client is None:
                return trial(table, target, source, seed, settings)
            return client.submit(
                trial, table, target, source, seed, settings, pure=False
            )

        tried = _round(run, alive, out_of_time, client)
        tried.sort(key=lambda t: t[0])
        if tried:
            best = tried[0]
        spent = time.perf_counter() - started
        progress(
            f"Search, round {rung}: {len(tried)} of {len(alive)} setting(s) x "
            f"{epochs} epochs; best {_label(tried[0][1]) if tried else '-'} "
            f"(validation loss {tried[0][0]:.4f}) after {spent:.1f} of {seconds:g} s"
        )
        keep = len(tried) // 3
        if len(tried) < len(alive) or keep <= 1 or spent > seconds:
            break  # out of time, or the next round would hold one: it has won
        alive = [point for _, point in tried[:keep]]
        epochs *= 3
    assert best is not None
    loss, point = best
    why = f"best of the --budget search (validation loss {loss:.4f} in round {rung})"
    return {name: Choice(value, why, "search") for name, value in point.items()}
