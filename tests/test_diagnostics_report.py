"""``axon train`` opens its report with what went wrong, or with "Nothing looks wrong"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from axon.cli import main


def train(tmp_path: Path, *options: str) -> tuple[str, dict[str, object]]:
    assert main(["train", *options, "--verbose", "0", "--output", str(tmp_path)]) == 0
    plt.close("all")
    page = (tmp_path / "report.html").read_text()
    return page, json.loads((tmp_path / "history.json").read_text())


def first_section(page: str) -> tuple[str, str]:
    """The first h2 of the page and the text up to the next one."""
    match = re.search(r"<h2>(.*?)</h2>(.*?)<h2>", page, re.S)
    assert match is not None
    return match.group(1), re.sub(r"<[^>]+>", "", match.group(2))


@pytest.mark.parametrize(
    ("options", "cause"),
    [
        (("--learning-rate", "1", "--epochs", "30"), "Learning rate too large"),
        (("--dropout", "0.9", "--epochs", "60"), "Dropout too strong"),
        (("--epochs", "4"), "Too few epochs"),
    ],
)
def test_a_broken_configuration_opens_its_report_with_the_cause(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    options: tuple[str, ...],
    cause: str,
) -> None:
    page, record = train(tmp_path, *options)
    heading, text = first_section(page)
    assert heading == "What to look at"
    assert text.strip().startswith(cause)
    assert str(record["diagnostics"][0]).startswith(cause)  # type: ignore[index]
    assert f"Look at this: {cause}" in capsys.readouterr().out
    assert (tmp_path / "inside_network.png").exists()
    assert "Inside the network" in page


def test_the_tutorials_run_opens_with_nothing_wrong(tmp_path: Path) -> None:
    page, record = train(tmp_path, "--seed", "7")
    heading, text = first_section(page)
    assert heading == "What to look at" and "Nothing looks wrong" in text
    assert record["diagnostics"] == []
    monitor = record["monitor"]
    assert isinstance(monitor, dict) and [layer["name"] for layer in monitor["layers"]]
