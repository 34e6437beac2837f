"""One training run as the rules see it: the curves, and what the monitor recorded.

:class:`Run` gathers the History's logs (or a plain dict of them) and the monitor's
record under names the rules can read without caring where each came from, and
derives the few quantities several rules share: the chance level, the accuracy
curves, the share of the run each thing happened in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from axon.callbacks import History

__all__ = ["Run", "smooth"]


def smooth(values: Sequence[float], window: int = 5) -> list[float]:
    """Running mean over ``window`` epochs, shorter at the start (no lag at the end).

    Dropout makes the training loss wander from epoch to epoch; the rules compare
    means over a few epochs so that wandering is not mistaken for a trend.
    """
    out = []
    for i in range(len(values)):
        chunk = values[max(0, i - window + 1) : i + 1]
        out.append(float(np.mean(chunk)))
    return out


def _accuracy_key(logs: Mapping[str, Sequence[float]]) -> str | None:
    for key in logs:
        if key.endswith("accuracy") and not key.startswith("val_"):
            return key
    return None


@dataclass
class Run:
    """The evidence of one run."""

    loss: list[float]
    val_loss: list[float]
    accuracy: list[float]
    val_accuracy: list[float]
    best_epoch: int | None
    record: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        history: History | Mapping[str, Sequence[float]],
        record: Mapping[str, Any] | None = None,
    ) -> Run:
        """The run ``history`` describes; ``record`` defaults to ``history.monitor``."""
        logs = history.history if isinstance(history, History) else history
        best = history.best_epoch if isinstance(history, History) else None
        if record is None and isinstance(history, History):
            record = history.monitor
        key = _accuracy_key(logs)

        def floats(name: str | None) -> list[float]:
            return [float(v) for v in logs.get(name, [])] if name else []

        return cls(
            floats("loss"),
            floats("val_loss"),
            floats(key),
            floats(f"val_{key}" if key else None),
            best,
            dict(record or {}),
        )

    # -- what the monitor knew ----------------------------------------------------------
    @property
    def model(self) -> dict[str, Any]:
        model: dict[str, Any] = self.record.get("model", {})
        return model

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.record.get("data", {})
        return data

    @property
    def layers(self) -> list[dict[str, Any]]:
        layers: list[dict[str, Any]] = self.record.get("layers", [])
        return layers

    @property
    def weighted(self) -> list[dict[str, Any]]:
        """The layers with a kernel (their gradients were recorded), input first."""
        return [layer for layer in self.layers if "gradient_rms" in layer]

    @property
    def validation_rows(self) -> int | None:
        rows = self.data.get("validation_rows")
        return int(rows) if rows else None

    @property
    def non_finite(self) -> bool:
        """A loss that became NaN or infinite (training stopped there)."""
        return bool(self.record.get("non_finite")) or not all(
            math.isfinite(v) for v in self.loss
        )

    @property
    def stopped_early(self) -> bool:
        """A callback (EarlyStopping) ended training before the planned epochs."""
        if "stopped_early" in self.record:
            return bool(self.record["stopped_early"])
        # without the monitor: a restored epoch before the last means it stopped
        return self.best_epoch is not None and self.best_epoch < len(self.loss) - 1

    @property
    def classes(self) -> int:
        """Classes of a classification run (2 for one sigmoid unit); 0 if unknown."""
        counts = self.data.get("train_counts")
        if counts:
            return len(counts)
        return 0

    @property
    def majority_share(self) -> float | None:
        counts = self.data.get("train_counts")
        if not counts or not sum(counts):
            return None
        return max(counts) / sum(counts)

    def chance_loss(self) -> float | None:
        """Cross-entropy of predicting each class's share, whatever the input.

        ``-sum_c p_c log p_c`` for the training rows' shares ``p_c`` (``log k`` for
        ``k`` balanced classes): a model that learned nothing about the inputs sits
        here. None for other losses or unknown shares.
        """
        loss = self.model.get("loss")
        counts = self.data.get("train_counts")
        if loss not in (
            "categorical_crossentropy",
            "sparse_categorical_crossentropy",
            "binary_crossentropy",
        ):
            return None
        if not counts or not sum(counts):
            return None
        shares = np.asarray(counts, dtype=float) / sum(counts)
        shares = shares[shares > 0]
        entropy = float(-(shares * np.log(shares)).sum())
        return entropy

    def last(self, key: str) -> list[float]:
        """The last epoch's value of a per-layer series, for each layer that has it."""
        return [layer[key][-1] for layer in self.layers if layer.get(key)]
