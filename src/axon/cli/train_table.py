"""``axon train DATA --target COLUMN``: the table half of ``axon train``.

A thin shell over :func:`axon.tabular.auto.fit_auto` (``fit_table`` with settings
chosen from the table, then a refit): it checks the run folder before any work,
prints the column table, the task, the network and each setting with its reason,
trains with the progress display, prints the task's scores, then writes
``model.axon`` (with the preprocessing), ``history.json`` (with the permutation
importance of each column and the settings), the figures and ``report.html``.
Nothing is written until training has finished, and each file is written atomically, so a
failed run leaves no half-written model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from axon.cli.predict import table_warnings
from axon.cli.runs import headless_pyplot, run_folder
from axon.cli.train import NOTHING_WRONG, dropout_rates
from axon.models.saving import atomic_write


def run_table(args: argparse.Namespace) -> int:
    """Train on a table; see the module docstring."""
    from axon import diagnostics
    from axon.tabular import report
    from axon.tabular.auto import (
        choices_of,
        fit_auto,
        given_settings,
        print_choices,
        refit_line,
        refit_of,
    )
    from axon.tabular.datasets import BUILTIN
    from axon.tabular.defaults import SETTINGS
    from axon.tabular.importance import of_test_rows

    if args.dropout is not None and args.hidden is not None:
        dropout_rates(args.dropout, args.hidden)  # refused before any work
    data = args.data or "iris"
    name = data if data in BUILTIN and not Path(data).exists() else Path(data).stem
    output = run_folder(args.output, name)  # checked before any work
    monitor = diagnostics.TrainingMonitor()
    about = {
        "task": args.task or "auto",
        "drop": args.drop or (),
        "test_size": 0.2 if args.test_size is None else args.test_size,
        "class_weight": args.class_weight,
    }
    given = given_settings(args)
    with table_warnings("train"):
        if args.budget:
            from axon.tabular.budget import cluster, search

            with cluster(args.workers, args.scheduler) as client:
                found = search(
                    data,
                    args.target,
                    args.budget,
                    seed=args.seed,
                    client=client,
                    **about,
                    **given,
                )
            given.update(found)
        model = fit_auto(
            data,
            args.target,
            preset=args.preset,
            seed=args.seed,
            verbose=args.verbose,
            callbacks=[monitor],
            before_training=print_choices,
            **about,
            **given,
        )
    history = model.history
    findings = [str(f) for f in diagnostics.diagnose(history, monitor)]
    best = history.best_epoch
    watched = "val_loss" if "val_loss" in history.history else "loss"
    print(
        f"Trained {len(history.epoch)} epoch(s) in {model.timings['train']:.2f} s"
        + (
            f"; restored the weights of epoch {best + 1} (lowest {watched})"
            if best is not None
            else ""
        )
    )
    if refit_of(model):
        print(refit_line(refit_of(model)))
    for finding in findings:
        print(f"Look at this: {finding}")
    final = "test" if "test" in model.results else "validation"
    for line in report.score_lines(model.results.get(final, {}), final.title()):
        print(line)
    per_class = report.per_class_rows(model.results.get(final, {}))
    if per_class:
        print(f"Per class ({final} rows):")
        print(report.text_table(report.PER_CLASS_HEADER, per_class))
    importance = of_test_rows(model)
    if importance is not None:
        top = ", ".join(
            f"{c['column']} {c['mean']:.4f}" for c in importance["columns"][:5]
        )
        print(f"Columns that matter most (drop in test {importance['score']}): {top}")
    output.mkdir(parents=True, exist_ok=True)
    model_path, history_path = output / "model.axon", output / "history.json"
    model.save(model_path)
    hyperparameters = {
        k: str(v) if isinstance(v, Path) else v
        for k, v in vars(args).items()
        if k != "command"
    }
    # what was used, where the defaults were left to fit_table
    hyperparameters.update(
        data=data,
        target=model.target.name,
        task=model.task,
        test_size=0.2 if args.test_size is None else args.test_size,
        # the values the run used, given or chosen (model.choices says which)
        **{k: c.value for k, c in choices_of(model).items() if k in SETTINGS},
    )
    record = {
        **history.to_dict(),
        "results": model.results,
        "test": model.results.get("test", {}),
        "task": model.target.to_json(),
        "rows": model.rows,
        "columns": model.preprocessing.to_json()["columns"],
        "hyperparameters": hyperparameters,
        "seconds": model.timings["train"],
        "timings": model.timings,
        "diagnostics": findings,
        "importance": importance,
        "choices": {k: vars(c) for k, c in choices_of(model).items()},
        "refit": refit_of(model),
    }
    atomic_write(history_path, lambda f: f.write(json.dumps(record, indent=1).encode()))
    print(f"Saved the model to {model_path}")
    print(f"Saved the history to {history_path}")
    written = write_table_report(output, name, model, hyperparameters, findings)
    for path in written:
        print(f"Saved {path}")
    if written:
        print(f"Open the report in a browser: {written[-1].resolve().as_uri()}")
    return 0


def write_table_report(
    output: Path,
    name: str,
    model: Any,
    hyperparameters: dict[str, Any],
    findings: list[str],
) -> list[Path]:
    """Write the figures of ``axon.tabular.report.FIGURES`` and report.html."""
    plt = headless_pyplot()
    if plt is None:
        print("Skipped the figures and report: pip install 'axon[plot]' to get them")
        return []
    from axon import plot, report
    from axon.models.summary import summary_text
    from axon.tabular import importance
    from axon.tabular import report as table_report
    from axon.tabular.auto import choices_of
    from axon.tabular.defaults import CHOICE_HEADER, lines

    drawn = list(table_report.figures(model))
    if model.history is not None and model.history.monitor:
        # what the TrainingMonitor saw, per layer and epoch, as on Iris
        inside = plot.inside_network(model.history)
        drawn.append(("inside_network.png", "Inside the network", inside))
    pngs = {caption: report.figure_png(figure) for _, caption, figure in drawn}
    for _, _, figure in drawn:
        plt.close(figure)
    paths = [output / file_name for file_name, _, _ in drawn]
    for path, png in zip(paths, pngs.values(), strict=True):
        atomic_write(path, lambda f, data=png: f.write(data))
    tables = {"Task": (table_report.TASK_HEADER, [table_report.task_row(model)])}
    tables["Settings, and why"] = (CHOICE_HEADER, lines(choices_of(model)))
    per_class = table_report.per_class_rows(model.results.get("test", {}))
    if per_class:
        tables["Test scores per class"] = (table_report.PER_CLASS_HEADER, per_class)
    tables[f"Columns of {model.source}"] = (
        table_report.COLUMN_HEADER,
        model.column_rows(),
    )
    found = importance.of_test_rows(model)
    if found is not None:
        heading = "Which columns matter: permutation importance on the test rows"
        tables[heading] = (importance.header_of(found), importance.rows_of(found))
    page = report.render(
        f"axon train: {name}",
        summary_text(model.network),
        hyperparameters,
        table_report.headline(model.results),
        pngs,
        notes=findings or [NOTHING_WRONG],
        tables=tables,
    )
    report_path = output / "report.html"
    report.write(report_path, page)
    return [*paths, report_path]
