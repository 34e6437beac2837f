"""One epoch of 60,000 x 784 -> 256 -> 128 -> 10 (ReLU, softmax) at batch 128 with Adam.

The data are synthetic (MNIST's shape, float32, labels from a random linear teacher):
nothing is downloaded. Also measured on the spot: the matrix-product bound, the time
of exactly the step's products done with NumPy (forward 3, kernel gradients 3, input
gradients of the top two layers: the first layer's input gradient is never needed).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from common import format_seconds, median_time, peer, ratio_rows, table, torch_epoch

import axon

N, D, H1, H2, K, BATCH = 60_000, 784, 256, 128, 10, 128


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((N, D), dtype=np.float32)
    teacher = rng.normal(size=(D, K)).astype(np.float32)
    labels = (x @ teacher).argmax(1)
    return x, np.eye(K, dtype=np.float32)[labels]


def axon_epoch(x: np.ndarray, y: np.ndarray, repeats: int) -> float:
    model = axon.Sequential(
        [
            axon.layers.Input((D,)),
            axon.layers.Dense(H1, activation="relu"),
            axon.layers.Dense(H2, activation="relu"),
            axon.layers.Dense(K, activation="softmax"),
        ]
    )
    model.compile(optimizer=axon.optimizers.Adam(), loss="categorical_crossentropy")
    return median_time(
        lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0), repeats
    )


def pytorch_epoch(x: np.ndarray, y: np.ndarray, repeats: int) -> float | None:
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

    return median_time(
        lambda: torch_epoch(torch, net, opt, loss_fn, xt, yt, BATCH), repeats
    )


def sklearn_epoch(x: np.ndarray, y: np.ndarray, repeats: int) -> float | None:
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

    return median_time(epoch, repeats, warmup=0)


def matmul_bound(repeats: int) -> float:
    """Time of exactly one epoch's matrix products, into preallocated outputs."""
    rng = np.random.default_rng(1)

    def a(*shape: int) -> np.ndarray:
        return rng.random(shape, dtype=np.float32)

    x, w1, w2, w3 = a(BATCH, D), a(D, H1), a(H1, H2), a(H2, K)
    h1, h2, z = a(BATCH, H1), a(BATCH, H2), a(BATCH, K)
    g3, g2, g1 = a(BATCH, K), a(BATCH, H2), a(BATCH, H1)
    d1, d2, d3 = a(D, H1), a(H1, H2), a(H2, K)
    steps = -(-N // BATCH)

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

    return median_time(epoch, repeats)


def run(repeats: int) -> list[dict[str, object]]:
    x, y = data()
    bound = matmul_bound(repeats)
    results = {
        "axon": axon_epoch(x, y, repeats),
        "pytorch loop (hand-written)": pytorch_epoch(x, y, repeats),
        "scikit-learn MLPClassifier": sklearn_epoch(x, y, max(1, repeats // 2)),
    }
    rows = ratio_rows(results)
    base = rows[0]["seconds"]
    rows.append(
        {
            "framework": "matrix products alone (the bound)",
            "time": format_seconds(bound),
            "seconds": bound,
            "axon / peer": base / bound,
            "note": f"axon reaches {bound / base:.0%} of the bound",
        }
    )
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    print(
        table(
            run(parser.parse_args().repeats),
            ["framework", "time", "axon / peer", "note"],
        )
    )
