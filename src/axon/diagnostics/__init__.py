"""What went wrong in training, said in the words of the tutorial's hyperparameter table.

- :class:`TrainingMonitor` (a callback) records what happens inside the network:
  per layer and epoch the gradients, the size of each step against the weights, the
  dead and the saturated units; once, the statistics of the inputs and the classes
  of the training and validation rows.
- :func:`diagnose` reads the History (and the monitor's record, kept in
  ``history.monitor``) and returns :class:`Finding` s: the cause, the numbers that
  show it, and one thing to do.
- :func:`find_learning_rate` tries learning rates from tiny to huge on a few hundred
  batches and suggests one (Smith 2017; fastai's ``lr_find``).

The modules: ``findings`` (the causes and their order), ``monitor``, ``run`` (the
evidence as the rules read it), ``curves`` and ``inside`` (the rules), ``rules``
(``diagnose``), ``lr_finder``. ``docs/diagnostics.md`` gives each rule's signal and
threshold, and how often it was right on a zoo of broken and healthy runs.

Examples
--------
>>> from axon.diagnostics import diagnose
>>> history = {"loss": [1.0, 0.5, 0.3, 0.2, 0.1], "val_loss": [1.0, 0.6, 0.7, 0.9, 1.2]}
>>> [finding.title for finding in diagnose(history)]
['Overfitting']
"""

from __future__ import annotations

from axon.diagnostics.findings import KINDS, Finding
from axon.diagnostics.lr_finder import LearningRateFinder, find_learning_rate
from axon.diagnostics.monitor import TrainingMonitor
from axon.diagnostics.rules import diagnose

__all__ = [
    "KINDS",
    "Finding",
    "LearningRateFinder",
    "TrainingMonitor",
    "diagnose",
    "find_learning_rate",
]
