"""``axon train``'s defaults against scikit-learn's two peers, in 5-fold cross-validation.

For each table, the same five folds (stratified for classes; ``--seed`` picks them,
``--seeds`` repeats the cross-validation over several seeds' folds) go to three
contenders:

- ``HistGradientBoosting{Classifier,Regressor}()`` with its defaults (text columns
  ordinal-encoded and declared categorical, missing values left to it);
- ``StandardScaler + MLP{Classifier,Regressor}(max_iter=2000, random_state=0)``
  (gaps filled with the median, text one-hot encoded after filling the most
  frequent);
- ``axon.tabular.auto.fit_auto(train_rows, target, test_size=0)``: what
  ``axon train FILE --target COL`` runs, its own preprocessing included, scored on
  the held-out fold with ``model.evaluate``.

Scores are accuracy (R2 for regression), the mean over the folds (over every fold of
every seed with ``--seeds``, with the spread: the standard deviation of the seeds'
means, and axon's paired gap to the better peer seed by seed). A small table's score
moves by 0.02-0.03 from one seed's folds to another's, more than the target's margin,
so the verdict is the mean over several seeds: the rules were tuned on seeds 1 and 2,
then the small-table rule on the folds of seeds 100-139 and 300-339; seeds 10-14,
20-24, 30-34, 40-59, 200-219 and 400-449 were each run once after a change (the last,
400-449, after the first layer's biases were spread on small tables; the seven tables
on 400-404). The target is the better peer's score less 0.005. Fit times are the
mean CPU time of one fit (``time.process_time``, every library on one thread through
threadpoolctl and OMP_NUM_THREADS=1: the 2-core machine is shared, so wall time would
measure the other jobs); axon's includes its preprocessing, early stopping and refit. Fits
alternate (HistGradientBoosting, MLP, axon, next fold) so that drifts in the load
fall on all three.

The two tables with text columns and missing values come with packages (``pip
install palmerpenguins vega_datasets``, both in the ``bench`` extra): Palmer
penguins (344 rows, species and island as text, 11 missing sexes and 2 rows without
measurements; target ``sex``, so 333 rows) and the Vega cars (406 rows, the car's
name and origin as text, missing horsepower; target ``Miles_per_Gallon``, 398 rows).

Usage: ``python benchmarks/bench_defaults.py [--seed 3 | --seeds 10,11,12,13,14]
[--only iris,wine] [--tutorial] [--json folds.json] [--peers folds.json]``
(``--tutorial`` adds the tutorial preset's column; ``--json`` keeps every fold's
score and time; ``--peers`` takes the two peers' fold scores and times from an
earlier ``--json`` file of the same seeds and fits only axon: both peers are
deterministic for given folds, so comparing settings of axon on many seeds need not
refit them each time).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before NumPy and scikit-learn load

import argparse
import json
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from common import machine, table

PEERS = ("HistGradientBoosting", "sklearn MLP")


def penguins() -> tuple[Any, str]:
    """Palmer penguins (palmerpenguins' bundled CSV), predicting the sex."""
    import palmerpenguins

    return palmerpenguins.load_penguins(), "sex"


def cars() -> tuple[Any, str]:
    """The Vega cars (vega_datasets' bundled JSON), predicting miles per gallon."""
    from vega_datasets import data

    frame = data.cars()
    frame["Year"] = frame["Year"].dt.year  # a date: its year is what varies
    return frame, "Miles_per_Gallon"


def builtin(name: str) -> Callable[[], tuple[Any, str]]:
    def load() -> tuple[Any, str]:
        from axon.tabular.datasets import load as load_set

        return load_set(name), "target"

    return load


TABLES: dict[str, Callable[[], tuple[Any, str]]] = {
    **{n: builtin(n) for n in ("iris", "wine", "breast_cancer", "digits", "diabetes")},
    "penguins (sex)": penguins,
    "cars (mpg)": cars,
}


def peers(frame: Any, target: str, classify: bool) -> dict[str, Callable[[], Any]]:
    """Fresh peer pipelines for the frame's columns."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    x = frame.drop(columns=[target])
    text = [c for c in x.columns if x[c].dtype.kind not in "biuf"]
    numbers = [c for c in x.columns if c not in text]

    def boosting() -> Any:
        model = (
            HistGradientBoostingClassifier
            if classify
            else HistGradientBoostingRegressor
        )
        if not text:
            return model()
        codes = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=np.nan,
            encoded_missing_value=np.nan,
            max_categories=255,  # its limit: the cars' 300 names group the rarest
        )
        prepare = ColumnTransformer(
            [("text", codes, text), ("numbers", "passthrough", numbers)]
        )
        flags = [True] * len(text) + [False] * len(numbers)
        return make_pipeline(prepare, model(categorical_features=flags))

    def mlp() -> Any:
        net = (MLPClassifier if classify else MLPRegressor)(
            max_iter=2000, random_state=0
        )
        if not text:
            return make_pipeline(StandardScaler(), net)
        prepare = ColumnTransformer(
            [
                (
                    "numbers",
                    make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                    numbers,
                ),
                (
                    "text",
                    make_pipeline(
                        SimpleImputer(strategy="most_frequent"),
                        OneHotEncoder(handle_unknown="ignore"),
                    ),
                    text,
                ),
            ]
        )
        return make_pipeline(prepare, net)

    return {"HistGradientBoosting": boosting, "sklearn MLP": mlp}


def score(model: Any, x: Any, y: Any, classify: bool) -> float:
    from sklearn.metrics import accuracy_score, r2_score

    predicted = model.predict(x)
    return float(accuracy_score(y, predicted) if classify else r2_score(y, predicted))


def cross_validate(
    name: str,
    seeds: list[int],
    tutorial: bool,
    cached: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every contender on the same five folds of each seed: scores and CPU seconds.

    ``cached``: this table's entry of an earlier ``--json`` file of the same seeds,
    whose peers' scores and seconds are taken instead of fitting the peers again.

    Returns ``{"classify": bool, "scores": {contender: {seed: [fold scores]}},
    "seconds": {contender: [CPU s per fit]}}``.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    from axon.tabular.auto import fit_auto

    frame, target = TABLES[name]()
    frame = frame[frame[target].notna()].reset_index(drop=True)
    classify = name != "diabetes" and frame[target].dtype.kind not in "f"
    contenders: dict[str, Callable[[Any], Callable[[Any], float]]] = {}
    made = peers(frame, target, classify) if cached is None else {}
    for peer, make in made.items():

        def fit_peer(
            rows: Any, make: Callable[[], Any] = make
        ) -> Callable[[Any], float]:
            model = make().fit(rows.drop(columns=[target]), rows[target])
            return lambda held: score(
                model, held.drop(columns=[target]), held[target], classify
            )

        contenders[peer] = fit_peer

    def fit_axon(rows: Any, preset: str | None = None) -> Callable[[Any], float]:
        model = fit_auto(rows, target, test_size=0.0, preset=preset)
        metric = "accuracy" if classify else "r2"
        return lambda held: float(model.evaluate(held)[metric])

    contenders["axon defaults"] = fit_axon
    if tutorial:
        contenders["axon tutorial"] = lambda rows: fit_axon(rows, "tutorial")
    names = list(contenders) if cached is None else [*PEERS, *contenders]
    scores: dict[str, dict[int, list[float]]] = {c: {} for c in names}
    seconds: dict[str, list[float]] = {c: [] for c in scores}
    if cached is not None:  # JSON keeps the seeds as text
        for peer in PEERS:
            scores[peer] = {s: cached["scores"][peer][str(s)] for s in seeds}
            seconds[peer] = list(cached["seconds"][peer])
    for seed in seeds:
        splitter = (StratifiedKFold if classify else KFold)(
            5, shuffle=True, random_state=seed
        )
        for train, held in splitter.split(frame, frame[target] if classify else None):
            for contender, fit in contenders.items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # convergence and table warnings
                    started = time.process_time()
                    scorer = fit(frame.iloc[train])
                    seconds[contender].append(time.process_time() - started)
                    got = scorer(frame.iloc[held])
                scores[contender].setdefault(seed, []).append(got)
    return {"classify": classify, "scores": scores, "seconds": seconds}


def spread(values: list[float]) -> float:
    """The standard deviation of the seeds' means (0 for one seed)."""
    return statistics.stdev(values) if len(values) > 1 else 0.0


def summary(name: str, result: dict[str, Any]) -> dict[str, Any]:
    """One row of the table: each contender's mean score over every fold of every
    seed (its spread: the standard deviation of the seeds' means), its mean CPU s
    per fit, and the verdict against the better peer's mean."""
    classify, scores, seconds = (
        result["classify"],
        result["scores"],
        result["seconds"],
    )
    several = len(scores["axon defaults"]) > 1
    means = {c: [statistics.mean(f) for f in s.values()] for c, s in scores.items()}
    row: dict[str, Any] = {"table": f"{name} ({'accuracy' if classify else 'R2'})"}
    best_peer = max(PEERS, key=lambda p: statistics.mean(means[p]))
    best = statistics.mean(means[best_peer])
    slow = max(statistics.mean(seconds[p]) for p in PEERS)
    for contender, values in means.items():
        cell = f"{statistics.mean(values):.4f}"
        row[contender] = f"{cell} ± {spread(values):.4f}" if several else cell
        row[f"{contender} s"] = f"{statistics.mean(seconds[contender]):.3f}"
    mine = statistics.mean(means["axon defaults"])
    row["target"] = f"{best - 0.005:.4f}"
    row["score met"] = "yes" if mine >= best - 0.005 else f"no ({mine - best:+.4f})"
    if several:  # the paired difference, seed by seed, against the better peer
        gaps = [
            a - b for a, b in zip(means["axon defaults"], means[best_peer], strict=True)
        ]
        row["axon - better peer"] = (
            f"{statistics.mean(gaps):+.4f} ± {spread(gaps):.4f} (min {min(gaps):+.4f})"
        )
    faster = statistics.mean(seconds["axon defaults"]) < slow
    row["faster than slower peer"] = "yes" if faster else "no"
    return row


def peers_of(path: str, seeds: list[int]) -> dict[str, Any]:
    """The tables of an earlier ``--json`` file, which must hold the same seeds.

    The peers' scores are theirs on the same folds (the folds depend only on the
    seed and the table); a table the file lacks has its peers fitted.
    """
    with open(path) as given:
        earlier = json.load(given)
    if earlier["seeds"] != seeds:
        raise SystemExit(
            f"--peers {path} holds the folds of seeds {earlier['seeds']}, not {seeds}"
        )
    return dict(earlier["tables"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--seed", type=int, default=None, help="the folds' seed")
    group.add_argument(
        "--seeds",
        default=None,
        help="comma-separated folds' seeds: repeated 5-fold cross-validation",
    )
    parser.add_argument("--only", default=None, help="comma-separated table names")
    parser.add_argument(
        "--tutorial", action="store_true", help="add the tutorial preset"
    )
    parser.add_argument(
        "--json", default=None, help="write every fold's score and time here"
    )
    parser.add_argument(
        "--peers",
        default=None,
        help="an earlier --json file of the same seeds: its peers' scores are reused",
    )
    args = parser.parse_args()
    if args.seeds:
        seeds = [int(s) for s in args.seeds.split(",")]
    else:
        seeds = [0 if args.seed is None else args.seed]
    cached = peers_of(args.peers, seeds) if args.peers else {}
    # Every library loads before threadpoolctl sets its pools to one thread.
    import scipy.optimize  # noqa: F401
    import sklearn.ensemble
    import sklearn.neural_network
    from threadpoolctl import threadpool_limits

    import axon

    names = list(TABLES)
    if args.only:
        names = [n for n in names if n.split(" ")[0] in args.only.split(",")]
    load = os.getloadavg()
    with threadpool_limits(1):
        results = {
            name: cross_validate(name, seeds, args.tutorial, cached.get(name))
            for name in names
        }
        info = machine()
    import pandas
    import sklearn

    print(info)
    print(
        f"axon {axon.__version__}, pandas {pandas.__version__}, sklearn {sklearn.__version__}"
    )
    print(f"load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    if cached:
        print(f"the peers' scores and times: from {args.peers} (not refitted)")
    what = "folds' seed" if len(seeds) == 1 else "repeated, folds' seeds"
    print(
        f"5-fold cross-validation, {what} {','.join(map(str, seeds))}; "
        "fit time: CPU s per fit"
        + ("; ± the standard deviation of the seeds' means" if len(seeds) > 1 else "")
    )
    columns = ["table", *PEERS, "axon defaults"]
    if args.tutorial:
        columns.append("axon tutorial")
    columns += ["target", "score met"]
    if len(seeds) > 1:
        columns.append("axon - better peer")
    columns += [f"{c} s" for c in (*PEERS, "axon defaults")]
    columns.append("faster than slower peer")
    print(table([summary(n, r) for n, r in results.items()], columns))
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"seeds": seeds, "load": load[0], "tables": results}, out)


if __name__ == "__main__":
    main()
