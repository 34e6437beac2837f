"""One training step of a 4-8-8-3 network at batch 16 with Adam, inside a training loop.

Each framework trains the same network on the same data for a fixed number of steps;
the time per step is the loop's time divided by the steps (shuffling, batching and the
loss included, as a user's loop pays them).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
from common import median_time, peer, ratio_rows, torch_epoch

import axon

N, BATCH, STEPS_PER_EPOCH = 16 * 64, 16, 64


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, N)]
    return x, y


def axon_step(
    x: np.ndarray, y: np.ndarray, repeats: int, functional: bool = False
) -> float:
    dense = [
        axon.layers.Dense(8, activation="relu"),
        axon.layers.Dense(8, activation="relu"),
        axon.layers.Dense(3, activation="softmax"),
    ]
    if functional:  # the same network as a graph: axon.Model(inputs, outputs)
        inputs = axon.Input((4,))
        out = inputs
        for layer in dense:
            out = layer(out)
        model: axon.Model = axon.Model(inputs, out)
    else:
        model = axon.Sequential([axon.layers.Input((4,)), *dense])
    model.compile(optimizer=axon.optimizers.Adam(), loss="categorical_crossentropy")
    epochs = 5
    seconds = median_time(
        lambda: model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0), repeats
    )
    return seconds / (epochs * STEPS_PER_EPOCH)


def torch_step(x: np.ndarray, y: np.ndarray, repeats: int, fused: bool) -> float | None:
    torch = peer("torch")
    if torch is None:
        return None
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, 8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, 3),
    )
    opt = torch.optim.Adam(
        net.parameters(), lr=1e-3, eps=1e-7, foreach=not fused, fused=fused or None
    )
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.argmax(1))
    loss_fn = torch.nn.CrossEntropyLoss()
    epochs = 5

    def loop() -> None:
        for _ in range(epochs):
            torch_epoch(torch, net, opt, loss_fn, xt, yt, BATCH)

    return median_time(loop, repeats) / (epochs * STEPS_PER_EPOCH)


def sklearn_step(x: np.ndarray, y: np.ndarray, repeats: int) -> float | None:
    sklearn = peer("sklearn")
    if sklearn is None:
        return None
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    epochs = 5

    def fit() -> None:
        clf = MLPClassifier(
            (8, 8),
            batch_size=BATCH,
            max_iter=epochs,
            solver="adam",
            tol=0,
            n_iter_no_change=10**9,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(x, y.argmax(1))

    return median_time(fit, repeats) / (epochs * STEPS_PER_EPOCH)


def numpy_step(x: np.ndarray, y: np.ndarray, repeats: int) -> float:
    """The floor: a plain NumPy loop written for this one network, no framework."""
    rng = np.random.default_rng(0)
    sizes = [4, 8, 8, 3]
    ws = [
        rng.normal(size=(a, b)).astype(np.float32) * 0.3
        for a, b in itertools.pairwise(sizes)
    ]
    bs = [np.zeros(b, np.float32) for b in sizes[1:]]
    params = ws + bs
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    epochs = 5

    def loop() -> None:
        t = 0
        for _ in range(epochs):
            order = rng.permutation(N)
            for start in range(0, N, BATCH):
                rows = order[start : start + BATCH]
                xb, yb = x[rows], y[rows]
                h1 = np.maximum(xb @ ws[0] + bs[0], 0)
                h2 = np.maximum(h1 @ ws[1] + bs[1], 0)
                z = h2 @ ws[2] + bs[2]
                e = np.exp(z - z.max(1, keepdims=True))
                p = e / e.sum(1, keepdims=True)
                g3 = (p - yb) / len(xb)
                g2 = (g3 @ ws[2].T) * (h2 > 0)
                g1 = (g2 @ ws[1].T) * (h1 > 0)
                grads = [
                    xb.T @ g1,
                    h1.T @ g2,
                    h2.T @ g3,
                    g1.sum(0),
                    g2.sum(0),
                    g3.sum(0),
                ]
                t += 1
                a = 1e-3 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
                for p_, g, m_, v_ in zip(params, grads, m, v, strict=False):
                    m_ *= 0.9
                    m_ += 0.1 * g
                    v_ *= 0.999
                    v_ += 0.001 * g * g
                    p_ -= a * m_ / (np.sqrt(v_) + 1e-7)

    return median_time(loop, repeats) / (epochs * STEPS_PER_EPOCH)


def run(repeats: int) -> list[dict[str, object]]:
    x, y = data()
    results = {
        "axon": axon_step(x, y, repeats),
        "axon, functional Model (same network)": axon_step(x, y, repeats, True),
        "numpy loop (hand-written)": numpy_step(x, y, repeats),
        "pytorch eager": torch_step(x, y, repeats, fused=False),
        "pytorch eager, fused Adam": torch_step(x, y, repeats, fused=True),
        "scikit-learn MLPClassifier": sklearn_step(x, y, repeats),
    }
    return ratio_rows(results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    from common import table

    rows = run(parser.parse_args().repeats)
    print(table(rows, ["framework", "time", "axon / peer"]))
