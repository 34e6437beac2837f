"""``class_weight="balanced"`` of table models reaches ``Model.fit``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import axon
from axon.cli import main
from axon.tabular import fit_table
from axon.tabular.datasets import load as load_dataset


def test_balanced_class_weights_reach_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    fit = axon.Sequential.fit

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("class_weight"))
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(axon.Sequential, "fit", spy)
    frame = load_dataset("breast_cancer")
    fit_table(frame, "target", class_weight="balanced", epochs=2, batch_size=64)
    assert len(seen) == 1 and set(seen[0]) == {0, 1}
    # scikit-learn's balanced weights: the rarer class weighs more than 1, the other less
    low, high = sorted(seen[0].values())
    assert low < 1.0 < high
    assert np.isfinite(list(seen[0].values())).all()


def test_cli_trains_with_balanced_class_weights(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fast = ["--epochs", "2", "--batch-size", "64", "--verbose", "0"]
    code = main(["train", "breast_cancer", "--class-weight", "balanced", *fast])
    assert code == 0, capsys.readouterr().err
