"""``predict`` on 100,000 rows with the large network (784 -> 256 -> 128 -> 10).

The bound is the forward pass's three matrix products for the same batches, into
preallocated outputs; PyTorch runs the same forward under ``no_grad`` in the same
batches. Keras's default batch size (32) and a large one (1,024) are both measured:
with small batches the work per call is small, and Python's share grows (axon's
``predict`` runs at least 256 rows per pass whatever the batch size, so at
``batch_size=32`` it can beat the products done 32 rows at a time).

Also, on one BLAS thread in CPU time (which the load of other processes disturbs far
less than wall time; with two threads only the products use the second core): axon
against the bound and against a hand-written NumPy forward with every array
preallocated (products, biases, ReLU, softmax: the floor), both at 1,024 rows.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_large import H1, H2, D, K, axon_model, one_core_cpu
from common import format_seconds, interleaved, peer, table

ROWS = 100_000
COLUMNS = ["framework", "time", "axon / peer", "note"]


def bound(batch: int) -> Callable[[], None]:
    rng = np.random.default_rng(1)
    x = rng.random((ROWS, D), dtype=np.float32)
    w1, w2, w3 = (rng.random(s, dtype=np.float32) for s in ((D, H1), (H1, H2), (H2, K)))
    h1, h2 = np.empty((batch, H1), np.float32), np.empty((batch, H2), np.float32)
    z = np.empty((batch, K), np.float32)

    def products() -> None:
        for start in range(0, ROWS - batch + 1, batch):
            np.dot(x[start : start + batch], w1, out=h1)
            np.dot(h1, w2, out=h2)
            np.dot(h2, w3, out=z)

    return products


def numpy_floor(batch: int) -> Callable[[], None]:
    """The forward no NumPy loop can skip: products, biases, ReLU and softmax."""
    rng = np.random.default_rng(1)
    x = rng.random((ROWS, D), dtype=np.float32)
    shapes = ((D, H1), (H1, H2), (H2, K))
    kernels = [rng.random(s, dtype=np.float32) for s in shapes]
    biases = [rng.random(s[1], dtype=np.float32) for s in shapes]
    outs = [np.empty((batch, s[1]), np.float32) for s in shapes]
    row_max, row_sum = (
        np.empty((batch, 1), np.float32),
        np.empty((batch, 1), np.float32),
    )
    result, zero = np.empty((ROWS, K), np.float32), np.zeros((), np.float32)

    def forward() -> None:
        for start in range(0, ROWS - batch + 1, batch):
            h = x[start : start + batch]
            for i, (kernel, bias, out) in enumerate(
                zip(kernels, biases, outs, strict=True)
            ):
                h = np.dot(h, kernel, out=out)
                h += bias
                if i < 2:
                    np.maximum(h, zero, out=h)
            np.maximum.reduce(h, axis=1, keepdims=True, out=row_max)
            h -= row_max
            np.exp(h, out=h)
            np.add.reduce(h, axis=1, keepdims=True, out=row_sum)
            np.divide(h, row_sum, out=result[start : start + batch])

    return forward


def torch_predict(x: np.ndarray, batch: int) -> Callable[[], None] | None:
    torch = peer("torch")
    if torch is None:
        return None
    net = torch.nn.Sequential(
        torch.nn.Linear(D, H1),
        torch.nn.ReLU(),
        torch.nn.Linear(H1, H2),
        torch.nn.ReLU(),
        torch.nn.Linear(H2, K),
        torch.nn.Softmax(dim=1),
    ).eval()
    tensor = torch.from_numpy(x)
    out = torch.empty((ROWS, K))

    def predict() -> None:
        with torch.no_grad():
            for start in range(0, ROWS, batch):
                out[start : start + batch] = net(tensor[start : start + batch])

    return predict


def run(repeats: int) -> list[dict[str, Any]]:
    x = np.random.default_rng(0).random((ROWS, D), dtype=np.float32)
    model = axon_model()
    rows: list[dict[str, Any]] = []
    for batch in (32, 1024):
        fns: dict[str, Callable[[], Any]] = {
            "axon": lambda b=batch: model.predict(x, batch_size=b, verbose=0),
            "bound": bound(batch),
        }
        torch_fn = torch_predict(x, batch)
        if torch_fn is not None:
            fns["torch"] = torch_fn
        times = interleaved(fns, repeats)
        base = times["axon"]
        names = {
            "axon": f"axon model.predict, batch_size={batch}",
            "torch": f"pytorch eager, no_grad, batch {batch}",
            "bound": f"matrix products alone, batch {batch}",
        }
        for key, seconds in times.items():
            note = ""
            if key == "axon":
                note = f"reaches {times['bound'] / base:.0%} of the bound (target 90%)"
            rows.append(
                {
                    "framework": names[key],
                    "time": format_seconds(seconds),
                    "seconds": seconds,
                    "axon / peer": base / seconds,
                    "note": note,
                }
            )
    cpu = one_core_cpu(
        {
            "axon": lambda: model.predict(x, batch_size=1024, verbose=0),
            "bound": bound(1024),
            "floor": numpy_floor(1024),
        },
        repeats,
    )
    rows.append(
        {
            "framework": "one BLAS thread, CPU time, batch 1024: axon vs the bound",
            "time": f"{format_seconds(cpu['axon'])} vs {format_seconds(cpu['bound'])}",
            "seconds": cpu["axon"],
            "axon / peer": cpu["axon"] / cpu["bound"],
            "note": f"axon reaches {cpu['bound'] / cpu['axon']:.0%} of the bound; the "
            f"NumPy floor {format_seconds(cpu['floor'])}, "
            f"{cpu['bound'] / cpu['floor']:.0%}; axon {cpu['floor'] / cpu['axon']:.0%}"
            " of the floor",
        }
    )
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    print(table(run(parser.parse_args().repeats), COLUMNS))
