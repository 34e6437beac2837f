"""``predict`` on 100,000 rows with the large network (784 -> 256 -> 128 -> 10).

The bound is the forward pass's three matrix products for the same batches, into
preallocated outputs; PyTorch runs the same forward under ``no_grad`` in the same
batches. Keras's default batch size (32) and a large one (1,024) are both measured:
with small batches the work per call is small, and Python's share grows.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_large import H1, H2, D, K, axon_model
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
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    print(table(run(parser.parse_args().repeats), COLUMNS))
