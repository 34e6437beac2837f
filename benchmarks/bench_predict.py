"""``predict`` on one sample with the tutorial's trained Iris model (inference mode).

Every function runs a block of calls in turn with the others (``common.interleaved``),
so that the machine's load drifts over all of them alike; a time is the median block
over its number of calls. The floor is the same forward written by hand: the fewest
NumPy calls, every array and the BatchNormalization fold made beforehand, no checks.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from common import peer, ratio_rows, table

from axon.cli import build_model, load_iris_split
from axon.config import dot as _dot  # no dispatch, as axon's layers call it


def numpy_floor(model: Any, sample: np.ndarray) -> Callable[[], np.ndarray]:
    """The model's one-row forward as the fewest NumPy calls (the floor).

    Per layer the work no Python path can skip: the product, the bias (added to the
    row seen as a vector, with no broadcasting), ReLU, BatchNormalization's scale and
    shift folded beforehand, softmax over the row (its maximum and sum by Python over
    three values) and the copy handed back. 15 NumPy calls.
    """
    dense1, bn, _, dense2, _, dense3 = model.layers
    dtype = sample.dtype
    w1, b1 = dense1.params["kernel"].copy(), dense1.params["bias"].copy()
    w2, b2 = dense2.params["kernel"].copy(), dense2.params["bias"].copy()
    w3, b3 = dense3.params["kernel"].copy(), dense3.params["bias"].copy()
    variance = bn.state["moving_variance"] + np.asarray(bn.epsilon, dtype)
    scale = (bn.params["gamma"] / np.sqrt(variance)).reshape(1, -1)
    shift = (bn.params["beta"] - bn.state["moving_mean"] * scale).reshape(1, -1)
    h1, h2, z = (np.empty((1, n), dtype) for n in (len(b1), len(b2), len(b3)))
    v1, v2, v3 = h1.reshape(-1), h2.reshape(-1), z.reshape(-1)
    zero, top, total = (np.zeros((), dtype) for _ in range(3))
    add, maximum, multiply = np.add, np.maximum, np.multiply

    def forward() -> np.ndarray:
        _dot(sample, w1, h1)
        add(v1, b1, v1)
        maximum(h1, zero, out=h1)
        multiply(h1, scale, h1)
        add(h1, shift, h1)
        _dot(h1, w2, h2)
        add(v2, b2, v2)
        maximum(h2, zero, out=h2)
        _dot(h2, w3, z)
        add(v3, b3, v3)
        top[()] = max(z.tolist()[0])
        np.subtract(z, top, z)
        np.exp(z, z)
        total[()] = sum(z.tolist()[0])
        return np.divide(z, total, z).copy()

    return forward


def run(repeats: int) -> list[dict[str, object]]:
    x_train, x_test, y_train, _, _ = load_iris_split()
    sample = x_test[:1].astype(np.float32)
    model = build_model([64, 32], [0.3, 0.2], True, 4, 3)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x_train, y_train, epochs=5, batch_size=16, verbose=0)
    floor = numpy_floor(model, sample)
    np.testing.assert_allclose(floor(), model.predict(sample, verbose=0), rtol=1e-5)
    # name: (function, calls per block), blocks of about 20-50 ms each
    calls: dict[str, tuple[Callable[[], Any], int]] = {
        "axon model.predict": (lambda: model.predict(sample, verbose=0), 2000),
        "axon model.predict_on_batch": (lambda: model.predict_on_batch(sample), 2000),
        "hand-written NumPy forward, arrays made beforehand (the floor)": (floor, 2000),
    }
    torch = peer("torch")
    if torch is not None:
        net = torch.nn.Sequential(
            torch.nn.Linear(4, 64),
            torch.nn.ReLU(),
            torch.nn.BatchNorm1d(64),
            torch.nn.Dropout(0.3),
            torch.nn.Linear(64, 32),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(32, 3),
            torch.nn.Softmax(dim=1),
        ).eval()
        tensor = torch.from_numpy(sample)

        def torch_predict() -> None:
            with torch.no_grad():
                net(tensor).numpy()

        calls["pytorch eager, no_grad"] = (torch_predict, 500)
    keras = peer("keras")
    if keras is not None:
        kmodel = keras.Sequential(
            [
                keras.layers.Input((4,)),
                keras.layers.Dense(64, activation="relu"),
                keras.layers.BatchNormalization(),
                keras.layers.Dropout(0.3),
                keras.layers.Dense(32, activation="relu"),
                keras.layers.Dropout(0.2),
                keras.layers.Dense(3, activation="softmax"),
            ]
        )
        calls["keras 3 model.predict"] = (
            lambda: kmodel.predict(sample, verbose=0),
            20,
        )
        calls["keras 3 model(x) call"] = (lambda: kmodel(sample, training=False), 40)
    if peer("sklearn") is not None:
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier((64, 32), max_iter=5).fit(x_train, y_train.argmax(1))
        calls["scikit-learn predict_proba"] = (lambda: clf.predict_proba(sample), 400)

    wall, cpu = interleaved_both(calls, repeats)
    rows = ratio_rows(dict(wall), base="axon model.predict")
    for row, by_cpu in zip(
        rows, ratio_rows(dict(cpu), "axon model.predict"), strict=True
    ):
        row["cpu"], row["cpu ratio"] = by_cpu["time"], by_cpu["axon / peer"]
    return rows


def interleaved_both(
    calls: dict[str, tuple[Callable[[], Any], int]], repeats: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU time per call, each function's block of calls in turn.

    As ``common.interleaved``, with the process's CPU time beside the wall time: on
    this shared machine a process is often descheduled mid-block (wall times up to
    twice the CPU times at load 3), which CPU time does not count.
    """
    wall: dict[str, list[float]] = {name: [] for name in calls}
    cpu: dict[str, list[float]] = {name: [] for name in calls}
    for fn, number in calls.values():
        for _ in range(max(1, number // 10)):
            fn()  # warm-up
    for _ in range(repeats):
        for name, (fn, number) in calls.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(number):
                fn()
            cpu[name].append((time.process_time() - start_cpu) / number)
            wall[name].append((time.perf_counter() - start) / number)
    return (
        {name: statistics.median(values) for name, values in wall.items()},
        {name: statistics.median(values) for name, values in cpu.items()},
    )


if __name__ == "__main__":
    import os
    import warnings

    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    before = os.getloadavg()
    rows = run(parser.parse_args().repeats)
    print(table(rows, ["framework", "time", "axon / peer", "cpu", "cpu ratio"]))
    print(f"load average before {before}, after {os.getloadavg()}")
