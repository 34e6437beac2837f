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


def wine_csv(path: Path) -> Path:
    from sklearn.datasets import load_wine

    load_wine(as_frame=True).frame.to_csv(path, index=False)
    return path


def test_a_table_run_shows_inside_the_network_too(tmp_path: Path) -> None:
    csv = wine_csv(tmp_path / "wine.csv")
    run = tmp_path / "run"
    page, record = train(run, str(csv), "--target", "target", "--epochs", "40")
    heading, text = first_section(page)
    assert heading == "What to look at" and "Nothing looks wrong" in text
    assert record["diagnostics"] == []
    assert (run / "inside_network.png").read_bytes().startswith(b"\x89PNG")
    assert "<h2>Inside the network</h2>" in page
    monitor = record["monitor"]
    assert isinstance(monitor, dict) and monitor["layers"]


def test_a_broken_table_run_opens_its_report_with_the_cause(tmp_path: Path) -> None:
    csv = wine_csv(tmp_path / "wine.csv")
    page, record = train(
        tmp_path / "run",
        str(csv),
        "--target",
        "target",
        "--learning-rate",
        "3",
        "--epochs",
        "30",
    )
    _, text = first_section(page)
    assert text.strip().startswith("Learning rate too large")
    assert str(record["diagnostics"][0]).startswith("Learning rate too large")  # type: ignore[index]
    assert "Inside the network" in page
