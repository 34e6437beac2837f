"""A finding: one cause, the numbers that show it, and one thing to do about it.

The causes and the actions are the tutorial's hyperparameter table and the common
mistakes around it; :data:`KINDS` lists them in the order a report shows them, root
causes first (a mistake in the data or the setup explains what the curves then do).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KINDS", "Finding"]

# kind -> title, in the order findings are reported
KINDS: dict[str, str] = {
    "output_loss_mismatch": "Output activation and loss do not fit",
    "sorted_labels": "Labels sorted before validation_split",
    "inputs_not_scaled": "Inputs not scaled",
    "exploding_gradients": "Exploding gradients",
    "lr_too_large": "Learning rate too large",
    "vanishing_gradients": "Vanishing gradients",
    "dying_relu": "Dying ReLU",
    "dropout_too_strong": "Dropout too strong",
    "batch_too_small": "Batch too small",
    "majority_class": "Only the majority class is predicted",
    "underfitting": "Underfitting",
    "lr_too_small": "Learning rate too small",
    "overfitting": "Overfitting",
    "too_few_epochs": "Too few epochs",
}


@dataclass(frozen=True)
class Finding:
    """One problem: a short title, what the evidence was, and what to try.

    Attributes
    ----------
    title : str
        The cause, in the table's words (``"Learning rate too large"``).
    evidence : str
        What the run showed, with its numbers.
    advice : str
        What to change.
    kind : str
        A stable key for the cause (``"lr_too_large"``), one of :data:`KINDS`.
    """

    title: str
    evidence: str
    advice: str
    kind: str = ""

    def __str__(self) -> str:
        return f"{self.title}: {self.evidence}. {self.advice}"


def finding(kind: str, evidence: str, advice: str) -> Finding:
    """A :class:`Finding` of ``kind``, titled from :data:`KINDS`."""
    return Finding(KINDS[kind], evidence, advice, kind)
