"""Per-step overhead, counted rather than timed, so a regression fails CI on any machine.

Two counts that do not depend on the machine's speed or load:
- Python function calls per training step of a small network (the per-step overhead
  of small networks is the number of calls);
- bytes of temporaries a steady-state step allocates (reused buffers mean none of
  activation size; fresh arrays over 128 KiB would cost page faults every step).
"""

from __future__ import annotations

import sys
import tracemalloc
from typing import Any

import numpy as np
import pytest

import axon
from axon.models import dense_chain

# Measured when the buffers and the lean fit loop went in: 65 calls per step; 71 once
# regularizer hooks and stateful metrics joined. Issue 12 cut it to 41 (Dense finds
# its arrays in one look-up, np.dot without its dispatcher, no regularizer scan when
# no layer has one, Adam's constants made once), then to 31 (the fused loss's value
# and gradient in one call, ReLU's zero kept, np.vdot without its dispatcher, the
# batches sliced without a second generator), then to 26.2 (accuracy counted once an
# epoch from the kept outputs, softmax's np.dot without its dispatcher), then to 8.3
# (a Sequential of Dense layers trains through models/dense_chain.py: one function
# for the forward and backward passes; the layer path still takes 26.2, pinned too,
# since Dropout, BatchNormalization and functional models take it).
CALL_BUDGET_PER_STEP = 8.4
LAYER_PATH_CALL_BUDGET_PER_STEP = 26.3
# A functional Model whose graph is that chain takes the same step (8.7 measured: its
# fit's set-up makes about 27 calls more an epoch, over 64 steps here; 31.5 on the layer path).
FUNCTIONAL_CALL_BUDGET_PER_STEP = 8.8


def small_model(functional: bool = False) -> axon.Model:
    stack = [
        axon.layers.Dense(8, activation="relu"),
        axon.layers.Dense(8, activation="relu"),
        axon.layers.Dense(3, activation="softmax"),
    ]
    if functional:  # the same layers as a graph: one chain, so the same step
        tensor = given = axon.Input((4,))
        for layer in stack:
            tensor = layer(tensor)
        model = axon.Model(given, tensor)
    else:
        model = axon.Sequential([axon.layers.Input((4,)), *stack])
    model.compile(
        optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]
    )
    return model


@pytest.mark.parametrize(
    ("chain", "budget", "functional"),
    [
        (True, CALL_BUDGET_PER_STEP, False),
        (False, LAYER_PATH_CALL_BUDGET_PER_STEP, False),
        (True, FUNCTIONAL_CALL_BUDGET_PER_STEP, True),
    ],
)
def test_python_calls_per_training_step_stay_within_budget(
    chain: bool, budget: float, functional: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dense_chain, "ENABLED", chain)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16 * 64, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, len(x))]
    model = small_model(functional)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)  # warm: buffers exist
    calls = [0]

    def count(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            calls[0] += 1

    sys.setprofile(count)
    try:
        model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    finally:
        sys.setprofile(None)
    per_step = calls[0] / 64
    assert per_step <= budget, f"{per_step:.1f} Python calls per step"


@pytest.mark.parametrize("dense_only", [False, True])
def test_a_steady_training_step_allocates_no_activation_sized_temporaries(
    dense_only: bool,
) -> None:
    """The layer path (BatchNormalization, Dropout) and the Dense chain alike."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 64)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 512)]
    middle = (
        []
        if dense_only
        else [
            axon.layers.BatchNormalization(),
            axon.layers.Dropout(0.2),
        ]
    )
    model = axon.Sequential(
        [
            axon.layers.Input((64,)),
            axon.layers.Dense(256, activation="relu"),
            *middle,
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    x, y = model._prepare(x, y, "the check")
    assert (model._chain is not None) == dense_only  # the path this case measures
    activation_bytes = 512 * 256 * 4
    with np.errstate(all="ignore"):
        model._train_step(x, y)  # the first step creates the buffers
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            for _ in range(5):
                model._train_step(x, y)
            current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak - start < activation_bytes / 4, f"{peak - start} bytes of temporaries"
    assert current - start < 16 * 1024  # and nothing accumulates


def test_a_model_without_metrics_makes_no_metric_update_call_a_step(
    monkeypatch: Any,
) -> None:
    """No metrics compiled: fit skips MetricList.update (0.2 us of the small step)."""
    from axon.metrics import MetricList

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, len(x))]
    model = axon.Sequential(
        [axon.layers.Input((4,)), axon.layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    updates = [0]
    original = MetricList.update

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        updates[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(MetricList, "update", counted)
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert updates[0] == 0
    assert len(history.history["loss"]) == 2
    model.compile(
        optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy", "mse"]
    )
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert updates[0] == 8  # mse is updated batch by batch: 4 batches x 2 epochs
