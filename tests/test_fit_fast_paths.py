"""The small-network shortcuts of fit (issue 12) give what the long way gives.

- accuracy counted once an epoch from the kept outputs, where no callback reads batch
  logs, equals accuracy counted batch by batch;
- a validation set of up to ``inference.CHUNK`` rows goes through the layers in one
  pass (batch by batch with an activity penalty, whose value is the last batch's);
- categorical cross-entropy's ``step_from_logits`` is its two methods in one call.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import axon
from axon.callbacks import Callback


def data(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]
    return x, y


def model(metrics: list[Any], activity: Any = None) -> axon.Sequential:
    axon.config.set_random_seed(0)
    net = axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.Dense(8, activation="relu", activity_regularizer=activity),
            axon.layers.Dropout(0.2),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    net.compile("adam", "categorical_crossentropy", metrics=metrics)
    return net


class BatchListener(Callback):
    """Reads each batch's logs, so fit must update the metrics batch by batch."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.seen = name, []

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self.seen.append(logs[self.name])


def counted_updates(net: axon.Sequential) -> list[int]:
    calls = [0]
    metric = net.metrics[0] if net.metrics else None
    if metric is not None:
        update = metric.update_state

        def counting(*args: Any, **kwargs: Any) -> None:
            calls[0] += 1
            update(*args, **kwargs)

        metric.update_state = counting  # type: ignore[method-assign]
    return calls


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("metric", ["accuracy", "categorical_accuracy"])
def test_accuracy_counted_once_an_epoch_equals_accuracy_batch_by_batch(
    shuffle: bool, metric: str
) -> None:
    x, y = data()
    late, each = model([metric]), model([metric])
    late.fit(x[:1], y[:1], verbose=0, shuffle=False)  # builds the metrics
    each.fit(x[:1], y[:1], verbose=0, shuffle=False)
    late_calls, each_calls = counted_updates(late), counted_updates(each)
    kwargs: dict[str, Any] = {"batch_size": 16, "epochs": 3, "shuffle": shuffle}
    quick = late.fit(x, y, verbose=0, validation_split=0.25, **kwargs).history
    listener = BatchListener(metric)
    slow = each.fit(
        x, y, verbose=0, validation_split=0.25, callbacks=[listener], **kwargs
    ).history
    assert quick == slow  # every number, bit for bit
    np.testing.assert_array_equal(late.parameters, each.parameters)
    # 90 training rows at 16: 6 batches; the validation pass is one update either way
    assert late_calls[0] == 3 * (1 + 1)
    assert each_calls[0] == 3 * (6 + 1)
    assert listener.seen[5] == pytest.approx(slow[metric][0])


def test_other_metrics_still_see_every_batch() -> None:
    x, y = data()
    net = model(["accuracy", "mse"])
    net.fit(x[:1], y[:1], verbose=0)
    calls = counted_updates(net)
    net.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert calls[0] == 2 * 8  # 120 rows at 16: 8 batches, each one counted


def forward_passes(net: axon.Sequential, x: np.ndarray, y: np.ndarray) -> int:
    layer, calls = net.layers[0], [0]
    forward = layer.forward

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return forward(*args, **kwargs)

    layer.forward = counting  # type: ignore[method-assign]
    try:
        net.evaluate(x, y, batch_size=16, verbose=0)
    finally:
        del layer.forward
    return calls[0]


def test_a_small_evaluation_set_goes_in_one_pass_with_the_same_numbers() -> None:
    x, y = data(300)
    net = model(["accuracy"])
    net.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert forward_passes(net, x[:100], y[:100]) == 1
    assert forward_passes(net, x, y) == 19  # over inference.CHUNK rows: batch by batch
    loss, accuracy = net.evaluate(x[:100], y[:100], batch_size=16, verbose=0)
    p = net.predict(x[:100], verbose=0)
    assert loss == pytest.approx(-np.log((p * y[:100]).sum(axis=1)).mean(), rel=1e-6)
    assert accuracy == np.mean(p.argmax(axis=1) == y[:100].argmax(axis=1))


def test_an_activity_penalty_keeps_the_evaluation_batch_by_batch() -> None:
    x, y = data(100)
    net = model(["accuracy"], activity=axon.regularizers.L2(0.01))
    net.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert forward_passes(net, x, y) == 7  # model.losses then is the last batch's


def cce_cases() -> list[tuple[Any, np.dtype]]:
    return [
        (axon.losses.CategoricalCrossentropy(), np.float32),
        (axon.losses.CategoricalCrossentropy(label_smoothing=0.1), np.float32),
        (axon.losses.CategoricalCrossentropy(reduction="sum"), np.float64),
        (axon.losses.SparseCategoricalCrossentropy(), np.float32),
        (axon.losses.BinaryCrossentropy(), np.float64),
    ]


@pytest.mark.parametrize(("loss", "dtype"), cce_cases())
def test_step_from_logits_is_the_two_methods_in_one_call(
    loss: Any, dtype: np.dtype
) -> None:
    rng = np.random.default_rng(1)
    binary = isinstance(loss, axon.losses.BinaryCrossentropy)
    logits = rng.normal(size=(16, 1 if binary else 3)).astype(dtype) * 3
    probs = axon.activations.get("sigmoid" if binary else "softmax").forward(
        logits.copy()
    )
    if binary:
        y = rng.integers(0, 2, (16, 1)).astype(dtype)
    elif loss.target == "index":
        y = rng.integers(0, 3, (16, 1))
    else:
        y = np.eye(3, dtype=dtype)[rng.integers(0, 3, 16)]
    for _ in range(2):  # the second call reads the kept factor
        value, grad = loss.step_from_logits(y, logits, probs)
        assert value == loss.forward_from_logits(y, logits, probs)
        np.testing.assert_array_equal(grad, loss.backward_from_logits(y, probs))
        assert grad.dtype == dtype


def test_step_from_logits_falls_back_to_the_exact_value_where_probs_underflow() -> None:
    loss = axon.losses.CategoricalCrossentropy()
    logits = np.array([[0.0, -200.0, 5.0]], np.float32)
    probs = axon.activations.get("softmax").forward(logits.copy())
    assert probs[0, 1] == 0  # log(0): the shortcut is not finite
    y = np.array([[0.0, 1.0, 0.0]], np.float32)
    with np.errstate(divide="ignore"):
        value, _ = loss.step_from_logits(y, logits, probs)
    assert value == pytest.approx(205.0067, rel=1e-5)
    assert value == loss.forward_from_logits(y, logits)


def test_step_from_logits_refuses_a_loss_that_keeps_one_value_per_sample() -> None:
    loss = axon.losses.CategoricalCrossentropy(reduction="none")
    probs = np.full((2, 3), 1 / 3, np.float32)
    with pytest.raises(ValueError, match="reduction='none'"):
        loss.step_from_logits(np.eye(3, dtype=np.float32)[:2], probs, probs)


def test_an_epoch_too_large_to_keep_is_counted_batch_by_batch(monkeypatch: Any) -> None:
    """Past LATE_VALUES outputs an epoch, no epoch of scores is held: each batch counts."""
    from axon.models import data as data_module

    x, y = data()
    net = model(["accuracy"])
    net.fit(x[:1], y[:1], verbose=0)
    calls = counted_updates(net)
    monkeypatch.setattr(data_module, "LATE_VALUES", 120 * 3 - 1)  # one value short
    history = net.fit(x, y, batch_size=16, epochs=2, verbose=0).history
    assert calls[0] == 2 * 8  # 120 rows at 16: 8 batches, each one counted
    monkeypatch.setattr(data_module, "LATE_VALUES", 120 * 3)
    again = model(["accuracy"])
    again.fit(x[:1], y[:1], verbose=0)
    calls = counted_updates(again)
    assert again.fit(x, y, batch_size=16, epochs=2, verbose=0).history == history
    assert calls[0] == 2 * 1  # kept, and counted once an epoch
