from __future__ import annotations

import io

import numpy as np

import axon
from axon.callbacks import EpochLogger, ProgressBar


def run(callback: axon.callbacks.Callback) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    y = axon.utils.to_categorical((x[:, 0] > 0).astype(int), 2)
    model = axon.Sequential(
        [axon.layers.Dense(2, activation="softmax", input_shape=(3,))]
    )
    model.compile(
        optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(
        x,
        y,
        epochs=2,
        batch_size=16,
        validation_split=0.25,
        callbacks=[callback],
        verbose=0,
    )


def test_on_a_terminal_the_bar_shows_batches_and_metrics() -> None:
    stream = io.StringIO()
    run(ProgressBar(stream, force_terminal=True))
    out = stream.getvalue()
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "━" in out and "3/3" in out  # the bar, and 48 training rows in batches of 16
    assert "val_accuracy:" in out


def visible_lines(out: str) -> list[str]:
    """The lines left on screen: escape codes removed, erased live lines dropped."""
    import re

    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.replace("\r", "\n"))
    return [line for line in text.splitlines() if line.strip()]


def test_on_an_80_column_terminal_no_number_is_cut() -> None:
    stream = io.StringIO()
    run(ProgressBar(stream, force_terminal=True, width=80))
    lines = visible_lines(stream.getvalue())
    assert all(len(line) <= 80 for line in lines), lines
    finished = [line for line in lines if "━" not in line]
    text = " ".join(finished)
    for name in ("Epoch 2/2", "loss: ", "accuracy: ", "val_loss: ", "val_accuracy: "):
        assert name in text, finished
    # Every metric's value is whole: four decimals right after its name.
    import re

    assert len(re.findall(r"val_accuracy: \d\.\d{4}", text)) == 2, finished


def test_in_a_log_each_epoch_is_one_plain_line() -> None:
    stream = io.StringIO()
    run(ProgressBar(stream))
    lines = stream.getvalue().strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("Epoch 2/2 - ")
    assert "\x1b[" not in stream.getvalue()  # no escape codes in a file


def test_epoch_logger_formats_like_keras() -> None:
    stream = io.StringIO()
    run(EpochLogger(stream))
    first = stream.getvalue().splitlines()[0]
    assert (
        first.startswith("Epoch 1/2 - ")
        and " - loss: " in first
        and "val_loss: " in first
    )
