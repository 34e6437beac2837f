"""The tutorial's Keras configuration on Iris: fit 100 epochs, batch 16, validation 0.2.

Same architecture everywhere (Dense 64 relu he_normal, BatchNorm, Dropout 0.3, Dense 32
relu, Dropout 0.2, Dense 3 softmax; Adam 1e-3; categorical cross-entropy), 100 full
epochs (no early stopping, so every framework does the same work), validation loss and
accuracy computed after every epoch. scikit-learn's MLPClassifier has no BatchNorm or
Dropout and no validation pass: it is a floor, not a twin.
"""

from __future__ import annotations

import argparse
import statistics
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from common import interleaved, median_time, peer, ratio_rows, table, torch_epoch

import axon
from axon.cli import load_iris_split
from axon.config import dot as _dot  # no dispatch, as axon's layers call it

EPOCHS, BATCH = 100, 16


def keras_api_fit(lib: Any, data: tuple, accuracies: list[float]) -> Callable[[], None]:
    """The tutorial's program, for axon or Keras: both speak the same API."""
    x_train, x_test, y_train, y_test, _ = data

    def fit() -> None:
        model = lib.Sequential(
            [
                lib.layers.Input((4,)),
                lib.layers.Dense(64, activation="relu", kernel_initializer="he_normal"),
                lib.layers.BatchNormalization(),
                lib.layers.Dropout(0.3),
                lib.layers.Dense(32, activation="relu"),
                lib.layers.Dropout(0.2),
                lib.layers.Dense(3, activation="softmax"),
            ]
        )
        model.compile(
            optimizer=lib.optimizers.Adam(0.001),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        model.fit(
            x_train,
            y_train,
            epochs=EPOCHS,
            batch_size=BATCH,
            validation_split=0.2,
            verbose=0,
        )
        accuracies.append(model.evaluate(x_test, y_test, verbose=0)[1])

    return fit


def keras_fit(data: tuple, repeats: int) -> tuple[float, float] | None:
    keras = peer("keras")
    if keras is None:
        return None
    accuracies: list[float] = []
    seconds = median_time(keras_api_fit(keras, data, accuracies), repeats)
    return seconds, statistics.median(accuracies)


def torch_fit(data: tuple, accuracies: list[float]) -> Callable[[], None] | None:
    torch = peer("torch")
    if torch is None:
        return None
    x_train, x_test, y_train, y_test, _ = data
    split = int(len(x_train) * 0.8)
    xt = torch.tensor(x_train[:split], dtype=torch.float32)
    yt = torch.tensor(y_train[:split].argmax(1))
    xv = torch.tensor(x_train[split:], dtype=torch.float32)
    yv = torch.tensor(y_train[split:].argmax(1))

    def fit() -> None:
        net = torch.nn.Sequential(
            torch.nn.Linear(4, 64),
            torch.nn.ReLU(),
            torch.nn.BatchNorm1d(64, momentum=0.01, eps=1e-3),
            torch.nn.Dropout(0.3),
            torch.nn.Linear(64, 32),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(32, 3),
        )
        torch.nn.init.kaiming_normal_(net[0].weight)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        loss_fn = torch.nn.CrossEntropyLoss()
        for _ in range(EPOCHS):
            net.train()
            torch_epoch(torch, net, opt, loss_fn, xt, yt, BATCH)
            net.eval()
            with torch.no_grad():
                out = net(xv)
                loss_fn(out, yv).item()
                (out.argmax(1) == yv).float().mean().item()
        with torch.no_grad():
            pred = net(torch.tensor(x_test, dtype=torch.float32)).argmax(1).numpy()
        accuracies.append(float((pred == y_test.argmax(1)).mean()))

    return fit


def numpy_fit(data: tuple, accuracies: list[float]) -> Callable[[], None]:
    """The floor: the PyTorch loop's work by hand in NumPy, every array preallocated.

    The same network, steps and validation pass (loss and accuracy each epoch, no
    training metrics, as the PyTorch loop), with the fewest NumPy calls a step found:
    each product into its buffer, column sums by BLAS, ReLU's derivative as sign(y),
    Adam as axon's paired moments over one flat vector. The validation pass
    allocates (once an epoch, as the PyTorch loop's).
    """
    x_train, x_test, y_train, y_test, _ = data
    split = int(len(x_train) * 0.8)
    xt, yt = x_train[:split].astype(np.float32), y_train[:split].astype(np.float32)
    xv, yv = x_train[split:].astype(np.float32), y_train[split:].astype(np.float32)
    shapes = [(4, 64), (64,), (64,), (64,), (64, 32), (32,), (32, 3), (3,)]
    sizes = [int(np.prod(s)) for s in shapes]
    n, f32 = BATCH, np.float32
    assert len(xt) % n == 0, "the floor's buffers hold full batches only"

    def views(flat: np.ndarray) -> list[np.ndarray]:
        ends = np.cumsum(sizes)
        pairs = zip(ends - sizes, ends, shapes, strict=True)
        return [flat[a:b].reshape(s) for a, b, s in pairs]

    def buffers(rows: int) -> dict[str, np.ndarray]:
        widths = {"z1": 64, "h1": 64, "c": 64, "sq": 64, "xh": 64, "y1": 64, "m1": 64}
        widths |= {"d1": 64, "z2": 32, "h2": 32, "m2": 32, "d2": 32, "p": 3}
        widths |= {"g1": 64, "g2": 32, "w1": 64, "w2": 32}
        out = {k: np.empty((rows, w), f32) for k, w in widths.items()}
        out |= {"k1": np.empty((rows, 64), bool), "k2": np.empty((rows, 32), bool)}
        out |= {"ones": np.ones(rows, f32), "col": np.ones((3, 1), f32)}
        return out

    def fit() -> None:
        rng = np.random.default_rng()
        flat = np.zeros(sum(sizes), f32)
        grad = np.zeros_like(flat)
        w1, b1, gamma, beta, w2, b2, w3, b3 = views(flat)
        gw1, gb1, ggamma, gbeta, gw2, gb2, gw3, gb3 = views(grad)
        w1[...] = rng.normal(0, np.sqrt(2 / 4), (4, 64))
        w2[...] = rng.uniform(-1, 1, (64, 32)) * np.sqrt(6 / 96)
        w3[...] = rng.uniform(-1, 1, (32, 3)) * np.sqrt(6 / 35)
        gamma[...] = 1
        mean_var = np.zeros((2, 64), f32)  # moving mean and variance
        mean_var[1] = 1
        stats = np.empty((2, 64), f32)  # the batch's mean and variance
        mean, var = stats
        moments, g_pair = np.zeros((2, flat.size), f32), np.empty((2, flat.size), f32)
        betas = np.empty_like(moments)
        betas[0], betas[1] = 0.9, 0.999
        tmp, alpha = np.empty_like(flat), np.zeros((), f32)
        c = {k: np.array(v, f32) for k, v in [("zero", 0), ("drop1", 0.3)]}
        c |= {k: np.array(v, f32) for k, v in [("drop2", 0.2), ("eps", 1e-3)]}
        c |= {"keep1": np.array(1 / 0.7, f32), "keep2": np.array(1 / 0.8, f32)}
        c |= {"inv_n": np.array(1 / n, f32), "mom": np.array(0.99, f32)}
        c |= {"adam_eps": np.array(1e-7, f32)}
        b = buffers(n)
        xs, ys = np.empty_like(xt), np.empty_like(yt)
        step = 0
        for _ in range(EPOCHS):
            order = rng.permutation(len(xt))
            xt.take(order, axis=0, out=xs, mode="clip")
            yt.take(order, axis=0, out=ys, mode="clip")
            for start in range(0, len(xt), n):
                xb, yb = xs[start : start + n], ys[start : start + n]
                # forward
                np.add(_dot(xb, w1, out=b["z1"]), b1, out=b["z1"])
                h1 = np.maximum(b["z1"], c["zero"], out=b["h1"])
                _dot(b["ones"], h1, out=mean)
                mean *= c["inv_n"]
                cen = np.subtract(h1, mean, out=b["c"])
                _dot(b["ones"], np.multiply(cen, cen, out=b["sq"]), out=var)
                var *= c["inv_n"]
                mean_var -= stats
                mean_var *= c["mom"]
                mean_var += stats
                inv_std = np.add(var, c["eps"])
                np.sqrt(inv_std, out=inv_std)
                np.reciprocal(inv_std, out=inv_std)
                xh = np.multiply(cen, inv_std, out=b["xh"])
                y1 = np.multiply(xh, gamma, out=b["y1"])
                y1 += beta
                rng.random(out=b["m1"], dtype=f32)
                np.greater_equal(b["m1"], c["drop1"], out=b["k1"])
                b["m1"][...] = b["k1"]
                b["m1"] *= c["keep1"]
                d1 = np.multiply(y1, b["m1"], out=b["d1"])
                np.add(_dot(d1, w2, out=b["z2"]), b2, out=b["z2"])
                h2 = np.maximum(b["z2"], c["zero"], out=b["h2"])
                rng.random(out=b["m2"], dtype=f32)
                np.greater_equal(b["m2"], c["drop2"], out=b["k2"])
                b["m2"][...] = b["k2"]
                b["m2"] *= c["keep2"]
                d2 = np.multiply(h2, b["m2"], out=b["d2"])
                p = np.add(_dot(d2, w3, out=b["p"]), b3, out=b["p"])
                p -= np.maximum.reduce(p, axis=1, keepdims=True)
                np.exp(p, out=p)
                p /= _dot(p, b["col"])
                # backward, from the softmax and cross-entropy's (p - y) / n
                g3 = np.subtract(p, yb, out=p)
                g3 *= c["inv_n"]
                _dot(d2.T, g3, out=gw3)
                _dot(b["ones"], g3, out=gb3)
                g2 = _dot(g3, w3.T, out=b["g2"])
                g2 *= b["m2"]
                g2 *= np.sign(h2, out=b["w2"])
                _dot(d1.T, g2, out=gw2)
                _dot(b["ones"], g2, out=gb2)
                g1 = _dot(g2, w2.T, out=b["g1"])
                g1 *= b["m1"]
                _dot(b["ones"], np.multiply(g1, xh, out=b["w1"]), out=ggamma)
                _dot(b["ones"], g1, out=gbeta)
                g1 *= gamma  # dL/dx_hat, then BatchNormalization's backward
                s_gx = _dot(b["ones"], np.multiply(g1, xh, out=b["w1"]))
                s_g = _dot(b["ones"], g1)
                s_gx *= c["inv_n"]
                s_g *= c["inv_n"]
                g1 -= np.multiply(xh, s_gx, out=b["w1"])
                g1 -= s_g
                g1 *= inv_std
                g1 *= np.sign(h1, out=b["w1"])
                _dot(xb.T, g1, out=gw1)
                _dot(b["ones"], g1, out=gb1)
                # Adam
                step += 1
                g_pair[0] = grad
                np.multiply(grad, grad, out=g_pair[1])
                moments -= g_pair
                moments *= betas
                moments += g_pair
                alpha[()] = 1e-3 * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
                np.sqrt(moments[1], out=tmp)
                tmp += c["adam_eps"]
                np.divide(moments[0], tmp, out=tmp)
                tmp *= alpha
                flat -= tmp
            validate(xv, yv, flat, mean_var, c)  # loss and accuracy, as PyTorch's
        accuracies.append(validate(x_test.astype(f32), y_test, flat, mean_var, c))

    def validate(x, y, flat, mean_var, c) -> float:  # type: ignore[no-untyped-def]
        """Inference: BatchNormalization on its moving statistics, no dropout."""
        w1, b1, gamma, beta, w2, b2, w3, b3 = views(flat)
        scale = gamma / np.sqrt(mean_var[1] + c["eps"])
        shift = beta - mean_var[0] * scale
        h = np.maximum(x @ w1 + b1, 0) * scale + shift
        z = np.maximum(h @ w2 + b2, 0) @ w3 + b3
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        float(-np.log((p * y).sum(axis=1)).mean())  # the validation loss
        return float((p.argmax(axis=1) == y.argmax(axis=1)).mean())

    return fit


def sklearn_fit(data: tuple, repeats: int) -> tuple[float, float] | None:
    if peer("sklearn") is None:
        return None
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x_train, x_test, y_train, y_test, _ = data
    split = int(len(x_train) * 0.8)
    accuracies = []

    def fit() -> None:
        clf = MLPClassifier(
            (64, 32),
            batch_size=BATCH,
            max_iter=EPOCHS,
            solver="adam",
            learning_rate_init=1e-3,
            tol=0,
            n_iter_no_change=10**9,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(x_train[:split], y_train[:split].argmax(1))
        accuracies.append(float((clf.predict(x_test) == y_test.argmax(1)).mean()))

    return median_time(fit, repeats), statistics.median(accuracies)


def run(repeats: int) -> list[dict[str, object]]:
    data = load_iris_split()
    for array in data[:4]:
        assert array.dtype == np.float64 or array.dtype == np.float32
    # axon and the PyTorch loop take turns, so that the load's drift hits both alike
    # (their ratio moved between 1/6 and 1/11 when each was timed in a block of its
    # own); a round is five axon fits, then one PyTorch fit.
    # The floor (a hand-written NumPy loop) takes its turns too, five fits a round.
    accuracies: dict[str, list[float]] = {"axon": [], "torch": [], "floor": []}
    axon_fit = keras_api_fit(axon, data, accuracies["axon"])
    floor_fit = numpy_fit(data, accuracies["floor"])
    fns = {
        "axon": lambda: [axon_fit() for _ in range(5)],
        "floor": lambda: [floor_fit() for _ in range(5)],
    }
    pytorch = torch_fit(data, accuracies["torch"])
    if pytorch is not None:
        fns["torch"] = pytorch
    times = interleaved(fns, max(3, repeats // 2))
    results: dict[str, tuple[float, float] | None] = {
        "axon": (times["axon"] / 5, statistics.median(accuracies["axon"])),
        "keras 3 (torch backend)": keras_fit(data, max(3, repeats // 5)),
        "pytorch loop (hand-written)": None
        if pytorch is None
        else (times["torch"], statistics.median(accuracies["torch"])),
        "scikit-learn MLPClassifier (no BN/dropout/val)": sklearn_fit(data, repeats),
        "numpy loop, every array preallocated (the floor)": (
            times["floor"] / 5,
            statistics.median(accuracies["floor"]),
        ),
    }
    rows = ratio_rows({name: r[0] if r else None for name, r in results.items()})
    for row in rows:
        row["test accuracy"] = f"{results[row['framework']][1]:.4f}"  # type: ignore[index]
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=25)
    rows = run(parser.parse_args().repeats)
    print(table(rows, ["framework", "time", "axon / peer", "test accuracy"]))
