"""L-BFGS's call to SciPy (axon.sklearn.lbfgs) and fit's check of plain arrays.

The solver must call SciPy as scikit-learn does (method, maxiter, maxfun, gtol),
and its two functions (loss, gradient) must give what one function returning both
gives; ``plain_arrays`` must return what ``validate_data`` returns, and leave every
other input to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import optimize
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import validate_data

from axon.sklearn import MLPClassifier, MLPRegressor, dense_path, lbfgs
from axon.sklearn.labels import Labels
from axon.sklearn.validation import plain_arrays


def quadratic(w: np.ndarray) -> tuple[float, np.ndarray]:
    """``sum (w - 1)^2`` and its gradient: a data term with a known minimum."""
    return float(np.sum((w - 1) ** 2)), 2 * (w - 1)


def test_evaluations_add_the_l2_term_on_the_kernels() -> None:
    mask = np.array([0.5, 0.5, 0.0])  # alpha / S at two kernel weights
    evaluations = lbfgs.Evaluations(quadratic, mask)
    w = np.array([2.0, -1.0, 3.0])
    loss = evaluations.loss(w)
    assert loss == pytest.approx(1 + 4 + 4 + 0.5 * (0.5 * 4 + 0.5 * 1))
    np.testing.assert_allclose(evaluations.gradient(w), [2 + 1, -4 - 0.5, 4])


def test_evaluations_gradient_is_at_the_vector_asked() -> None:
    # SciPy asks for the loss, then the gradient at a copy of the same vector;
    # asked at another vector, the gradient must be that vector's.
    evaluations = lbfgs.Evaluations(quadratic, np.zeros(2))
    evaluations.loss(np.array([3.0, 3.0]))
    np.testing.assert_array_equal(evaluations.gradient(np.array([3.0, 3.0])), [4, 4])
    np.testing.assert_array_equal(evaluations.gradient(np.array([0.0, 2.0])), [-2, 2])
    fresh = lbfgs.Evaluations(quadratic, np.zeros(2))
    np.testing.assert_array_equal(fresh.gradient(np.array([1.0, 0.0])), [0, -2])


@pytest.fixture(scope="module")
def wine() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_lbfgs_calls_scipy_as_scikit_learn_does(
    wine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    minimize = optimize.minimize

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return minimize(*args, **kwargs)

    monkeypatch.setattr(lbfgs.optimize, "minimize", spy)
    with pytest.warns(ConvergenceWarning):  # 7 iterations are not enough
        MLPClassifier(solver="lbfgs", max_iter=7, max_fun=50, tol=1e-3).fit(*wine)
    (kwargs,) = calls
    assert kwargs["method"] == "L-BFGS-B"
    assert kwargs["options"] == {"maxfun": 50, "maxiter": 7, "gtol": 1e-3}
    assert "bounds" not in kwargs and "tol" not in kwargs  # SciPy's default ftol


def test_two_functions_give_the_iterations_of_one(wine: Any) -> None:
    # The same fit with SciPy's own cache (jac=True, one function returning
    # both) runs the same iterations to the same weights, bit for bit.
    X, y = wine
    fitted = MLPClassifier(solver="lbfgs", random_state=3, max_iter=40).fit(X, y)
    fresh = MLPClassifier(solver="lbfgs", random_state=3)
    fresh.out_activation_ = "softmax"
    fresh._initialize(X.shape[1], [100], [0.0], 3, fresh._generator())
    Y = Labels.of(y).encode(y, np.float32)
    whole = dense_path.DenseObjective(fresh.model_, X.astype(np.float32), Y, None)
    evaluations = lbfgs.Evaluations(whole, whole.kernel_mask() * (1e-4 / len(X)))

    def both(w: np.ndarray) -> tuple[float, np.ndarray]:
        return evaluations.loss(w), evaluations.grad.copy()

    result = optimize.minimize(
        both,
        fresh.model_.parameters.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        options={"maxfun": 15000, "maxiter": 40, "gtol": 1e-4},
    )
    assert result.nit == fitted.n_iter_ > 5
    assert result.fun == fitted.loss_
    np.testing.assert_array_equal(result.x.astype(np.float32), fitted.coefs_[0].base)


GOOD = {
    "float64": lambda rng: (rng.normal(size=(20, 4)), rng.integers(3, size=20)),
    "float32, F order": lambda rng: (
        np.asfortranarray(rng.normal(size=(20, 4)).astype(np.float32)),
        rng.integers(3, size=20),
    ),
    "float y": lambda rng: (rng.normal(size=(20, 4)), rng.normal(size=20)),
    "bool y": lambda rng: (rng.normal(size=(5, 1)), np.array([1, 0, 1, 1, 0], bool)),
    "one row": lambda rng: (rng.normal(size=(1, 3)), np.array([2])),
}


@pytest.mark.parametrize("case", list(GOOD))
def test_plain_arrays_returns_what_validate_data_returns(case: str) -> None:
    X, y = GOOD[case](np.random.default_rng(0))
    ours, theirs = MLPRegressor(), MLPRegressor()
    ours.feature_names_in_ = theirs.feature_names_in_ = np.array(["a"])  # a refit
    result = plain_arrays(ours, X, y, np.float32)
    assert result is not None
    expected = validate_data(
        theirs,
        X,
        y,
        accept_sparse=["csr", "csc"],
        multi_output=True,
        dtype=np.float32,
        reset=True,
        y_numeric=True,
    )
    for got, want in zip(result, expected, strict=True):
        assert (
            got.dtype == want.dtype
            and got.flags.f_contiguous == want.flags.f_contiguous
        )
        np.testing.assert_array_equal(got, want)
    assert vars(ours) == vars(theirs) and ours.n_features_in_ == X.shape[1]
    assert "feature_names_in_" not in vars(ours)


BAD = {
    "NaN in X": (np.array([[1.0, np.nan], [0.0, 1.0]]), np.array([0, 1])),
    "inf in X": (np.array([[1.0, np.inf], [0.0, 1.0]]), np.array([0, 1])),
    "too large for float32": (np.array([[1e300], [0.0]]), np.array([0, 1])),
    "NaN in y": (np.ones((2, 2)), np.array([0.0, np.nan])),
    "integer X": (np.ones((2, 2), int), np.array([0, 1])),
    "complex X": (np.ones((2, 2), complex), np.array([0, 1])),
    "1-d X": (np.ones(2), np.array([0, 1])),
    "3-d X": (np.ones((2, 2, 2)), np.array([0, 1])),
    "no rows": (np.ones((0, 2)), np.array([], int)),
    "no columns": (np.ones((2, 0)), np.array([0, 1])),
    "lengths differ": (np.ones((3, 2)), np.array([0, 1])),
    "string y": (np.ones((2, 2)), np.array(["a", "b"])),
    "2-d y": (np.ones((2, 2)), np.array([[0], [1]])),
    "list X": ([[1.0, 2.0], [3.0, 4.0]], np.array([0, 1])),
}


@pytest.mark.parametrize("case", list(BAD))
def test_plain_arrays_leaves_everything_else_to_validate_data(case: str) -> None:
    X, y = BAD[case]
    estimator = MLPClassifier()
    assert plain_arrays(estimator, X, y, np.float32) is None
    assert vars(estimator) == vars(MLPClassifier())  # nothing recorded


def test_a_sum_that_overflows_goes_to_validate_data() -> None:
    # Every value is finite in float32, their sum is not: validate_data decides,
    # and accepts it.
    X, y = np.full((4, 1), 3e38), np.zeros(4)
    assert plain_arrays(MLPRegressor(), X, y, np.float32) is None
    checked, _ = validate_data(MLPRegressor(), X, y, dtype=np.float32)
    assert np.isfinite(checked).all()
