"""One training step of a 4-8-8-3 network at batch 16 with Adam, inside a training loop.

Each framework trains the same network on the same data for a fixed number of steps;
the time per step is the loop's time divided by the steps (shuffling, batching and the
loss included, as a user's loop pays them).
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
from common import interleaved, peer, ratio_rows, torch_epoch

import axon
from axon.config import dot as _dot  # no dispatch, as axon's layers call it

N, BATCH, STEPS_PER_EPOCH = 16 * 64, 16, 64
COLUMNS = ["framework", "time", "axon / peer", "note"]


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, N)]
    return x, y


def axon_step(
    x: np.ndarray, y: np.ndarray, functional: bool = False
) -> Callable[[], Any]:
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
    return lambda: model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)


def axon_step_dataset(x: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    """The same steps, the batches served by an ``axon.utils.PyDataset``."""

    class Batches(axon.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()
            self.order = np.arange(N)
            self.rng = np.random.default_rng(1)

        def __len__(self) -> int:
            return STEPS_PER_EPOCH

        def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
            rows = self.order[index * BATCH : (index + 1) * BATCH]
            return x[rows], y[rows]

        def on_epoch_end(self) -> None:
            self.rng.shuffle(self.order)

    model = axon.Sequential(
        [
            axon.layers.Input((4,)),
            axon.layers.Dense(8, activation="relu"),
            axon.layers.Dense(8, activation="relu"),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=axon.optimizers.Adam(), loss="categorical_crossentropy")
    batches, epochs = Batches(), 5
    return lambda: model.fit(batches, epochs=epochs, verbose=0)


def torch_step_loader(x: np.ndarray, y: np.ndarray) -> Callable[[], Any] | None:
    """PyTorch's natural peer of a PyDataset: a DataLoader over a TensorDataset."""
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
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    data = torch.utils.data.TensorDataset(
        torch.from_numpy(x), torch.from_numpy(y.argmax(1))
    )
    loader = torch.utils.data.DataLoader(data, batch_size=BATCH, shuffle=True)
    loss_fn = torch.nn.CrossEntropyLoss()
    epochs = 5

    def loop() -> None:
        for _ in range(epochs):
            for xb, yb in loader:
                opt.zero_grad()
                loss_fn(net(xb), yb).backward()
                opt.step()

    return loop


def torch_step(x: np.ndarray, y: np.ndarray, fused: bool) -> Callable[[], Any] | None:
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

    return loop


def sklearn_step(x: np.ndarray, y: np.ndarray) -> Callable[[], Any] | None:
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

    return fit


def numpy_step(x: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
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

    return loop


def numpy_floor(x: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    """The floor: the same loop by hand with every array preallocated.

    The fewest NumPy calls a step found for the same work (shuffled batches,
    forward, softmax and the cross-entropy's gradient, backward, Adam): products
    into buffers, column sums by BLAS, ReLU's derivative as sign(y), 0-d constants,
    Adam as axon's paired moments over one flat vector; no loss value is computed.
    """
    rng = np.random.default_rng(0)
    sizes = [4, 8, 8, 3]
    shapes = [s for a, b in itertools.pairwise(sizes) for s in ((a, b), (b,))]
    ends = np.cumsum([int(np.prod(s)) for s in shapes])
    flat = (rng.normal(size=ends[-1]) * 0.3).astype(np.float32)
    grad = np.zeros_like(flat)

    def views(vector: np.ndarray) -> list[np.ndarray]:
        pairs = zip(ends - [int(np.prod(s)) for s in shapes], ends, shapes, strict=True)
        return [vector[a:b].reshape(s) for a, b, s in pairs]

    w1, b1, w2, b2, w3, b3 = views(flat)
    gw1, gb1, gw2, gb2, gw3, gb3 = views(grad)
    moments = np.zeros((2, flat.size), np.float32)
    g_pair = np.empty_like(moments)
    betas = np.empty_like(moments)
    betas[0], betas[1] = 0.9, 0.999
    tmp, alpha = np.empty_like(flat), np.zeros((), np.float32)
    zero, inv_n = np.zeros((), np.float32), np.array(1 / BATCH, np.float32)
    eps = np.array(1e-7, np.float32)
    z1, h1, g1, s1 = (np.empty((BATCH, 8), np.float32) for _ in range(4))
    z2, h2, g2, s2 = (np.empty((BATCH, 8), np.float32) for _ in range(4))
    p, ones = np.empty((BATCH, 3), np.float32), np.ones(BATCH, np.float32)
    col = np.ones((3, 1), np.float32)
    xs, ys = np.empty_like(x), np.empty_like(y)
    epochs = 5

    def loop() -> None:
        t = 0
        for _ in range(epochs):
            order = rng.permutation(N)
            x.take(order, axis=0, out=xs, mode="clip")
            y.take(order, axis=0, out=ys, mode="clip")
            for start in range(0, N, BATCH):
                xb, yb = xs[start : start + BATCH], ys[start : start + BATCH]
                np.add(_dot(xb, w1, out=z1), b1, out=z1)
                np.maximum(z1, zero, out=h1)
                np.add(_dot(h1, w2, out=z2), b2, out=z2)
                np.maximum(z2, zero, out=h2)
                np.add(_dot(h2, w3, out=p), b3, out=p)
                np.subtract(p, np.maximum.reduce(p, axis=1, keepdims=True), out=p)
                np.exp(p, out=p)
                np.divide(p, _dot(p, col), out=p)
                np.subtract(p, yb, out=p)  # dL/dz at the logits, times n
                np.multiply(p, inv_n, out=p)
                _dot(h2.T, p, out=gw3)
                _dot(ones, p, out=gb3)
                _dot(p, w3.T, out=g2)
                np.multiply(g2, np.sign(h2, out=s2), out=g2)
                _dot(h1.T, g2, out=gw2)
                _dot(ones, g2, out=gb2)
                _dot(g2, w2.T, out=g1)
                np.multiply(g1, np.sign(h1, out=s1), out=g1)
                _dot(xb.T, g1, out=gw1)
                _dot(ones, g1, out=gb1)
                t += 1
                g_pair[0] = grad
                np.multiply(grad, grad, out=g_pair[1])
                np.subtract(moments, g_pair, out=moments)
                np.multiply(moments, betas, out=moments)
                np.add(moments, g_pair, out=moments)
                alpha[()] = 1e-3 * (1 - 0.999**t) ** 0.5 / (1 - 0.9**t)
                np.sqrt(moments[1], out=tmp)
                np.add(tmp, eps, out=tmp)
                np.divide(moments[0], tmp, out=tmp)
                np.multiply(tmp, alpha, out=tmp)
                np.subtract(flat, tmp, out=flat)

    return loop


def run(repeats: int) -> list[dict[str, object]]:
    x, y = data()
    makers = {
        "axon": axon_step(x, y),
        "axon, functional Model (same network)": axon_step(x, y, True),
        "numpy loop (hand-written)": numpy_step(x, y),
        "numpy loop, every array preallocated (the floor)": numpy_floor(x, y),
        "pytorch eager": torch_step(x, y, fused=False),
        "pytorch eager, fused Adam": torch_step(x, y, fused=True),
        "scikit-learn MLPClassifier": sklearn_step(x, y),
        "axon, batches from a PyDataset": axon_step_dataset(x, y),
        "pytorch eager, DataLoader": torch_step_loader(x, y),
    }
    # Every loop runs five epochs of 64 steps; they take turns, so that the
    # machine's drift over a run hits them alike.
    times = interleaved({k: f for k, f in makers.items() if f is not None}, repeats)
    results = {
        name: None if name not in times else times[name] / (5 * STEPS_PER_EPOCH)
        for name in makers
    }
    rows = ratio_rows(results)
    by_name = {row["framework"]: row["seconds"] for row in rows}
    if "pytorch eager, DataLoader" in by_name:
        ratio = (
            by_name["axon, batches from a PyDataset"]
            / by_name["pytorch eager, DataLoader"]
        )
        rows[-2]["note"] = f"PyDataset / PyTorch's DataLoader: {ratio:.3g}"
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    from common import table

    rows = run(parser.parse_args().repeats)
    print(table(rows, COLUMNS))
