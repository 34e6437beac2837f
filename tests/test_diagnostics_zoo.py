"""A fixed, fast corner of the diagnostics zoo: each broken kind opens its diagnosis,
and the tutorial's runs and other healthy ones have none.

The whole zoo (every kind on three data sets and five seeds, the healthy runs on 20
or 5 seeds) is ``benchmarks/diagnostics_zoo.py``; ``docs/diagnostics.md`` quotes its
table. Here, one run of each kind, on its cheapest data set.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path
from types import ModuleType

import pytest

ZOO_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "diagnostics_zoo.py"


def load_zoo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("diagnostics_zoo", ZOO_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["diagnostics_zoo"] = module
    spec.loader.exec_module(module)
    return module


pytest.importorskip("sklearn")
threadpoolctl = pytest.importorskip("threadpoolctl")  # comes with scikit-learn
zoo = load_zoo()


@pytest.fixture(autouse=True)
def one_blas_thread():  # type: ignore[no-untyped-def]
    """Small networks: BLAS threads only wait on each other (see the zoo's header)."""
    with threadpoolctl.threadpool_limits(1):
        yield


BROKEN = [
    ("lr_too_large", "iris", 0),
    ("lr_too_small", "iris", 0),
    ("too_few_epochs", "wine", 0),
    ("vanishing_gradients", "iris", 0),
    ("exploding_gradients", "iris", 0),
    ("dying_relu", "iris", 0),
    ("overfitting", "noisy", 0),
    ("underfitting", "blobs", 0),
    ("dropout_too_strong", "wine", 0),
    ("inputs_not_scaled", "wine", 0),
    ("output_loss_mismatch", "iris", 0),
    ("output_loss_mismatch", "breast_cancer", 1),
    ("output_loss_mismatch", "iris", 2),
    ("sorted_labels", "iris", 0),
    ("majority_class", "imbalanced", 0),
    ("batch_too_small", "iris", 0),
    # a validation loss that overfitting carried up: it shakes by 1.3% of the level
    # of guessing but only 6% of its own level (missed before the second scale)
    ("batch_too_small", "eight", 4),
]
HEALTHY = [
    ("tutorial Keras program", "tutorial_iris", 7),  # the seed of the false alarm
    ("tutorial NumPy program", "tutorial_iris", 7),
    ("wine, 32 relu, Adam", "wine", 0),
    ("iris, Dropout 0.5, batch 8", "iris", 0),
    ("wine, 32 relu, batch 4", "wine", 0),  # a tiny batch, healthy
]


def test_every_broken_kind_of_the_zoo_is_in_the_subset() -> None:
    assert {kind for kind, _, _ in BROKEN} == set(zoo.BROKEN)
    assert set(zoo.BROKEN) <= set(zoo.diagnostics.KINDS)


@pytest.mark.parametrize(("kind", "data", "seed"), BROKEN)
def test_a_broken_run_opens_with_its_cause(kind: str, data: str, seed: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the runs are broken on purpose
        record = zoo.run("broken", kind, data, seed)
    findings = zoo.findings_of(record)
    assert findings, f"{kind} on {data}: nothing found"
    assert findings[0].kind == kind, [str(f) for f in findings]
    assert findings[0].advice and any(ch.isdigit() for ch in findings[0].evidence)


@pytest.mark.parametrize(("kind", "data", "seed"), HEALTHY)
def test_a_healthy_run_has_no_finding(kind: str, data: str, seed: int) -> None:
    record = zoo.run("healthy", kind, data, seed)
    assert [str(f) for f in zoo.findings_of(record)] == []
