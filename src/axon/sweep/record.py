"""A sweep's files: its results, rewritten as trials finish, and its report.

``sweep.json`` and ``sweep.csv`` hold every finished trial; ``report.html`` a table
sorted by validation score, a heatmap of two hyperparameters, validation curves.

Every file is written to a temporary name and renamed, so a sweep stopped at any
moment leaves complete files holding the trials that had finished.
"""

from __future__ import annotations

import csv
import html
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from axon.models.saving import atomic_write
from axon.sweep.runner import PointSummary, summarise
from axon.sweep.space import label
from axon.sweep.trial import Trial


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _titles(trials: Sequence[Trial]) -> str:
    """The findings' titles (``Overfitting``), once each, over the seeds."""
    titles = dict.fromkeys(f.split(":")[0] for t in trials for f in t.findings)
    return "; ".join(titles)


def as_json(trials: Sequence[Trial], about: Mapping[str, Any]) -> dict[str, Any]:
    """What ``sweep.json`` holds: the settings, every trial, and each point's summary."""
    points = summarise(trials)
    return {
        **about,
        "finished": len(trials),
        "failed": sum(t.error is not None for t in trials),
        "score": "lowest validation loss over the epochs (lower is better)",
        "points": [
            {
                "params": p.params,
                "score_mean": _number(p.mean),
                "score_std": _number(p.spread),
                "seeds": len(p.trials),
                "failed": p.failed,
                "test": {k: {"mean": m, "std": s} for k, (m, s) in p.test().items()},
            }
            for p in points
        ],
        "trials": [t.to_json() for t in sorted(trials, key=lambda t: t.index)],
    }


def csv_text(trials: Sequence[Trial]) -> str:
    """One row per trial: its values, seed, score, test scores, time, findings, error."""
    names = list(dict.fromkeys(n for t in trials for n in t.params))
    metrics = sorted({k for t in trials for k in t.test})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["trial", *names, "seed", "status", "val_score"]
        + [f"test_{m}" for m in metrics]
        + ["seconds", "findings", "error"]
    )
    for t in sorted(trials, key=lambda t: t.index):
        writer.writerow(
            [t.index, *(t.params.get(n, "") for n in names), t.seed]
            + ["failed" if t.error else "ok", "" if math.isnan(t.score) else t.score]
            + [t.test.get(m, "") for m in metrics]
            + [
                f"{t.seconds:.3f}",
                " | ".join(t.findings),
                (t.error or "").split("\n")[0],
            ]
        )
    return buffer.getvalue()


def write(folder: Path, trials: Sequence[Trial], about: Mapping[str, Any]) -> None:
    """(Re)write ``sweep.json`` and ``sweep.csv`` in ``folder``, atomically."""
    import json

    text = json.dumps(as_json(trials, about), indent=1)
    atomic_write(folder / "sweep.json", lambda f: f.write(text.encode()))
    table = csv_text(trials)
    atomic_write(folder / "sweep.csv", lambda f: f.write(table.encode()))


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #111827; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #d1d5db; padding: 0.3rem 0.7rem; text-align: right; }
th { background: #f3f4f6; } td.text, th.text { text-align: left; }
img { max-width: 100%; border: 1px solid #e5e7eb; } pre { white-space: pre-wrap; }
"""


def _spread(mean: float, spread: float, seeds: int) -> str:
    if math.isnan(mean):
        return "-"
    return f"{mean:.4f} ± {spread:.4f}" if seeds > 1 else f"{mean:.4f}"


def _table(points: Sequence[PointSummary]) -> str:
    names = list(dict.fromkeys(n for p in points for n in p.params))
    metrics = sorted({k for p in points for k in p.test()})
    head = ["rank", *names, "val loss", *(f"test {m}" for m in metrics)]
    head += ["seeds", "failed", "look at"]
    rows = []
    for rank, p in enumerate(points, start=1):
        ok = len(p.scores)
        tests = p.test()
        cells = [str(rank), *(f"{p.params[n]:g}" for n in names)]
        cells.append(_spread(p.mean, p.spread, ok))
        cells += [_spread(*tests.get(m, (math.nan, 0.0)), ok) for m in metrics]
        cells += [str(len(p.trials)), str(p.failed), _titles(p.trials) or "-"]
        rows.append(
            "<tr>"
            + "".join(
                f"<td{' class=text' if i == len(cells) - 1 else ''}>{html.escape(c)}</td>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return (
        f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def render(
    trials: Sequence[Trial],
    about: Mapping[str, Any],
    figures: Mapping[str, bytes],
    best: Mapping[str, Any] | None = None,
) -> str:
    """The report page: settings, the ranked table, failures, the best point, figures."""
    import base64

    points = summarise(trials)
    title = f"axon sweep: {about.get('data', {}).get('source', 'data')}"
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{len(trials)} of {about.get('total', len(trials))} trial(s) finished"
        + (" (interrupted)" if about.get("interrupted") else "")
        + f"; {sum(t.error is not None for t in trials)} failed. Ranked by the mean "
        "over seeds of each trial's lowest validation loss (lower is better); "
        "± is the standard deviation over seeds.</p>",
        "<h2>Points, best first</h2>",
        _table(points),
    ]
    if best:
        parts.append("<h2>The best point, trained last</h2><pre>")
        parts.append(html.escape("\n".join(f"{k}: {v}" for k, v in best.items())))
        parts.append("</pre>")
    failed = [t for t in trials if t.error]
    if failed:
        parts.append("<h2>Failed trials</h2><ul>")
        parts.extend(
            f"<li>{html.escape(label(t.params))}, seed {t.seed}:"
            f"<pre>{html.escape(t.error or '')}</pre></li>"
            for t in failed
        )
        parts.append("</ul>")
    for caption, png in figures.items():
        encoded = base64.b64encode(png).decode("ascii")
        parts.append(f"<h2>{html.escape(caption)}</h2>")
        parts.append(
            f'<img alt="{html.escape(caption)}" src="data:image/png;base64,{encoded}">'
        )
    settings = {k: v for k, v in about.items() if k not in ("data",)}
    parts.append("<h2>Settings</h2><pre>")
    parts.append(html.escape("\n".join(f"{k}: {v}" for k, v in settings.items())))
    parts.append(
        f"\ndata: {html.escape(str(about.get('data', {})))}</pre></body></html>"
    )
    return "\n".join(parts)


def figures(trials: Sequence[Trial], names: Sequence[str]) -> dict[str, bytes]:
    """The report's figures as PNG bytes: a heatmap and the validation curves.

    The heatmap needs two hyperparameters; none is drawn when matplotlib is missing
    or no trial finished.
    """
    try:
        from axon.plot import pyplot

        plt = pyplot()
    except ImportError:
        return {}
    from axon.report import figure_png
    from axon.sweep.figures import curves, heat

    points = summarise(trials)
    if not any(p.scores for p in points):
        return {}
    drawn = {}
    if len(names) >= 2:
        drawn[f"{names[0]} against {names[1]}"] = heat(points, (names[0], names[1]))
    drawn["Validation curves"] = curves(points)
    pngs = {caption: figure_png(fig) for caption, fig in drawn.items()}
    for fig in drawn.values():
        plt.close(fig)
    return pngs
