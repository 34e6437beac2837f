"""The large epoch's floor with Adam per layer, right after that layer's backward.

Issue 12 asked whether updating each layer's slice of the flat vector while its
gradient is still in cache beats one Adam pass over the whole vector after the
backward. Adam is elementwise, so both give the same numbers; this measures the
hand-written floor of ``bench_large.py`` both ways on one BLAS thread in CPU time,
taking turns, with the bound and the Adam pass beside them. Evidence for the closing
note; not part of ``run_all.py``: ``python benchmarks/bench_large_floor.py [repeats]``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
from bench_large import (
    BATCH,
    H1,
    H2,
    PARAMS,
    D,
    K,
    data,
    matmul_bound,
    numpy_floor,
    one_core_cpu,
    optimizer_pass,
)

B1, B2, EPS = np.float32(0.9), np.float32(0.999), np.float32(1e-7)


def adam(p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, tmp: np.ndarray,
         alpha: np.float32) -> None:  # fmt: skip
    """The floor's 12 in-place passes, on one layer's slices."""
    np.subtract(m, g, out=m)
    np.multiply(m, B1, out=m)
    np.add(m, g, out=m)
    np.multiply(g, g, out=tmp)
    np.subtract(v, tmp, out=v)
    np.multiply(v, B2, out=v)
    np.add(v, tmp, out=v)
    np.sqrt(v, out=tmp)
    np.add(tmp, EPS, out=tmp)
    np.divide(m, tmp, out=tmp)
    np.multiply(tmp, alpha, out=tmp)
    np.subtract(p, tmp, out=p)


def floor_per_layer(x: np.ndarray, y: np.ndarray) -> Callable[[], None]:
    """``bench_large.numpy_floor``, each layer updated right after its backward."""
    rng = np.random.default_rng(3)
    sizes = [(D, H1), (H1, H2), (H2, K)]
    flat, grads, m, v, tmp = (np.zeros(PARAMS, np.float32) for _ in range(5))
    views, gviews, parts, at = [], [], [], 0
    for rows, cols in sizes:
        first = at
        for shape in ((rows, cols), (cols,)):
            size = int(np.prod(shape))
            views.append(flat[at : at + size].reshape(shape))
            gviews.append(grads[at : at + size].reshape(shape))
            at += size
        parts.append([a[first:at] for a in (flat, grads, m, v, tmp)])
    for kernel, (rows, _) in zip(views[::2], sizes, strict=True):
        kernel[...] = rng.normal(0, (2 / rows) ** 0.5, kernel.shape)
    w1, b1, w2, b2, w3, b3 = views
    dw1, db1, dw2, db2, dw3, db3 = gviews
    xb, yb = np.empty((BATCH, D), np.float32), np.empty((BATCH, K), np.float32)
    h1, h2 = np.empty((BATCH, H1), np.float32), np.empty((BATCH, H2), np.float32)
    z, g2, g1 = (np.empty((BATCH, k), np.float32) for k in (K, H2, H1))
    mask1, mask2 = np.empty_like(h1), np.empty_like(h2)
    ones, inv_n, zero = np.ones(BATCH, np.float32), np.float32(1 / BATCH), np.float32(0)
    state = {"t": 0}

    def epoch() -> None:
        order = rng.permutation(len(x))
        for start in range(0, len(x) - BATCH + 1, BATCH):
            picked = order[start : start + BATCH]
            np.take(x, picked, axis=0, out=xb, mode="clip")
            np.take(y, picked, axis=0, out=yb, mode="clip")
            for h, w, b, src in ((h1, w1, b1, xb), (h2, w2, b2, h1)):
                np.dot(src, w, out=h)
                np.add(h, b, out=h)
                np.maximum(h, zero, out=h)
            np.dot(h2, w3, out=z)
            np.add(z, b3, out=z)
            np.subtract(z, z.max(axis=1, keepdims=True), out=z)
            np.exp(z, out=z)
            np.divide(z, z.sum(axis=1, keepdims=True), out=z)
            np.subtract(z, yb, out=z)
            np.multiply(z, inv_n, out=z)
            state["t"] += 1
            t = state["t"]
            alpha = np.float32(1e-3 * (1 - 0.999**t) ** 0.5 / (1 - 0.9**t))
            np.dot(h2.T, z, out=dw3)
            np.dot(ones, z, out=db3)
            np.dot(z, w3.T, out=g2)
            adam(*parts[2], alpha)  # W3 has given its last product this step
            np.multiply(g2, np.sign(h2, out=mask2), out=g2)
            np.dot(h1.T, g2, out=dw2)
            np.dot(ones, g2, out=db2)
            np.dot(g2, w2.T, out=g1)
            adam(*parts[1], alpha)
            np.multiply(g1, np.sign(h1, out=mask1), out=g1)
            np.dot(xb.T, g1, out=dw1)
            np.dot(ones, g1, out=db1)
            adam(*parts[0], alpha)

    return epoch


if __name__ == "__main__":
    x, y = data(20_000)
    cpu = one_core_cpu(
        {
            "floor, one Adam pass after the backward": numpy_floor(x, y),
            "floor, Adam per layer after its backward": floor_per_layer(x, y),
            "bound": matmul_bound(20_000),
            "adam": optimizer_pass(20_000),
        },
        int(sys.argv[1]) if len(sys.argv) > 1 else 5,
    )
    limit = cpu["bound"] + cpu["adam"]
    for name, seconds in cpu.items():
        share = f" ({limit / seconds:.1%} of the limit)" if "floor" in name else ""
        print(f"{name}: {seconds * 1e3:.1f} ms{share}")
    print(f"limit: {limit * 1e3:.1f} ms (one BLAS thread, CPU time, 20,000 rows)")
