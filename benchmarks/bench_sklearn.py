"""axon.sklearn against scikit-learn's MLPs, at equal settings, on five tables.

For each data set and solver, both estimators get the same arguments (scikit-learn's
defaults: hidden (100,), relu, alpha 1e-4, batch min(200, n), tol 1e-4 with 10
epochs of patience, max_iter 200; on the 50,000-row table max_iter 50 for Adam), the
same standardised training rows (75%, stratified for classes) and the same seed,
five seeds in all. The table shows the median fit time of each, the speed-up
(scikit-learn's time over axon's), the median test accuracy (R2 for diabetes,
whose target is standardised too) and the median number of epochs or iterations
each ran: the stopping rule is the same, the path to it is not.

Times are CPU time of the process (``time.process_time``), BLAS on one thread for
both (``threadpoolctl``): the machine is shared with other jobs, so wall time
measures their load as much as the fit (OpenBLAS's spinning threads on a loaded
2-core machine made one scikit-learn fit take 43 s instead of 2.5 s); with one
BLAS thread on an idle machine, wall time is the CPU time. Fits alternate
(scikit-learn, axon, next seed) so that drifts in the load fall on both. On the
four small tables a fit takes milliseconds, so each seed's pair is fitted
``--repeats`` times (5), alternating, and the seed's time is the median of its
fits; every repeat of a seed gives the same model, so scores and epochs are one
fit's. The load average is printed with each row.

Usage: ``python benchmarks/bench_sklearn.py [--seeds 5] [--repeats 5]
[--only digits,wine] [--solvers lbfgs]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from common import format_seconds, table

SEEDS = 5
REPEATS = 5
"""Fits per seed and estimator on tables under 10,000 rows (one above)."""
COLUMNS = [
    "data",
    "solver",
    "scikit-learn",
    "axon",
    "speed-up",
    "score sklearn",
    "score axon",
    "epochs sklearn / axon",
    "load",
]


def datasets() -> dict[str, Callable[[], tuple[np.ndarray, np.ndarray, bool]]]:
    """Name -> loader of ``(X, y, is_classification)``."""
    from sklearn import datasets as sk

    def synthetic() -> tuple[np.ndarray, np.ndarray, bool]:
        X, y = sk.make_classification(
            n_samples=50_000,
            n_features=40,
            n_informative=20,
            n_classes=2,
            random_state=0,
        )
        return X, y, True

    def diabetes() -> tuple[np.ndarray, np.ndarray, bool]:
        X, y = sk.load_diabetes(return_X_y=True)
        return X, (y - y.mean()) / y.std(), False

    return {
        "digits (1,797 x 64, 10 classes)": lambda: (
            *sk.load_digits(return_X_y=True),
            True,
        ),
        "breast cancer (569 x 30)": lambda: (
            *sk.load_breast_cancer(return_X_y=True),
            True,
        ),
        "wine (178 x 13, 3 classes)": lambda: (*sk.load_wine(return_X_y=True), True),
        "diabetes (442 x 10, regression)": diabetes,
        "synthetic (50,000 x 40)": synthetic,
    }


def compare(
    X: np.ndarray,
    y: np.ndarray,
    classify: bool,
    params: dict[str, Any],
    seeds: int,
    repeats: int = 1,
) -> dict[str, Any]:
    """Fit both estimators ``repeats`` times a seed; medians over the seeds.

    A seed's time is the median of its ``repeats`` fits; its score and epochs
    are its last fit's (each repeat is the same fit).
    """
    from sklearn import neural_network
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    import axon.sklearn

    name = "MLPClassifier" if classify else "MLPRegressor"
    makers = {
        "sklearn": getattr(neural_network, name),
        "axon": getattr(axon.sklearn, name),
    }
    times: dict[str, list[float]] = {k: [] for k in makers}
    scores: dict[str, list[float]] = {k: [] for k in makers}
    epochs: dict[str, list[int]] = {k: [] for k in makers}
    for seed in range(seeds):
        x_train, x_test, y_train, y_test = train_test_split(
            X, y, test_size=0.25, random_state=seed, stratify=y if classify else None
        )
        scaler = StandardScaler().fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
        fits: dict[str, list[float]] = {k: [] for k in makers}
        for _ in range(repeats):
            for key, make in makers.items():
                model = make(random_state=seed, **params)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    start = time.process_time()
                    model.fit(x_train, y_train)
                    fits[key].append(time.process_time() - start)
                if len(fits[key]) == repeats:
                    times[key].append(statistics.median(fits[key]))
                    scores[key].append(float(model.score(x_test, y_test)))
                    epochs[key].append(int(model.n_iter_))
    return {
        "times": {k: statistics.median(v) for k, v in times.items()},
        "scores": {k: statistics.median(v) for k, v in scores.items()},
        "epochs": {k: statistics.median(v) for k, v in epochs.items()},
    }


def run(
    seeds: int = SEEDS,
    only: list[str] | None = None,
    solvers: tuple[str, ...] = ("adam", "lbfgs"),
    repeats: int = REPEATS,
) -> list[dict[str, Any]]:
    # Import every library first: threadpoolctl limits only the BLAS libraries
    # already loaded (SciPy's own OpenBLAS comes with scipy.optimize).
    import scipy.optimize  # noqa: F401
    import sklearn.neural_network  # noqa: F401
    from threadpoolctl import threadpool_limits

    import axon.sklearn  # noqa: F401

    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        for data_name, load in datasets().items():
            if only and not any(word in data_name for word in only):
                continue
            X, y, classify = load()
            big = len(X) > 10_000
            for solver in solvers:
                params: dict[str, Any] = {"solver": solver}
                if big and solver == "adam":
                    params["max_iter"] = 50
                result = compare(X, y, classify, params, seeds, 1 if big else repeats)
                t, s, e = result["times"], result["scores"], result["epochs"]
                rows.append(
                    {
                        "data": data_name,
                        "solver": solver
                        + (" (50 epochs)" if "max_iter" in params else ""),
                        "scikit-learn": format_seconds(t["sklearn"]),
                        "axon": format_seconds(t["axon"]),
                        "speed-up": f"{t['sklearn'] / t['axon']:.2f}x",
                        "score sklearn": f"{s['sklearn']:.4f}",
                        "score axon": f"{s['axon']:.4f}",
                        "epochs sklearn / axon": f"{e['sklearn']:g} / {e['axon']:g}",
                        "load": f"{os.getloadavg()[0]:.1f}",
                    }
                )
                print(rows[-1], flush=True)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--only", default="", help="comma-separated data-set words")
    parser.add_argument("--solvers", default="adam,lbfgs", help="comma-separated")
    args = parser.parse_args()
    only = [w for w in args.only.split(",") if w]
    solvers = tuple(w for w in args.solvers.split(",") if w)
    print(f"load average at start: {os.getloadavg()}", flush=True)
    print(table(run(args.seeds, only, solvers, args.repeats), COLUMNS))
    print(f"load average at end: {os.getloadavg()}")
