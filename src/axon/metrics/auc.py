"""AUC: the area under the ROC or precision-recall curve, from counts per threshold."""

from __future__ import annotations

from typing import Any

import numpy as np

from axon import config
from axon.config import Array
from axon.metrics.confusion import Confusion, _evenly_spaced, _ratio, _thresholds

CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Confusion):
    """Area under the ROC (or PR) curve, approximated over ``num_thresholds`` cuts.

    The thresholds are ``i / (num_thresholds - 1)``, the first moved to ``-epsilon``
    and the last to ``1 + epsilon`` so that scores of exactly 0 and 1 fall inside.
    Each batch adds its true/false positive/negative counts at every threshold;
    ``result()`` reads the curve off the epoch's counts and sums trapezoids
    (``summation_method="interpolation"``): for ROC, ``sum((x_i - x_{i+1}) *
    (y_i + y_{i+1}) / 2)`` with ``x`` the false positive rate and ``y`` the recall.
    The PR curve is interpolated as in Davis & Goadrich (2006), as Keras does.

    Parameters
    ----------
    num_thresholds : int
        How many thresholds (200, as Keras); more is closer to the exact area.
    curve : {"ROC", "PR", "PRGAIN"}
        Which curve.
    summation_method : {"interpolation", "majoring", "minoring"}
        Trapezoids, or rectangles over (majoring) or under (minoring) the curve.
    thresholds : list of float, optional
        Thresholds in [0, 1] to use instead (``num_thresholds`` becomes their
        number plus two).
    multi_label : bool
        Count each output column apart and average the columns' AUCs (weighted by
        ``label_weights`` when given); otherwise every entry is one prediction.
    num_labels : int, optional
        With ``multi_label``, the number of columns to expect.
    label_weights : list of float, optional
        Per-column weights: of the counts, or of the AUC average with ``multi_label``.
    from_logits : bool
        The scores are logits: apply the sigmoid first.

    Examples
    --------
    >>> auc = AUC(num_thresholds=3)
    >>> auc([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    0.75
    >>> auc = AUC()
    >>> auc.update_state([0, 1], [0.1, 0.8]); auc.update_state([0, 1], [0.4, 0.35])
    >>> round(auc.result(), 4)  # 3 of the 4 (negative, positive) pairs in order
    0.75
    """

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: str | None = None,
        thresholds: list[float] | None = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        if str(curve).lower() not in CURVES:
            raise ValueError(
                f"Expected curve in ('ROC', 'PR', 'PRGAIN'). Received: curve={curve!r}"
            )
        if str(summation_method).lower() not in SUMMATIONS:
            raise ValueError(
                f"Expected summation_method in {SUMMATIONS}. "
                f"Received: summation_method={summation_method!r}"
            )
        if thresholds is not None:
            inner = sorted(_thresholds(thresholds, 0.5))
            bucketed = _evenly_spaced(np.array([0.0, *inner, 1.0]))
            num_thresholds = len(inner) + 2
        elif (
            isinstance(num_thresholds, bool)
            or not isinstance(num_thresholds, (int, np.integer))
            or num_thresholds <= 1
        ):
            raise ValueError(
                f"Expected an integer > 1. Received: num_thresholds={num_thresholds!r}"
            )
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            bucketed = True
        if num_labels is not None and not multi_label:
            raise ValueError("num_labels is needed only with multi_label=True")
        eps = config.epsilon()
        cuts = [-eps, *inner, 1 + eps]
        super().__init__(cuts, name, dtype, multi_label=multi_label, bucketed=bucketed)
        self.num_thresholds = int(num_thresholds)
        self.curve = CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self.num_labels = num_labels
        self.label_weights = (
            None if label_weights is None else np.asarray(label_weights, np.float64)
        )
        self.from_logits = bool(from_logits)
        self._init_thresholds = None if thresholds is None else inner

    @property
    def thresholds(self) -> list[float]:
        return self._thresholds.tolist()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        positive, scores, weights = self._inputs(y_true, y_pred, sample_weight)
        if self.from_logits:
            scores = 1 / (1 + np.exp(-scores))
        if self.multi_label and (
            scores.ndim != 2
            or (self.num_labels is not None and scores.shape[1] != self.num_labels)
        ):
            raise ValueError(
                f"AUC(multi_label=True) expects y_pred of shape (samples, "
                f"{self.num_labels or 'labels'}). Received: shape {scores.shape}"
            )
        if self.label_weights is not None and not self.multi_label:
            weights = weights * self.label_weights
        self._count(positive, scores, weights)

    def result(self) -> float:
        tp, fp, tn, fn = (self.count(k) for k in ("tp", "fp", "tn", "fn"))
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._average(self._interpolated_pr(tp, fp, fn))
        recall = _ratio(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _ratio(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _ratio(tp, tp + fp)
        else:  # precision-recall gain (Flach & Kull, 2015)
            scale = _ratio(tp + fn, tn + fp)
            x = np.where(tp == 0, 0.0, 1 - scale * _ratio(fn, tp)).clip(0)
            y = np.where(tp == 0, 1.0, 1 - scale * _ratio(fp, tp))
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    @staticmethod
    def _interpolated_pr(tp: Array, fp: Array, fn: Array) -> Array:
        """Each step's area under the PR curve, precision interpolated along recall.

        Between two thresholds the precision is ``tp / p`` with ``tp`` linear in the
        number of predicted positives ``p``; integrating over recall gives
        ``slope * (dtp + intercept * log(p_i / p_{i+1})) / (tp + fn)``.
        """
        predicted = tp + fp
        dtp = tp[:-1] - tp[1:]
        slope = _ratio(dtp, np.maximum(predicted[:-1] - predicted[1:], 0))
        intercept = tp[1:] - slope * predicted[1:]
        both = (predicted[:-1] > 0) & (predicted[1:] > 0)
        p_ratio = np.where(
            both, _ratio(predicted[:-1], np.maximum(predicted[1:], 0)), 1
        )
        return _ratio(
            slope * (dtp + intercept * np.log(p_ratio)), np.maximum(tp[1:] + fn[1:], 0)
        )

    def _average(self, terms: Array) -> float:
        """Sum a curve's steps; with ``multi_label``, average the labels' areas."""
        per_label = terms.sum(axis=0)
        if not self.multi_label:
            return float(per_label)
        if self.label_weights is None:
            return float(np.mean(per_label))
        return float(_ratio(per_label @ self.label_weights, self.label_weights.sum()))

    def get_config(self) -> dict[str, Any]:
        config_ = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None
            if self.label_weights is None
            else self.label_weights.tolist(),
            "from_logits": self.from_logits,
        }
        if self._init_thresholds is not None:
            config_["thresholds"] = self._init_thresholds
        return config_
