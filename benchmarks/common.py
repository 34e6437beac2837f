"""Shared helpers: timing with medians, machine facts, peers that may be missing."""

from __future__ import annotations

import importlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def median_time(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs, after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# Threads for PyTorch (BLAS reads the environment itself): 0 is every core.
# run_all --threads sets it; a script run alone takes OMP_NUM_THREADS, so that
# ``OMP_NUM_THREADS=1 python bench_large.py`` gives PyTorch one thread as NumPy's BLAS
# gets (before, PyTorch took both cores there and its row was not comparable).
THREADS = [int(os.environ.get("OMP_NUM_THREADS", "0") or 0)]


def interleaved(
    fns: dict[str, Callable[[], Any]], repeats: int, warmup: int = 1
) -> dict[str, float]:
    """Median wall time of each function, the runs taking turns.

    On a shared machine the load drifts over seconds: alternating the functions
    makes the drift hit them alike, so their ratio holds better than their times.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def peer(name: str) -> Any | None:
    """Import a peer framework, or print why it is skipped and return None."""
    if name == "keras":
        os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        print(f"  (skipping {name}: {error}; pip install -e '.[bench]')")
        return None
    if name == "torch":
        module.set_num_threads(THREADS[0] or os.cpu_count() or 1)
    return module


def ratio_rows(
    times: dict[str, float | None], base: str = "axon"
) -> list[dict[str, Any]]:
    """A row per framework that ran: its time, and ``base``'s time over it."""
    reference = times[base]
    assert reference is not None, f"{base} must have run"
    return [
        {
            "framework": name,
            "time": format_seconds(seconds),
            "seconds": seconds,
            "axon / peer": reference / seconds,
        }
        for name, seconds in times.items()
        if seconds is not None
    ]


def torch_epoch(
    torch: Any, net: Any, opt: Any, loss_fn: Any, x: Any, y: Any, batch: int
) -> None:
    """One shuffled epoch of the hand-written PyTorch loop every benchmark uses."""
    order = torch.randperm(len(x))
    for start in range(0, len(x), batch):
        rows = order[start : start + batch]
        opt.zero_grad()
        loss = loss_fn(net(x[rows]), y[rows])
        loss.backward()
        opt.step()


def machine() -> str:
    """One paragraph on the machine, BLAS and versions, for the results file."""
    lines = [
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"
    ]
    cpu = ""
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in handle if "model name" in ln), ""
            )
    except OSError:
        pass
    if cpu:
        lines.append(f"cpu: {cpu}")
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                lines.append(
                    f"blas: {pool.get('internal_api')} {pool.get('version')} "
                    f"({pool.get('architecture')}, {pool.get('num_threads')} threads) "
                    f"for {os.path.basename(pool.get('filepath', ''))}"
                )
    except ImportError:
        lines.append("blas: (install threadpoolctl to report it)")
    for name in ("torch", "keras", "sklearn"):
        module = sys.modules.get(name)
        if module is not None:
            lines.append(f"{name} {module.__version__}")
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    lines.append(
        f"OPENBLAS_CORETYPE={coretype}" if coretype else "OPENBLAS_CORETYPE unset"
    )
    return "\n".join(lines)


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A Markdown table of ``rows`` (dicts) with ``columns``."""

    def cell(value: Any) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += [
        "| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows
    ]
    return "\n".join(out)


def format_seconds(seconds: float) -> str:
    """``12.3 µs``, ``4.56 ms`` or ``1.23 s``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"
