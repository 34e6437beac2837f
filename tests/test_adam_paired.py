"""Adam's two layouts of its moments give the same numbers, and follow replaced slots.

Up to ``Adam.PAIRED`` values, ``m`` and ``v`` are the rows of one buffer (fewer NumPy
calls a step); past it they are updated one after the other. Both must give the
same bits, and a slot replaced from outside (loading, a repacked model) must be the
one the next step reads.
"""

from __future__ import annotations

import numpy as np
import pytest

import axon


def trajectory(size: int, paired: bool, amsgrad: bool = False) -> list[np.ndarray]:
    rng = np.random.default_rng(size)
    params = rng.normal(size=size).astype(np.float32)
    optimizer = axon.optimizers.Adam(0.01, amsgrad=amsgrad)
    if not paired:
        optimizer.PAIRED = 0
    out = []
    for _ in range(4):
        optimizer.apply(params, rng.normal(size=size).astype(np.float32))
        out += [params.copy(), optimizer.slots["m"].copy(), optimizer.slots["v"].copy()]
    return out


@pytest.mark.parametrize("amsgrad", [False, True])
def test_paired_moments_give_the_same_bits_as_one_after_the_other(
    amsgrad: bool,
) -> None:
    paired = trajectory(139, True, amsgrad)
    apart = trajectory(139, False, amsgrad)
    for a, b in zip(paired, apart, strict=True):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("size", [139, 10_000])
def test_a_slot_replaced_from_outside_is_the_one_the_next_step_reads(
    size: int,
) -> None:
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=size).astype(np.float32) for _ in range(3)]
    m = rng.normal(size=size).astype(np.float32) * 0.1
    v = rng.random(size=size).astype(np.float32) * 0.1
    start = rng.normal(size=size).astype(np.float32)

    used = axon.optimizers.Adam(0.01)
    params = start.copy()
    used.apply(params, grads[0])
    used.apply(params, grads[1])  # the optimizer has made its buffers
    used.slots["m"], used.slots["v"] = m.copy(), v.copy()  # as loading does
    used.apply(params, grads[2])

    expected = start.copy()
    before = axon.optimizers.Adam(0.01)
    before.apply(expected, grads[0])
    before.apply(expected, grads[1])
    fresh = axon.optimizers.Adam(0.01)  # the same state, met at its first step
    fresh.slots["m"], fresh.slots["v"] = m.copy(), v.copy()
    fresh.iterations = 2
    fresh.apply(expected, grads[2])
    np.testing.assert_array_equal(params, expected)
    np.testing.assert_array_equal(used.slots["m"], fresh.slots["m"])
    assert not np.array_equal(used.slots["m"], m)  # the step moved the new slot


def test_a_repacked_model_trains_on_with_its_moved_moments() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 64)]
    model = axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.Dense(8, activation="relu"),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile("adam", "categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    model.layers[0].trainable = False  # the flat vector now holds the last layer only
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert model.optimizer is not None
    assert model.optimizer.slots["m"].shape == (8 * 3 + 3,)
    assert np.isfinite(model.parameters).all()
