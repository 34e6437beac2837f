"""axon's losses and regularizers against Keras 3 itself (PyTorch backend).

Losses: on random float32 data, every loss in every reduction (and its ``from_logits``
and ``label_smoothing`` variants) gives Keras's value, and its gradient equals PyTorch
autograd through Keras's own loss, both to 1e-5 (relative to the size of the values).
Regularizers: the same penalties and gradients; and a regularized Dense model reports
the same loss as Keras after an epoch and ends with the same weights after SGD steps,
from the same initial weights. Skipped when Keras (with PyTorch) is absent.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import axon

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

# Keras 3.15 converts torch tensors with np.array(tensor), which NumPy 2 warns about.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy:DeprecationWarning"
)
RNG = np.random.default_rng(0)
TOL = 1e-5
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "none"]


def difference(a: Any, b: Any) -> float:
    """Largest absolute difference, relative to the size of the values (at least 1)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(a - b).max()) / max(1.0, float(np.abs(b).max()))


def _data(name: str, from_logits: bool, n: int = 8, d: int = 5) -> tuple[Any, Any]:
    f32 = np.float32
    scores = RNG.normal(size=(n, d)).astype(f32)
    if name == "SparseCategoricalCrossentropy":
        probs = RNG.uniform(0.05, 1.0, (n, d)).astype(f32)  # rows rescaled, as Keras
        return RNG.integers(0, d, n), scores if from_logits else probs
    if name in ("CategoricalCrossentropy", "CategoricalHinge"):
        y = np.eye(d, dtype=f32)[RNG.integers(0, d, n)]
        probs = RNG.uniform(0.05, 1.0, (n, d)).astype(f32)
        return y, scores if from_logits or name == "CategoricalHinge" else probs
    if name == "BinaryCrossentropy":
        y = RNG.integers(0, 2, (n, d)).astype(f32)
        return y, scores if from_logits else RNG.uniform(0.05, 0.95, (n, d)).astype(f32)
    if name in ("Hinge", "SquaredHinge"):  # 0/1 labels: Keras turns them into -1/1
        return RNG.integers(0, 2, (n, d)).astype(f32), scores
    if name == "KLDivergence":
        y = RNG.dirichlet(np.ones(d), n).astype(f32)
        return y, RNG.uniform(0.05, 0.95, (n, d)).astype(f32)
    if name in ("Poisson", "MeanSquaredLogarithmicError"):
        return RNG.uniform(0, 3, (n, d)).astype(f32), RNG.uniform(
            0.2, 3, (n, d)
        ).astype(f32)
    if name == "MeanAbsolutePercentageError":
        y = RNG.uniform(0.5, 2, (n, d)) * RNG.choice([-1, 1], (n, d))
        return y.astype(f32), scores
    return RNG.normal(size=(n, d)).astype(f32), scores


def _cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    classes = sorted(
        {axon.losses.LOSSES.lookup(n).__name__ for n in axon.losses.LOSSES.names()}
    )
    for name in classes:
        cls = getattr(axon.losses, name)
        extras: list[dict[str, Any]] = [{}]
        if cls.pairs_with is not None:
            extras.append({"from_logits": True})
        if "label_smoothing" in cls().get_config():
            extras += [
                {"label_smoothing": 0.2},
                {"from_logits": True, "label_smoothing": 0.2},
            ]
        if name == "Huber":
            extras.append({"delta": 0.5})
        if name == "CosineSimilarity":
            extras.append({"axis": 0})
        cases += [(name, {**e, "reduction": r}) for e in extras for r in REDUCTIONS]
    return cases


def compare_loss(name: str, arguments: dict[str, Any]) -> tuple[float, float]:
    """Differences of (value, gradient) between axon and Keras with torch autograd."""
    ours, theirs = (
        getattr(axon.losses, name)(**arguments),
        getattr(keras.losses, name)(**arguments),
    )
    y_true, y_pred = _data(name, arguments.get("from_logits", False))
    prediction = torch.tensor(y_pred, requires_grad=True)
    value = theirs(y_true, prediction)
    (value.sum() if value.ndim else value).backward()
    if ours.reduction in (None, "none"):
        gradient = ours.gradient(*ours.standardize(y_true, y_pred))
    else:
        gradient = ours.backward(*ours.standardize(y_true, y_pred))
    assert gradient.dtype == np.float32
    return (
        difference(ours(y_true, y_pred), value.detach().numpy()),
        difference(gradient, prediction.grad.numpy()),
    )


@pytest.mark.parametrize(
    ("name", "arguments"),
    _cases(),
    ids=lambda v: (
        v if isinstance(v, str) else ",".join(f"{k}={x}" for k, x in v.items())
    ),
)
def test_every_loss_matches_keras_value_and_autograd(
    name: str, arguments: dict[str, Any]
) -> None:
    value, gradient = compare_loss(name, arguments)
    assert value <= TOL and gradient <= TOL, (value, gradient)


@pytest.mark.parametrize(
    "name",
    ["CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryCrossentropy"],
)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_the_fused_logits_path_matches_keras_from_logits(
    name: str, label_smoothing: float
) -> None:
    """What the trainer uses for softmax/sigmoid outputs: value and gradient at z."""
    smoothing = (
        {}
        if name.startswith("Sparse") or not label_smoothing
        else {"label_smoothing": label_smoothing}
    )
    ours = getattr(axon.losses, name)(**smoothing)
    theirs = getattr(keras.losses, name)(from_logits=True, **smoothing)
    y_true, logits = _data(name, from_logits=True)
    z = torch.tensor(logits, requires_grad=True)
    value = theirs(y_true, z)
    value.backward()
    assert ours.pairs_with is not None
    probs = axon.activations.get(ours.pairs_with).forward(logits.copy())
    assert (
        difference(ours.forward_from_logits(y_true, logits, probs), value.item()) <= TOL
    )
    assert difference(ours.backward_from_logits(y_true, probs), z.grad.numpy()) <= TOL


REGULARIZERS = [
    ("L1", {"l1": 0.03}),
    ("L2", {"l2": 0.05}),
    ("L1L2", {"l1": 0.01, "l2": 0.02}),
    ("OrthogonalRegularizer", {"factor": 0.1}),
    ("OrthogonalRegularizer", {"factor": 0.1, "mode": "columns"}),
]


def compare_regularizer(name: str, arguments: dict[str, Any]) -> tuple[float, float]:
    w = RNG.normal(size=(6, 4)).astype(np.float32)
    ours = getattr(axon.regularizers, name)(**arguments)
    weight = torch.tensor(w, requires_grad=True)
    penalty = getattr(keras.regularizers, name)(**arguments)(weight)
    penalty.backward()
    return (
        difference(ours(w), penalty.item()),
        difference(ours.gradient(w), weight.grad.numpy()),
    )


@pytest.mark.parametrize(("name", "arguments"), REGULARIZERS)
def test_every_regularizer_matches_keras_penalty_and_autograd(
    name: str, arguments: dict[str, Any]
) -> None:
    value, gradient = compare_regularizer(name, arguments)
    assert value <= TOL and gradient <= TOL, (value, gradient)


def _regularized(library: Any, loss: str, output: str) -> Any:
    regularizers = library.regularizers
    model = library.Sequential(
        [
            library.layers.Dense(
                6,
                activation="tanh",
                kernel_regularizer=regularizers.L1L2(0.01, 0.02),
                bias_regularizer=regularizers.L2(0.03),
                activity_regularizer=regularizers.L1(0.05),
            ),
            library.layers.Dense(
                3,
                activation=output,
                kernel_regularizer=regularizers.OrthogonalRegularizer(0.1),
                bias_regularizer="l1",
                activity_regularizer=regularizers.L2(0.02),
            ),
        ]
    )
    model.build((None, 4) if library is keras else (4,))
    model.compile(optimizer=library.optimizers.SGD(learning_rate=0.1), loss=loss)
    return model


def compare_training(loss: str, output: str) -> dict[str, float]:
    """Differences after fitting axon and Keras from the same weights, unshuffled."""
    x = RNG.normal(size=(22, 4)).astype(np.float32)
    if loss == "categorical_crossentropy":
        y = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 22)]
    else:
        y = RNG.normal(size=(22, 3)).astype(np.float32)
    ours, theirs = _regularized(axon, loss, output), _regularized(keras, loss, output)
    theirs.set_weights(ours.get_weights())
    fit = {"batch_size": 8, "epochs": 3, "shuffle": False, "verbose": 0}
    ours_history = ours.fit(x, y, **fit).history["loss"]
    theirs_history = theirs.fit(x, y, **fit).history["loss"]
    weights = max(
        difference(a, b)
        for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True)
    )
    evaluate = difference(
        ours.evaluate(x, y, batch_size=8, verbose=0),
        theirs.evaluate(x, y, batch_size=8, verbose=0),
    )
    theirs_losses = [float(keras.ops.convert_to_numpy(v)) for v in theirs.losses]
    return {
        "epoch loss": difference(ours_history, theirs_history),
        "weights": weights,
        "evaluate": evaluate,
        "model.losses": difference(ours.losses, theirs_losses),
    }


@pytest.mark.parametrize(
    ("loss", "output"), [("categorical_crossentropy", "softmax"), ("mse", "linear")]
)
def test_a_regularized_model_trains_as_keras_does(loss: str, output: str) -> None:
    """Kernel, bias and activity penalties in the loss, the gradient and model.losses."""
    differences = compare_training(loss, output)
    assert max(differences.values()) <= TOL, differences


if __name__ == "__main__":  # the largest differences, for the record
    worst_value = max(compare_loss(n, a)[0] for n, a in _cases())
    worst_gradient = max(compare_loss(n, a)[1] for n, a in _cases())
    print(
        f"losses ({len(_cases())} cases): value {worst_value:.2e}, gradient {worst_gradient:.2e}"
    )
    print("regularizers:", [compare_regularizer(n, a) for n, a in REGULARIZERS])
    for case in [("categorical_crossentropy", "softmax"), ("mse", "linear")]:
        print(case, compare_training(*case))
