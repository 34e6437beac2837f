"""One epoch of 60,000 x 784 -> 256 -> 128 -> 10 (ReLU, softmax) at batch 128 with Adam.

The data are synthetic (MNIST's shape, float32, labels from a random linear teacher):
nothing is downloaded. Also measured on the spot, taking turns with axon's epoch:

- the matrix-product bound: exactly the step's products done with NumPy into
  preallocated outputs (forward 3, kernel gradients 3, input gradients of the top
  two layers: the first layer's input gradient is never needed);
- one optimizer pass: one Adam update of all 235,146 parameters per batch, as the
  fewest in-place NumPy passes (12: three for each moment, five for the step);
- the limit: products plus one optimizer pass, what a NumPy framework cannot beat.

The same three are measured once more on one BLAS thread in CPU time, which the load
of other processes disturbs far less than wall time: where the two fractions differ,
the difference is the second core working only inside BLAS calls.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from common import format_seconds, interleaved, peer, ratio_rows, table, torch_epoch

import axon

N, D, H1, H2, K, BATCH = 60_000, 784, 256, 128, 10, 128
PARAMS = D * H1 + H1 + H1 * H2 + H2 + H2 * K + K  # 235,146
COLUMNS = ["framework", "time", "axon / peer", "note"]


def data(n: int = N) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((n, D), dtype=np.float32)
    teacher = rng.normal(size=(D, K)).astype(np.float32)
    labels = (x @ teacher).argmax(1)
    return x, np.eye(K, dtype=np.float32)[labels]


def axon_model(functional: bool = False) -> axon.Model:
    dense = [
        axon.layers.Dense(H1, activation="relu"),
        axon.layers.Dense(H2, activation="relu"),
        axon.layers.Dense(K, activation="softmax"),
    ]
    if functional:
        inputs = axon.Input((D,))
        out = inputs
        for layer in dense:
            out = layer(out)
        model: axon.Model = axon.Model(inputs, out)
    else:
        model = axon.Sequential([axon.layers.Input((D,)), *dense])
    model.compile(optimizer=axon.optimizers.Adam(), loss="categorical_crossentropy")
    return model


def axon_epoch(model: axon.Model, x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    return lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # type: ignore[return-value]


def pytorch_epoch(x: np.ndarray, y: np.ndarray) -> Callable[[], None] | None:
    torch = peer("torch")
    if torch is None:
        return None
    net = torch.nn.Sequential(
        torch.nn.Linear(D, H1),
        torch.nn.ReLU(),
        torch.nn.Linear(H1, H2),
        torch.nn.ReLU(),
        torch.nn.Linear(H2, K),
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.argmax(1))
    loss_fn = torch.nn.CrossEntropyLoss()
    return lambda: torch_epoch(torch, net, opt, loss_fn, xt, yt, BATCH)


def sklearn_epoch(x: np.ndarray, y: np.ndarray) -> Callable[[], None] | None:
    if peer("sklearn") is None:
        return None
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    labels = y.argmax(1)

    def epoch() -> None:
        clf = MLPClassifier((H1, H2), batch_size=BATCH, max_iter=1, solver="adam")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(x, labels)

    return epoch


def matmul_bound(n: int = N) -> Callable[[], None]:
    """One epoch's matrix products, into preallocated outputs."""
    rng = np.random.default_rng(1)

    def a(*shape: int) -> np.ndarray:
        return rng.random(shape, dtype=np.float32)

    x, w1, w2, w3 = a(BATCH, D), a(D, H1), a(H1, H2), a(H2, K)
    h1, h2, z = a(BATCH, H1), a(BATCH, H2), a(BATCH, K)
    g3, g2, g1 = a(BATCH, K), a(BATCH, H2), a(BATCH, H1)
    d1, d2, d3 = a(D, H1), a(H1, H2), a(H2, K)
    steps = -(-n // BATCH)

    def epoch() -> None:
        for _ in range(steps):
            np.dot(x, w1, out=h1)
            np.dot(h1, w2, out=h2)
            np.dot(h2, w3, out=z)
            np.dot(h2.T, g3, out=d3)
            np.dot(g3, w3.T, out=g2)
            np.dot(h1.T, g2, out=d2)
            np.dot(g2, w2.T, out=g1)
            np.dot(x.T, g1, out=d1)

    return epoch


def optimizer_pass(n: int = N) -> Callable[[], None]:
    """One Adam update of every parameter per batch, in the fewest in-place passes."""
    rng = np.random.default_rng(2)
    p, g, m, v, tmp = (rng.random(PARAMS, dtype=np.float32) for _ in range(5))
    b1, b2 = np.float32(0.9), np.float32(0.999)
    eps, alpha = np.float32(1e-7), np.float32(1e-3)
    steps = -(-n // BATCH)

    def epoch() -> None:
        for _ in range(steps):
            np.subtract(m, g, out=m)  # m = b1 (m - g) + g
            np.multiply(m, b1, out=m)
            np.add(m, g, out=m)
            np.multiply(g, g, out=tmp)  # v = b2 (v - g^2) + g^2
            np.subtract(v, tmp, out=v)
            np.multiply(v, b2, out=v)
            np.add(v, tmp, out=v)
            np.sqrt(v, out=tmp)  # w -= alpha m / (sqrt(v) + eps)
            np.add(tmp, eps, out=tmp)
            np.divide(m, tmp, out=tmp)
            np.multiply(tmp, alpha, out=tmp)
            np.subtract(p, tmp, out=p)

    return epoch


def numpy_floor(x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    """A hand-written NumPy epoch with every array preallocated: the real floor.

    The limit leaves out work no NumPy loop can skip: gathering the shuffled batch,
    the bias additions, ReLU and its derivative, softmax and the loss gradient, the
    bias gradients. This loop does exactly that work and the same Adam, nothing else.
    """
    rng = np.random.default_rng(3)
    sizes = [(D, H1), (H1, H2), (H2, K)]
    flat = np.zeros(PARAMS, np.float32)
    grads, m, v, tmp = (np.zeros(PARAMS, np.float32) for _ in range(4))
    views, gviews, at = [], [], 0
    for rows, cols in sizes:  # kernel then bias, each a view into the flat vectors
        for shape in ((rows, cols), (cols,)):
            size = int(np.prod(shape))
            views.append(flat[at : at + size].reshape(shape))
            gviews.append(grads[at : at + size].reshape(shape))
            at += size
    for kernel, (rows, _) in zip(views[::2], sizes, strict=True):
        kernel[...] = rng.normal(0, (2 / rows) ** 0.5, kernel.shape)
    w1, b1, w2, b2, w3, b3 = views
    dw1, db1, dw2, db2, dw3, db3 = gviews
    xb, yb = np.empty((BATCH, D), np.float32), np.empty((BATCH, K), np.float32)
    h1, h2 = np.empty((BATCH, H1), np.float32), np.empty((BATCH, H2), np.float32)
    z, g2, g1 = (np.empty((BATCH, k), np.float32) for k in (K, H2, H1))
    mask1, mask2 = np.empty_like(h1), np.empty_like(h2)
    ones = np.ones(BATCH, np.float32)
    inv_n, beta1, beta2 = np.float32(1 / BATCH), np.float32(0.9), np.float32(0.999)
    eps, zero, state = np.float32(1e-7), np.float32(0), {"t": 0}

    def epoch() -> None:
        order = rng.permutation(len(x))
        for start in range(0, len(x) - BATCH + 1, BATCH):
            picked = order[start : start + BATCH]
            np.take(x, picked, axis=0, out=xb, mode="clip")
            np.take(y, picked, axis=0, out=yb, mode="clip")
            np.dot(xb, w1, out=h1)
            np.add(h1, b1, out=h1)
            np.maximum(h1, zero, out=h1)
            np.dot(h1, w2, out=h2)
            np.add(h2, b2, out=h2)
            np.maximum(h2, zero, out=h2)
            np.dot(h2, w3, out=z)
            np.add(z, b3, out=z)
            np.subtract(z, z.max(axis=1, keepdims=True), out=z)
            np.exp(z, out=z)
            np.divide(z, z.sum(axis=1, keepdims=True), out=z)
            np.subtract(z, yb, out=z)  # dL/dz of softmax + cross-entropy
            np.multiply(z, inv_n, out=z)
            np.dot(h2.T, z, out=dw3)
            np.dot(ones, z, out=db3)
            np.dot(z, w3.T, out=g2)
            np.multiply(g2, np.sign(h2, out=mask2), out=g2)
            np.dot(h1.T, g2, out=dw2)
            np.dot(ones, g2, out=db2)
            np.dot(g2, w2.T, out=g1)
            np.multiply(g1, np.sign(h1, out=mask1), out=g1)
            np.dot(xb.T, g1, out=dw1)
            np.dot(ones, g1, out=db1)
            state["t"] += 1
            t = state["t"]
            alpha = np.float32(1e-3 * (1 - 0.999**t) ** 0.5 / (1 - 0.9**t))
            np.subtract(m, grads, out=m)
            np.multiply(m, beta1, out=m)
            np.add(m, grads, out=m)
            np.multiply(grads, grads, out=tmp)
            np.subtract(v, tmp, out=v)
            np.multiply(v, beta2, out=v)
            np.add(v, tmp, out=v)
            np.sqrt(v, out=tmp)
            np.add(tmp, eps, out=tmp)
            np.divide(m, tmp, out=tmp)
            np.multiply(tmp, alpha, out=tmp)
            np.subtract(flat, tmp, out=flat)

    return epoch


def one_core_cpu(fns: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """Median CPU time of each function on one BLAS thread, taking turns."""
    from threadpoolctl import threadpool_limits

    times: dict[str, list[float]] = {name: [] for name in fns}
    with threadpool_limits(limits=1, user_api="blas"):
        for fn in fns.values():
            fn()
        for _ in range(repeats):
            for name, fn in fns.items():
                start = time.process_time()
                fn()
                times[name].append(time.process_time() - start)
    return {name: float(np.median(values)) for name, values in times.items()}


def run(repeats: int) -> list[dict[str, Any]]:
    x, y = data()
    sequential, functional = axon_model(), axon_model(functional=True)
    functional.set_weights(sequential.get_weights())
    fns: dict[str, Callable[[], None] | None] = {
        "axon": axon_epoch(sequential, x, y),
        "axon, functional Model (same network)": axon_epoch(functional, x, y),
        "numpy": numpy_floor(x, y),
        "bound": matmul_bound(),
        "optimizer": optimizer_pass(),
    }
    times = interleaved({k: f for k, f in fns.items() if f is not None}, repeats)
    peers = {
        "pytorch loop (hand-written)": pytorch_epoch(x, y),
        "scikit-learn MLPClassifier": sklearn_epoch(x, y),
    }
    for name, fn in peers.items():
        if fn is not None:
            times.update(interleaved({name: fn}, max(1, repeats // 2)))
    bound, optimizer = times.pop("bound"), times.pop("optimizer")
    floor = times.pop("numpy")
    limit = bound + optimizer
    rows = ratio_rows(dict(times))
    base = times["axon"]
    rows[1]["note"] = f"{times[rows[1]['framework']] / base - 1:+.1%} vs Sequential"
    for name, seconds, note in (
        ("matrix products alone (the bound)", bound, f"{bound / base:.0%} of axon"),
        ("one Adam pass alone (12 in-place passes)", optimizer, ""),
        (
            "the limit: products + one Adam pass",
            limit,
            f"axon reaches {limit / base:.0%} of the limit (target 85%)",
        ),
        (
            "hand-written NumPy loop, all arrays preallocated (the floor)",
            floor,
            f"reaches {limit / floor:.0%} of the limit; axon {floor / base:.0%} of it",
        ),
    ):
        rows.append(
            {
                "framework": name,
                "time": format_seconds(seconds),
                "seconds": seconds,
                "axon / peer": base / seconds,
                "note": note,
            }
        )
    # The same on one core, in CPU time: a shorter run of 20,000 rows suffices.
    small_x, small_y = x[:20_000], y[:20_000]
    cpu = one_core_cpu(
        {
            "axon": axon_epoch(sequential, small_x, small_y),
            "numpy": numpy_floor(small_x, small_y),
            "bound": matmul_bound(20_000),
            "optimizer": optimizer_pass(20_000),
        },
        repeats,
    )
    cpu_limit = cpu["bound"] + cpu["optimizer"]
    rows.append(
        {
            "framework": "one BLAS thread, CPU time, 20,000 rows: axon vs the limit",
            "time": f"{format_seconds(cpu['axon'])} vs {format_seconds(cpu_limit)}",
            "seconds": cpu["axon"],
            "axon / peer": cpu["axon"] / cpu_limit,
            "note": f"axon reaches {cpu_limit / cpu['axon']:.0%} of the limit "
            f"(products {format_seconds(cpu['bound'])}, "
            f"Adam pass {format_seconds(cpu['optimizer'])}); the NumPy floor "
            f"{format_seconds(cpu['numpy'])}, {cpu_limit / cpu['numpy']:.0%}",
            "limit_fraction": cpu_limit / cpu["axon"],
        }
    )
    rows[0]["limit_fraction"] = limit / base
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    print(table(run(parser.parse_args().repeats), COLUMNS))
