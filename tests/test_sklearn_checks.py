"""scikit-learn's own judge of estimators, check_estimator, on both estimators.

Every check runs. The ones that cannot pass as they are, and the ones that do not
apply, are listed below with the reason; the test then asserts that they fail (or
skip) for exactly that reason, so none is silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sklearn.utils._testing import SkipTest
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    check_sample_weight_equivalence_on_sparse_data,
    parametrize_with_checks,
)

from axon.sklearn import MLPClassifier, MLPRegressor

# scikit-learn tests its own MLPs with max_iter=100 (instance_generator.py); L-BFGS
# too, since it drives the weights further on the checks' tiny data sets.
ESTIMATORS = [
    MLPClassifier(max_iter=100),
    MLPRegressor(max_iter=100),
    MLPClassifier(solver="lbfgs", max_iter=100),
]

FLOAT32 = (
    "axon computes in float32 (axon.config.floatx()): fitting with integer weights "
    "and fitting on repeated rows agree to about 2e-7, and the check asks for 1e-7. "
    "In float64 the check passes (test_sample_weight_equivalence_in_float64)."
)
EXPECTED_TO_FAIL = {
    "check_sample_weight_equivalence_on_dense_data": FLOAT32,
    "check_sample_weight_equivalence_on_sparse_data": FLOAT32,
}
NOT_APPLICABLE = {
    "check_array_api_input": (
        "NumPy arrays only, as scikit-learn's MLPs (array_api_support=False); the "
        "check skips itself unless SCIPY_ARRAY_API is set"
    ),
    "check_classifiers_multilabel_output_format_decision_function": (
        "no decision_function, as scikit-learn's MLPClassifier"
    ),
}


def _name(check: Callable[..., Any]) -> str:
    return str(getattr(check, "func", check).__name__)


@parametrize_with_checks(ESTIMATORS)
# The checks train on tiny data for at most 100 epochs, as scikit-learn's own
# test suite does, which ignores the ConvergenceWarning too.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_scikit_learn_check(estimator: Any, check: Callable[..., Any]) -> None:
    name = _name(check)
    if name in EXPECTED_TO_FAIL:
        with pytest.raises(AssertionError, match="not equivalent to fitting with"):
            check(estimator)
    elif name in NOT_APPLICABLE:
        with pytest.raises(SkipTest):
            check(estimator)
    else:
        check(estimator)


@pytest.mark.parametrize(
    "check",
    [
        check_sample_weight_equivalence_on_dense_data,
        check_sample_weight_equivalence_on_sparse_data,
    ],
)
@pytest.mark.parametrize(
    "estimator",
    [
        *ESTIMATORS,
        # scikit-learn runs these checks on its own MLPRegressor with these settings.
        MLPRegressor(solver="sgd", tol=1e-2, random_state=42, max_iter=100),
    ],
    ids=lambda e: f"{type(e).__name__}-{e.solver}",
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sample_weight_equivalence_in_float64(
    float64: None, estimator: Any, check: Callable[..., Any]
) -> None:
    """Integer weights are repeated rows, exactly enough for the check in float64."""
    check(type(estimator).__name__, estimator)
