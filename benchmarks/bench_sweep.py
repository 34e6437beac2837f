"""A sweep of 8 trials: one after another here, against 2 Dask workers (LocalCluster).

The cluster is started once, outside the timing (its start-up is reported on its
own row); the data are the same 4,000 x 20 table for every trial; each trial trains
the tutorial's network for 20 epochs. Times are medians over ``repeats`` sweeps.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np
from common import format_seconds, table

from axon import sweep

SPACE = {"learning_rate": [1e-3, 1e-2], "hidden_units": [32, 64], "dropout": [0.0, 0.2]}
EPOCHS = 20
COLUMNS = ["run", "time", "/ serial", "note"]


def data() -> tuple[sweep.Dataset, sweep.Network]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5000, 20)).astype(np.float32)
    labels = (x[:, :3].sum(axis=1) > 0).astype(int) + (x[:, 3] > 1)
    y = np.eye(3, dtype=np.float32)[labels]
    rows = sweep.Dataset(
        x[:3200], y[:3200], x[4000:], y[4000:], x[3200:4000], y[3200:4000]
    )
    return rows, sweep.Network(20, 3)


def timed(client: Any, repeats: int) -> tuple[float, list[Any]]:
    rows, build = data()
    times, trials = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        trials = sweep.run(SPACE, data=rows, build=build, epochs=EPOCHS, client=client)
        times.append(time.perf_counter() - start)
    assert len(trials) == 8 and all(t.error is None for t in trials)
    return statistics.median(times), trials


def run(repeats: int) -> list[dict[str, object]]:
    import distributed
    from threadpoolctl import threadpool_limits

    serial, here = timed(None, repeats)
    # The workers run BLAS on one thread each. On a machine other jobs keep busy, a
    # process with more threads gets more of the cores (the kernel shares them per
    # thread), so the baseline is also measured with BLAS on one thread.
    with threadpool_limits(1):
        one_thread, _ = timed(None, repeats)
    start = time.perf_counter()
    with sweep.local_cluster(2) as cluster, distributed.Client(cluster) as client:
        startup = time.perf_counter() - start
        timed(client, 1)  # the workers import axon and receive the data once
        on_cluster, there = timed(client, repeats)
    same = all(
        a.history == b.history and a.test == b.test
        for a, b in zip(here, there, strict=True)
    )
    return [
        {
            "run": "8 trials, one after another",
            "time": format_seconds(serial),
            "/ serial": 1.0,
        },
        {
            "run": "8 trials, one after another, BLAS on one thread",
            "time": format_seconds(one_thread),
            "/ serial": one_thread / serial,
        },
        {
            "run": "8 trials, 2 workers",
            "time": format_seconds(on_cluster),
            "/ serial": on_cluster / serial,
            "note": f"same numbers as serial: {same}; "
            f"{on_cluster / one_thread:.3g} of the one-thread serial time",
        },
        {
            "run": "starting the 2-worker cluster",
            "time": format_seconds(startup),
            "/ serial": startup / serial,
        },
    ]


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    print(table(run(parser.parse_args().repeats), COLUMNS))
