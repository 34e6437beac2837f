"""axon train writes a report that is valid HTML, whose images decode, and whose
numbers are the run's."""

from __future__ import annotations

import base64
import html
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from axon.cli import main


class PageParser(HTMLParser):
    """Collect images, table cells and headings; check that tags nest properly."""

    VOID = frozenset({"meta", "img", "br", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.images: list[str] = []
        self.cells: list[str] = []
        self.headings: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag in ("td", "th", "h1", "h2"):
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (
            f"</{tag}> closes {self.stack[-1:]}"
        )
        self.stack.pop()
        if tag in ("td", "th") and self._text is not None:
            self.cells.append("".join(self._text))
        if tag in ("h1", "h2") and self._text is not None:
            self.headings.append("".join(self._text))
        self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("run")
    assert (
        main(["train", "--epochs", "30", "--verbose", "0", "--output", str(output)])
        == 0
    )
    plt.close("all")
    return output


def test_train_writes_every_file(run: Path) -> None:
    names = sorted(p.name for p in run.iterdir())
    assert names == [
        "confusion_matrix.png",
        "history.json",
        "history.png",
        "inside_network.png",
        "model.axon",
        "report.html",
    ]
    for png in ("history.png", "confusion_matrix.png", "inside_network.png"):
        assert mpimg.imread(run / png).shape[0] > 100


def test_report_is_valid_html_with_decodable_images(run: Path) -> None:
    page = (run / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    parser = PageParser()
    parser.feed(page)
    parser.close()
    assert parser.stack == []
    assert len(parser.images) == 3  # history, confusion matrix, inside the network
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")  # self-contained
        image = mpimg.imread(
            io.BytesIO(base64.b64decode(src.split(",", 1)[1])), format="png"
        )
        assert image.shape[0] > 100 and image.shape[1] > 100
    assert "http://" not in page and "https://" not in page
    for heading in (
        "Results",
        "What to look at",
        "Hyperparameters",
        "Model",
        "Training history",
        "Inside the network",
        "Inputs the first layer saw",
    ):
        assert heading in parser.headings


def test_report_numbers_match_the_history_json(run: Path) -> None:
    record: dict[str, Any] = json.loads((run / "history.json").read_text())
    parser = PageParser()
    parser.feed((run / "report.html").read_text())
    cells = parser.cells
    assert cells[:3] == ["data", "accuracy", "loss"]
    rows = {cells[i]: cells[i + 1 : i + 3] for i in range(3, 12, 3)}
    for split in ("training", "validation", "test"):
        accuracy, loss = rows[split]
        assert accuracy == f"{record['results'][split]['accuracy']:.4f}"
        assert loss == f"{record['results'][split]['loss']:.4f}"
    best = record["best_epoch"]
    assert float(rows["validation"][1]) == pytest.approx(
        record["history"]["val_loss"][best], abs=1e-4
    )
    assert "Total params: 2,763" in (run / "report.html").read_text()


def test_report_lists_the_hyperparameters_that_were_used(run: Path) -> None:
    record: dict[str, Any] = json.loads((run / "history.json").read_text())
    parser = PageParser()
    parser.feed((run / "report.html").read_text())
    start = parser.cells.index("name")
    names = parser.cells[start + 2 :: 2][:40]
    assert {"epochs", "batch_size", "learning_rate", "hidden"} <= set(names)
    # unset options (the table's data, Dask's scheduler) and plumbing are left out
    unset = [k for k, v in record["hyperparameters"].items() if v is None]
    assert "scheduler" in unset
    assert not set(names) & {*unset, "output", "verbose"}


def look_at(page: str) -> str:
    """The text of the report's "What to look at" section."""
    start = page.index("What to look at")
    return page[start : page.index("<h2>", start)]


def test_a_healthy_run_reports_nothing_wrong(run: Path) -> None:
    record: dict[str, Any] = json.loads((run / "history.json").read_text())
    assert record["diagnostics"] == []  # the tutorial's run: no false alarm
    assert "Nothing looks wrong" in look_at((run / "report.html").read_text())


def test_findings_of_a_broken_run_head_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["train", "--learning-rate", "0.5", "--epochs", "40", "--verbose", "0"]
    assert main([*args, "--output", str(tmp_path)]) == 0
    plt.close("all")
    capsys.readouterr()
    record: dict[str, Any] = json.loads((tmp_path / "history.json").read_text())
    titles = [finding.split(":")[0] for finding in record["diagnostics"]]
    assert "Learning rate too large" in titles
    section = look_at((tmp_path / "report.html").read_text())
    assert "Nothing looks wrong" not in section
    for finding in record["diagnostics"]:
        assert html.escape(finding) in section
