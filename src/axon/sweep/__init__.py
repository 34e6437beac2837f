"""The tutorial's hyperparameter table, as experiments a user can run and look at.

=============  ==================  ======================  ====================
hyperparameter  too small           too large               good starting point
=============  ==================  ======================  ====================
learning rate   slow convergence    diverges / oscillates   0.001 (Adam)
hidden units    underfitting        overfitting + slow      64-256
batch size      noisy gradients     memory issues           32-128
layers          underfitting        vanishing gradients     2-5
dropout         no regularisation   underfitting            0.2-0.5
=============  ==================  ======================  ====================

:func:`run` trains one model per point and seed: one hyperparameter at several
values, all else at the tutorial's configuration, or a grid of several
(:func:`grid`), or points drawn from ranges (:func:`sample`). Each trial records its
history, test scores, time and the diagnostics' findings; :func:`summarise` gives
each point's mean and spread over seeds; :func:`plot` draws a one-hyperparameter
sweep. With ``client=`` (a ``distributed.Client``) the trials run on a Dask cluster
and give the same numbers as one after another here.

The modules: :mod:`~axon.sweep.space` (the table, checks, grids, ranges),
:mod:`~axon.sweep.trial` (one trial, a pure function of point, seed and data),
:mod:`~axon.sweep.runner` (serial or on Dask), :mod:`~axon.sweep.data` (any data
``axon train`` takes), :mod:`~axon.sweep.record` and :mod:`~axon.sweep.figures`
(the files and the report).

Examples
--------
>>> from axon import sweep
>>> sweep.grid({"learning_rate": [1e-3, 1e-2], "hidden_units": [16]})
[{'learning_rate': 0.001, 'hidden_units': 16}, {'learning_rate': 0.01, 'hidden_units': 16}]
"""

from __future__ import annotations

from axon.sweep.figures import plot
from axon.sweep.runner import (
    PointSummary,
    SchedulerUnreachable,
    Trials,
    connect,
    local_cluster,
    run,
    summarise,
)
from axon.sweep.space import TABLE, Range, Settings, check_values, grid, parse, sample
from axon.sweep.trial import Dataset, Network, Trial, run_trial

__all__ = [
    "TABLE",
    "Dataset",
    "Network",
    "PointSummary",
    "Range",
    "SchedulerUnreachable",
    "Settings",
    "Trial",
    "Trials",
    "check_values",
    "connect",
    "grid",
    "local_cluster",
    "parse",
    "plot",
    "run",
    "run_trial",
    "sample",
    "summarise",
]
