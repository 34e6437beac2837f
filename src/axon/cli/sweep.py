"""``axon sweep``: hyperparameter searches, here or on a Dask cluster.

Two forms. ``axon sweep learning_rate`` (with ``--values``) tries one hyperparameter
of the tutorial's table on the tutorial's Iris model and prints a row per value next
to the table's words. ``axon sweep learning_rate=1e-4,1e-3 hidden_units=16,64``
crosses several (a grid; ``--random N`` draws N points from ranges such as
``learning_rate=1e-5:1e-1:log``) on any data ``axon train`` takes, ``--repeats K``
seeds per point, and writes ``sweep.json``, ``sweep.csv`` and ``report.html`` as
trials finish, then trains the best point last (``model.axon``). ``--workers N``
runs the trials on a local Dask cluster, ``--scheduler tcp://HOST:PORT`` on yours.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from axon.cli import options
from axon.cli.runs import UsageError, headless_pyplot, run_folder, save_figure
from axon.models.saving import atomic_write


def add_parser(commands: Any) -> None:
    """Register ``axon sweep`` and its options."""
    sweep = commands.add_parser(
        "sweep",
        help="search hyperparameters (a grid or random points), here or on Dask",
        description="Either one hyperparameter of the tutorial's table on Iris "
        "(axon sweep learning_rate --values 0.001,0.01), or a search over several "
        "(axon sweep learning_rate=1e-4,1e-3 hidden_units=16,64; with --random N, "
        "ranges such as learning_rate=1e-5:1e-1:log) on any data axon train takes. "
        "Hyperparameters: learning_rate, hidden_units, batch_size, layers, dropout.",
    )
    sweep.add_argument(
        "specs",
        nargs="+",
        metavar="NAME=VALUES",
        help="NAME=v1,v2,... or, with --random, NAME=low:high[:log]; or one NAME "
        "of the table alone for the one-hyperparameter form",
    )
    sweep.add_argument(
        "--values",
        type=options.number_list,
        default=None,
        help="one-hyperparameter form: comma-separated values (default: from too "
        "small to too large)",
    )
    sweep.add_argument(
        "--random",
        type=options.positive(int),
        default=None,
        metavar="N",
        help="draw N random points from the ranges and lists (default: the grid)",
    )
    sweep.add_argument(
        "--repeats",
        type=options.positive(int),
        default=1,
        metavar="K",
        help="seeds per point (seed, seed+1, ...), reported as mean and spread",
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=options.positive(int),
        default=None,
        metavar="N",
        help="run the trials on a local Dask cluster of N processes",
    )
    where.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="run the trials on the Dask cluster of that scheduler",
    )
    sweep.add_argument(
        "--connect-timeout",
        type=options.positive(float),
        default=5.0,
        metavar="SECONDS",
        help="how long to wait for --scheduler, default 5",
    )
    sweep.add_argument(
        "--data",
        default="iris",
        help="a CSV, TSV or Parquet file or a scikit-learn data set (default iris)",
    )
    sweep.add_argument("--target", default=None, help="the column to predict")
    sweep.add_argument(
        "--epochs", type=options.positive(int), default=60, help="default 60"
    )
    sweep.add_argument(
        "--seed", type=options.integer, default=0, help="random seed, default 0"
    )
    sweep.add_argument(
        "--output",
        type=Path,
        default=None,
        help="folder (new or empty), default runs/sweep-<time>",
    )


def tutorial_model(settings: Any) -> Any:
    """The tutorial's Iris model for ``settings`` (picklable, for the workers)."""
    import axon
    from axon.cli.train import build_model

    model = build_model(settings.hidden(), [settings.dropout], True, 4, 3)
    model.compile(
        optimizer=axon.optimizers.Adam(learning_rate=settings.learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@contextlib.contextmanager
def cluster(args: argparse.Namespace) -> Iterator[Any]:
    """The Dask client the options ask for (None: run here), closed at the end."""
    from axon import sweep
    from axon.sweep.runner import distributed

    if args.scheduler is not None:
        client = sweep.connect(args.scheduler, timeout=args.connect_timeout)
        print(f"Running the trials on the Dask cluster at {args.scheduler}")
        with client:
            yield client
    elif args.workers is not None:
        local = sweep.local_cluster(args.workers)
        print(f"Running the trials on a local Dask cluster of {args.workers} workers")
        with local, distributed().Client(local) as client:
            yield client
    else:
        yield None


def run(args: argparse.Namespace) -> int:
    """Run ``axon sweep``; Ctrl-C outside the trials (loading, starting) is one line."""
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("axon sweep: interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    from axon import sweep

    if len(args.specs) == 1 and "=" not in args.specs[0]:
        return run_one(args, sweep.space.check_name(args.specs[0]))
    if args.values is not None:
        raise UsageError(
            "--values belongs to the one-hyperparameter form; write NAME=VALUES"
        )
    space: dict[str, Any] = {}
    for text in args.specs:
        name, values = sweep.parse(text)
        if name in space:
            raise UsageError(f"{name} is given twice; give each hyperparameter once")
        space[name] = values
    if args.random is None:
        points = sweep.grid(space)  # a range here is refused with its reason
    else:
        points = sweep.sample(space, args.random, seed=args.seed)
    output = run_folder(args.output, "sweep")  # all checked before any work
    try:
        with cluster(args) as client:
            return search(args, space, points, output, client)
    except sweep.SchedulerUnreachable as error:
        raise UsageError(str(error)) from None


def search(
    args: argparse.Namespace,
    space: dict[str, Any],
    points: list[dict[str, float]],
    output: Path,
    client: Any,
) -> int:
    """Run the trials, writing the files as they finish; then train the best point."""
    from axon import sweep
    from axon.cli.predict import table_warnings
    from axon.sweep import record
    from axon.sweep.data import load

    with table_warnings("sweep"):
        data, build = load(args.data, args.target, seed=args.seed)
    about: dict[str, Any] = {
        "space": {
            name: str(v) if isinstance(v, sweep.Range) else v
            for name, v in space.items()
        },
        "search": "grid" if args.random is None else f"random ({args.random} points)",
        "repeats": args.repeats,
        "seed": args.seed,
        "epochs": args.epochs,
        "total": len(points) * args.repeats,
        "where": args.scheduler
        or (f"{args.workers} local workers" if args.workers else "here"),
        "data": data.about,
        "interrupted": False,
    }
    print(
        f"{len(points)} point(s) x {args.repeats} seed(s) = {about['total']} trial(s) "
        f"on {data.about['source']} ({data.about['task']}, target "
        f"{data.about['target']!r}), {args.epochs} epochs each"
    )
    output.mkdir(parents=True, exist_ok=True)
    done: list[Any] = []
    with Progress(about["total"]) as progress:

        def finished(trial: Any) -> None:
            done.append(trial)
            record.write(output, done, about)  # results survive a crash or Ctrl-C
            progress.advance(trial, sweep.summarise(done))

        trials = sweep.run(
            points,
            data=data,
            build=build,
            epochs=args.epochs,
            seed=args.seed,
            report=finished,
            repeats=args.repeats,
            client=client,
        )
    about["interrupted"] = trials.interrupted
    record.write(output, trials, about)
    ranked = sweep.summarise(trials)
    print_ranking(ranked)
    best: dict[str, Any] = {}
    if trials.interrupted:
        print(
            f"Interrupted: kept the {len(trials)} finished trial(s); the rest were cancelled"
        )
    elif ranked and ranked[0].scores:
        best = train_best(args, ranked[0].params, output)
    headless_pyplot()
    page = record.render(trials, about, record.figures(trials, list(space)), best)
    from axon import report

    report.write(output / "report.html", page)
    for name in ("sweep.json", "sweep.csv", "report.html"):
        print(f"Saved {output / name}")
    return 130 if trials.interrupted else 0


class Progress:
    """A bar counting finished trials and showing the best point so far.

    On a terminal only; a log gets one line per trial.
    """

    def __init__(self, total: int) -> None:
        self.total, self.count, self.bar = total, 0, None
        if sys.stdout.isatty():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
            )

            self.bar = Progress(
                TextColumn("trials"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[best]}"),
            )
            self.task = self.bar.add_task("sweep", total=total, best="")

    def __enter__(self) -> Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def advance(self, trial: Any, ranked: list[Any]) -> None:
        from axon.sweep.space import label

        self.count += 1
        top = ranked[0] if ranked and ranked[0].scores else None
        best = f"best {top.mean:.4f}: {label(top.params)}" if top else "best: none yet"
        result = (
            f"failed ({trial.error.splitlines()[0]})"
            if trial.error
            else f"val loss {trial.score:.4f}"
        )
        where = f"[{self.count}/{self.total}] {label(trial.params)}, seed {trial.seed}"
        line = f"{where}: {result}; {best}"
        if self.bar is None:
            print(line, flush=True)
        else:
            self.bar.console.print(line, markup=False, highlight=False)
            self.bar.update(self.task, completed=self.count, best=best)


def print_ranking(ranked: list[Any], shown: int = 10) -> None:
    """The best points, with mean ± spread over seeds."""
    from axon.sweep.space import label

    if not ranked:
        print("No trial finished.")
        return
    print("Best points (lowest mean validation loss; ± over seeds):")
    for rank, point in enumerate(ranked[:shown], start=1):
        score = f"{point.mean:.4f} ± {point.spread:.4f}" if point.scores else "failed"
        print(f"{rank:>3}. {score}  {label(point.params)}")


def train_best(
    args: argparse.Namespace, params: dict[str, float], output: Path
) -> dict[str, Any]:
    """Train the best point once more, as ``axon train`` would, and save it."""
    from axon import sweep, tabular
    from axon.cli.predict import table_warnings
    from axon.sweep.space import label

    settings = sweep.Settings().with_values(params)
    print(f"Training the best point last: {label(params)} (seed {args.seed})")
    with table_warnings("sweep"):
        model = tabular.fit_table(
            args.data,
            args.target,
            hidden=settings.hidden(),
            dropout=[settings.dropout],
            epochs=args.epochs,
            batch_size=settings.batch_size,
            learning_rate=settings.learning_rate,
            patience=args.epochs,
            seed=args.seed,
        )
    model.save(output / "model.axon")
    record = {
        **model.history.to_dict(),
        "params": params,
        "results": model.results,
    }
    text = json.dumps(record, indent=1, default=str)
    atomic_write(output / "history.json", lambda f: f.write(text.encode()))
    scores = model.results.get("test", {})
    shown = ", ".join(f"{k} {v:.4f}" for k, v in scores.items() if isinstance(v, float))
    print(f"Test scores of the best point: {shown}")
    print(f"Saved {output / 'model.axon'} and {output / 'history.json'}")
    return {
        "params": label(params),
        "seed": args.seed,
        **{f"test {k}": v for k, v in scores.items() if isinstance(v, float)},
    }


def run_one(args: argparse.Namespace, name: str) -> int:
    """The one-hyperparameter form: the tutorial's model on Iris, a row per value."""
    from axon import sweep
    from axon.cli.train import load_iris_split

    values = sweep.check_values(name, args.values)  # before any training
    if args.random is not None or args.target is not None or args.data != "iris":
        raise UsageError(
            "--random, --data and --target belong to the search form; write "
            f"{name}=v1,v2 (or {name}=low:high with --random N)"
        )
    output = run_folder(args.output, f"sweep-{name}")
    x_train, x_test, y_train, y_test, _ = load_iris_split()
    too_small, too_large, good, _ = sweep.TABLE[name]

    def print_header() -> None:
        print(
            f"{name}: too small gives {too_small}, too large {too_large}; "
            f"a good start is {good}."
        )
        columns = ("loss", "best val", "test acc", "time")
        header = f"{name:>14} | " + " | ".join(f"{c:>8}" for c in columns)
        print(header + " | look at")
        print("-" * len(header + " | look at"))

    def report(trial: sweep.Trial) -> None:
        if trial.error:
            print(f"{trial.value:>14g} | failed: {trial.error.splitlines()[0]}")
            return
        loss = trial.history.get("loss", [float("nan")])[-1]
        best_val = min(trial.history.get("val_loss", [float("nan")]))
        titles = dict.fromkeys(f.split(":")[0] for f in trial.findings)  # once each
        note = "; ".join(titles) or "-"
        print(
            f"{trial.value:>14g} | {loss:>8.4f} | {best_val:>8.4f} | "
            f"{trial.test['accuracy']:>8.4f} | {trial.seconds:>7.2f}s | {note}"
        )

    try:
        with cluster(args) as client:
            print_header()
            trials = sweep.run(
                name,
                values,
                (x_train, x_test, y_train, y_test),
                tutorial_model,
                epochs=args.epochs,
                seed=args.seed,
                report=report,
                repeats=args.repeats,
                client=client,
            )
    except sweep.SchedulerUnreachable as error:
        raise UsageError(str(error)) from None
    output.mkdir(parents=True, exist_ok=True)
    record = [trial.to_json() for trial in trials]
    atomic_write(
        output / "sweep.json", lambda f: f.write(json.dumps(record, indent=1).encode())
    )
    print(f"Saved {output / 'sweep.json'}")
    plt = headless_pyplot()
    if plt is None:
        print("Skipped the figure: pip install 'axon[plot]' to get it")
        return 0
    figure = sweep.plot(trials)
    save_figure(figure, output / "sweep.png")
    plt.close(figure)
    print(f"Saved {output / 'sweep.png'}")
    return 130 if trials.interrupted else 0
