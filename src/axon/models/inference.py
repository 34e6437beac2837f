"""Inference without the checks, for serving loops: a ready array goes straight in.

``predict`` checks everything a user might pass (lists, DataFrames, NaN, the wrong
width, float64, a model whose layers were frozen since it was packed). A serving loop
calls the model thousands of times with arrays it made itself, and on a one-sample
call those checks cost about a third of the time (design note 32). ``ready`` names
the case where they can be skipped; ``predict_on_batch`` then runs the layers at once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from axon.models import data


def ready(model: Any, x: Any) -> bool:
    """Whether ``x`` can go to the layers as it is, without ``predict``'s checks.

    True for a NumPy array (not a subclass) of the model's float type whose samples
    have the shape of the model's one Input. Values are not looked at.
    """
    return (
        type(x) is np.ndarray
        and model.built
        and x.dtype == model.parameters.dtype
        and x.shape[1:] == model.input_shape
    )


def one_batch(model: Any, x: Any, batch_size: Any, verbose: Any) -> bool:
    """Whether ``predict(x, batch_size, verbose)`` may skip its checks and batching.

    ``x`` is :func:`ready`, one batch long at most, and finite. A few values are
    summed by Python, in double precision: the sum is finite exactly when every value
    is (a float64 sum that overflows says False, and ``predict`` checks the slow way),
    0.35 us for four values where ``isfinite(x).all()`` takes 1.5 us.
    """
    if not (
        ready(model, x)
        and 0 < len(x) <= (32 if batch_size is None else 0)
        and verbose in _VERBOSE
    ):
        return False
    if x.size <= 32:
        return math.isfinite(sum(x.reshape(-1).tolist()))
    return data._all_finite(x)


_VERBOSE = ("auto", 0, 1, 2)


def predict_on_batch(model: Any, x: Any) -> Any:
    """A functional model's outputs for one batch; a ready ``x`` is not checked.

    Anything else takes ``predict``'s path: checked, cast and packed.
    """
    if ready(model, x):
        outputs = [y.copy() for y in model.graph.forward([x], training=False)]
    else:
        packed = model._as_inputs(x, "x")
        model._build_from_data(packed)
        return model._predict_arrays(packed, len(packed))
    if len(outputs) == 1:
        return outputs[0]
    if isinstance(model._outputs_struct, dict):
        return dict(zip(model._outputs_struct, outputs, strict=True))
    return outputs
