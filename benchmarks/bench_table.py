"""A million-row table, end to end (issue 9 item 7): each stage against its peers.

The table is made on the spot, deterministically (seed 0), in a temporary folder:
1,000,000 rows x 30 columns, 25 numeric (``x00``..``x24``, five of them with 2% of
gaps) and 5 text (``plan``: 3 values, ``region``: 7, ``channel``: 12 with 3% gaps,
``city``: 40 with 1% gaps, and the target ``churn``: yes / no, from a noisy logistic
teacher over ten numbers and two categories). About 220 MB of CSV.

Stages, each a median over ``--repeats`` runs in this process:

- ``pandas.read_csv`` alone (the C parser, defaults), then axon's ``read_table``
  (the same parser behind the checks that name a ragged line or a bad byte, with
  its progress bar);
- preprocessing: axon's ``Preprocessing.fit`` then ``transform`` of every row,
  against scikit-learn's ``ColumnTransformer`` (numbers: ``SimpleImputer(median,
  add_indicator=True)`` + ``StandardScaler``; text: ``SimpleImputer(most_frequent)``
  + ``OneHotEncoder(handle_unknown="ignore")``, and a ``MissingIndicator``), both
  ``fit_transform`` on all rows;
- one epoch over all rows at batch 256 of ``axon train``'s network (Dense 64 relu,
  BatchNormalization, Dropout 0.3, Dense 32 relu, Dropout 0.2, one sigmoid unit,
  Adam) against the same network in PyTorch fed the ColumnTransformer's matrix;
- the whole ``axon train TABLE --target churn --preset tutorial --epochs 1
  --batch-size 256`` (the tutorial's network, the one the peer trains) in a
  fresh process, and the peer pipeline (``read_csv``, ColumnTransformer, one
  PyTorch epoch) in another: wall time and peak resident memory (the child's
  ``VmHWM``), set against the float32 design matrix of all rows (rows x
  features x 4 bytes); axon's target is under 3x. ``pandas.read_csv`` alone, in a
  third process, shows what reading costs before anything else.

The machine is a shared 2-core VM: everything runs on one thread (BLAS through
``threadpoolctl`` and ``OPENBLAS_NUM_THREADS=1`` in the children, PyTorch through
``set_num_threads(1)``), since on the loaded machine OpenBLAS's second thread made a
1024 x 94 by 94 x 64 product take 5-10 ms instead of 0.65 ms. The table shows wall
times with the process's CPU time next to them, and the load average before and
after.

Usage: ``python benchmarks/bench_table.py [--rows 1000000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from common import format_seconds, peer, table

ROWS, BATCH = 1_000_000, 256
NUMERIC, GAPPY = 25, 5  # numeric columns; the first GAPPY have 2% gaps
TEXT = {"plan": 3, "region": 7, "channel": 12, "city": 40}  # column -> distinct values
TEXT_GAPS = {"channel": 0.03, "city": 0.01}
TARGET = "churn"
COLUMNS = ["stage", "axon", "peer", "axon / peer", "note"]
ONE_THREAD = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def one_thread() -> Any:
    """BLAS on one thread in this process (when threadpoolctl is installed)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("  (threadpoolctl is missing: BLAS keeps its threads)", file=sys.stderr)
        return contextlib.nullcontext()
    return threadpool_limits(1)


def make_csv(path: Path, rows: int = ROWS, seed: int = 0) -> None:
    """Write the benchmark's table to ``path``; the same bytes for the same seed."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    numbers = rng.normal(size=(rows, NUMERIC)).astype(np.float32)  # (rows, 25)
    numbers[:, :5] = numbers[:, :5] * 10 + 50  # columns on other scales
    logit = numbers[:, 5:15] @ rng.normal(size=10).astype(np.float32)  # (rows,)
    columns: dict[str, Any] = {f"x{i:02d}": numbers[:, i] for i in range(NUMERIC)}
    for name, distinct in TEXT.items():
        codes = rng.integers(0, distinct, rows)
        if name in ("plan", "region"):  # two categories that matter
            logit = logit + rng.normal(size=distinct)[codes]
        values = np.array([f"{name}_{k:02d}" for k in range(distinct)], dtype=object)
        columns[name] = values[codes]
    noisy = logit + rng.logistic(size=rows)
    columns[TARGET] = np.where(noisy > np.median(noisy), "yes", "no")
    frame = pd.DataFrame(columns)
    for i in range(GAPPY):
        frame.loc[rng.random(rows) < 0.02, f"x{i:02d}"] = np.nan
    for name, share in TEXT_GAPS.items():
        frame.loc[rng.random(rows) < share, name] = None
    frame.to_csv(path, index=False, float_format="%.5g")


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of ``fn()`` over ``repeats`` runs, and the last
    run's result (no warm-up: each run takes seconds)."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus), result


def axon_prepare(frame: Any) -> tuple[np.ndarray, np.ndarray]:
    """axon's preprocessing fitted on every row, then every row transformed."""
    from axon.tabular import Preprocessing, Target

    prep = Preprocessing.fit(frame, TARGET)
    x = prep.transform(frame, expected=[TARGET])
    target = Target.fit(TARGET, frame[TARGET])
    return x, target.encode(frame[TARGET])


def sklearn_prepare(frame: Any) -> tuple[np.ndarray, np.ndarray]:
    """The same columns through scikit-learn's ColumnTransformer, as float32."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import MissingIndicator, SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [f"x{i:02d}" for i in range(NUMERIC)]
    text = list(TEXT)
    transformer = ColumnTransformer(
        [
            (
                "numbers",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True),
                    StandardScaler(),
                ),
                numeric,
            ),
            (
                "text",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(
                        handle_unknown="ignore", sparse_output=False, dtype=np.float32
                    ),
                ),
                text,
            ),
            ("gaps", MissingIndicator(), text),
        ],
        sparse_threshold=0.0,
    )
    # The text columns as object arrays: SimpleImputer refuses pandas' str dtype.
    columns = frame[numeric + text].astype({name: object for name in text})
    x = transformer.fit_transform(columns).astype(np.float32)
    y = (frame[TARGET].to_numpy() == "yes").astype(np.float32).reshape(-1, 1)
    return x, y


def axon_epoch(x: np.ndarray, y: np.ndarray, repeats: int) -> tuple[float, float]:
    """One epoch of ``axon train``'s network over every row."""
    import axon
    from axon.tabular.model import network

    axon.utils.set_random_seed(0)
    model = network(x.shape[1], 1, "sigmoid")
    model.compile(
        optimizer=axon.optimizers.Adam(learning_rate=0.001),
        loss="binary_crossentropy",
    )
    wall, cpu, _ = timed(
        lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0), repeats
    )
    return wall, cpu


def pytorch_epoch(
    x: np.ndarray, y: np.ndarray, repeats: int
) -> tuple[float, float] | None:
    """One epoch of the same network in PyTorch (a hand-written loop)."""
    from common import torch_epoch

    torch = peer("torch")
    if torch is None:
        return None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    nn = torch.nn
    net = nn.Sequential(
        nn.Linear(x.shape[1], 64),
        nn.ReLU(),
        nn.BatchNorm1d(64, momentum=0.01, eps=1e-3),  # Keras's 0.99 and 1e-3
        nn.Dropout(0.3),
        nn.Linear(64, 32),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(32, 1),
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss = nn.BCEWithLogitsLoss()
    wall, cpu, _ = timed(
        lambda: torch_epoch(torch, net, opt, loss, xt, yt, BATCH), repeats
    )
    return wall, cpu


# Put before a child's code: at exit it reports its peak resident memory (VmHWM, its
# own; a child's ru_maxrss on Linux would include its parent's size at the fork).
PEAK_PRELUDE = """
import atexit, sys
def _peak():
    with open("/proc/self/status") as status:
        line = next(ln for ln in status if ln.startswith("VmHWM:"))
    print("peak-bytes", int(line.split()[1]) * 1024, file=sys.stderr)
atexit.register(_peak)
"""


def peak_rss(code: str, cwd: Path) -> tuple[int, float, str]:
    """(peak resident bytes, wall seconds, standard error) of ``code`` run by a fresh
    Python process (Linux: the peak is read from ``/proc``)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_PRELUDE + code],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **ONE_THREAD},
    )
    wall = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(
            f"the child failed ({done.returncode}): {done.stderr[-2000:]}"
        )
    peak = int(done.stderr.rsplit("peak-bytes ", 1)[1].split()[0])
    return peak, wall, done.stderr


PEER_CHILD = """
import sys
sys.path.insert(0, {here!r})
import pandas as pd
import bench_table
frame = pd.read_csv({path!r})
x, y = bench_table.sklearn_prepare(frame)
del frame
bench_table.pytorch_epoch(x, y, 1)
"""


def stage_times(
    path: Path, repeats: int
) -> tuple[dict[str, tuple[float, float] | None], int, int | None]:
    """Each stage's (wall, CPU) medians in this process, and the feature counts."""
    import pandas as pd

    from axon.tabular import read_table

    times: dict[str, tuple[float, float] | None] = {}
    wall, cpu, _ = timed(lambda: pd.read_csv(path), repeats)
    times["pandas read"] = wall, cpu
    wall, cpu, frame = timed(lambda: read_table(path, progress=True), repeats)
    times["axon read"] = wall, cpu
    wall, cpu, (x, y) = timed(lambda: axon_prepare(frame), repeats)
    times["axon prepare"] = wall, cpu
    times["axon epoch"] = axon_epoch(x, y, repeats)
    features = x.shape[1]
    x = y = np.empty(0)  # free them before the peers' copies
    times["sklearn prepare"] = times["torch epoch"] = None
    sk_features = None
    if peer("sklearn") is not None:
        wall, cpu, (x, y) = timed(lambda: sklearn_prepare(frame), repeats)
        times["sklearn prepare"] = wall, cpu
        sk_features = x.shape[1]
        frame = None
        times["torch epoch"] = pytorch_epoch(x, y, repeats)
    return times, features, sk_features


def process_peaks(path: Path, folder: Path, with_peer: bool) -> dict[str, Any]:
    """Peak memory and wall time of ``axon train``, of ``pandas.read_csv`` alone and
    of the peer pipeline, each in a fresh process."""
    # The network the peer trains: the defaults chosen from a table (issue 13) are
    # wider and refit, which is more work, not the same work done slower.
    argv = ["train", str(path), "--target", TARGET, "--preset", "tutorial"]
    argv += ["--epochs", "1"]
    argv += ["--batch-size", str(BATCH), "--verbose", "1"]
    argv += ["--output", str(folder / "run")]
    train = f"from axon.cli import main; raise SystemExit(main({argv!r}))"
    peak, wall, err = peak_rss(train, folder)
    found: dict[str, Any] = {
        "axon": (peak, wall),
        "progress": f"Reading {path.name}" in err,
        "timings": json.loads((folder / "run" / "history.json").read_text())["timings"],
    }
    read = f"import pandas; pandas.read_csv({str(path)!r})"
    found["pandas"] = peak_rss(read, folder)[:2]
    found["peer"] = None
    if with_peer:
        here = str(Path(__file__).resolve().parent)
        child = PEER_CHILD.format(here=here, path=str(path))
        found["peer"] = peak_rss(child, folder)[:2]
    return found


def run(repeats: int, rows: int = ROWS) -> list[dict[str, Any]]:
    """The benchmark's rows for ``run_all.py`` (and this script's own table)."""
    folder = Path(tempfile.mkdtemp(prefix="axon-bench-table-"))
    try:
        path = folder / "table.csv"
        started = time.perf_counter()
        make_csv(path, rows)
        print(
            f"  wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        with one_thread():
            times, features, sk_features = stage_times(path, repeats)
        peaks = process_peaks(path, folder, times["torch epoch"] is not None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _rows(times, features, sk_features, peaks, rows)


def _seconds(pair: tuple[float, float] | None) -> str:
    if pair is None:
        return "(skipped)"
    return f"{format_seconds(pair[0])} (CPU {format_seconds(pair[1])})"


def _ratio(mine: tuple[float, float] | None, theirs: tuple[float, float] | None) -> Any:
    return "" if mine is None or theirs is None else mine[0] / theirs[0]


def _rows(
    times: dict[str, tuple[float, float] | None],
    features: int,
    sk_features: int | None,
    peaks: dict[str, Any],
    rows: int,
) -> list[dict[str, Any]]:
    mib, design = 2**20, rows * features * 4
    axon_peak, axon_wall = peaks["axon"]
    pandas_peak = peaks["pandas"][0]
    peer_peak, peer_wall = peaks["peer"] or (None, None)
    return [
        {
            "stage": "read the CSV",
            "axon": _seconds(times["axon read"]),
            "peer": "pandas.read_csv " + _seconds(times["pandas read"]),
            "axon / peer": _ratio(times["axon read"], times["pandas read"]),
            "note": "the same parser, behind axon's checks; progress bar "
            + ("shown" if peaks["progress"] else "not shown (under 32 MiB)"),
        },
        {
            "stage": f"preprocess: fit + transform, {rows:,} rows",
            "axon": _seconds(times["axon prepare"]),
            "peer": "ColumnTransformer " + _seconds(times["sklearn prepare"]),
            "axon / peer": _ratio(times["axon prepare"], times["sklearn prepare"]),
            "note": f"{features} features (scikit-learn: {sk_features})",
        },
        {
            "stage": f"one epoch, batch {BATCH}",
            "axon": _seconds(times["axon epoch"]),
            "peer": "PyTorch " + _seconds(times["torch epoch"]),
            "axon / peer": _ratio(times["axon epoch"], times["torch epoch"]),
            "note": "Dense 64 relu, BatchNorm, Dropout, Dense 32 relu, Dropout, "
            "sigmoid; Adam",
        },
        {
            "stage": "whole run, fresh process",
            "axon": f"`axon train` {format_seconds(axon_wall)}",
            "peer": ""
            if peer_wall is None
            else f"read_csv + ColumnTransformer + PyTorch {format_seconds(peer_wall)}",
            "axon / peer": "" if peer_wall is None else axon_wall / peer_wall,
            "note": "axon: read {read:.1f} s, prepare {prepare:.1f} s, train "
            "{train:.1f} s (1 epoch), score {score:.1f} s; then the report "
            "and the model file".format(**peaks["timings"]),
        },
        {
            "stage": "peak resident memory, same runs",
            "axon": f"{axon_peak / mib:,.0f} MiB ({axon_peak / design:.2f}x)",
            "peer": ""
            if peer_peak is None
            else f"{peer_peak / mib:,.0f} MiB ({peer_peak / design:.2f}x)",
            "axon / peer": "" if peer_peak is None else axon_peak / peer_peak,
            "note": f"x: the float32 design matrix, {design / mib:,.0f} MiB "
            f"({rows:,} x {features} x 4 B); pandas.read_csv alone "
            f"{pandas_peak / mib:,.0f} MiB ({pandas_peak / design:.2f}x)",
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    load = os.getloadavg()
    rows = run(args.repeats, args.rows)
    print(f"load average before: {load[0]:.2f}, after: {os.getloadavg()[0]:.2f}")
    print(table(rows, COLUMNS))


if __name__ == "__main__":
    main()
