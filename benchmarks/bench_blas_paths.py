"""Which BLAS call each product of the large step makes, and whether it copies.

NumPy hands a 2-D operand to BLAS directly when it is C- or Fortran-contiguous (a
transposed C array is Fortran-contiguous: BLAS reads it with its ``trans`` flag);
anything else is copied first. Each product of axon's step and ``predict`` is listed
with its operands' layout, and timed on one BLAS thread in CPU time against the same
product on fresh C-contiguous copies: equal times mean no hidden copy or slower path.
Evidence for issue 12's closing note; not part of ``run_all.py``.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

B, D, H1, H2, K = 128, 784, 256, 128, 10


def layout(a: np.ndarray) -> str:
    if a.ndim == 1:
        return "vector"
    return (
        "C"
        if a.flags.c_contiguous
        else "F (transposed)"
        if a.flags.f_contiguous
        else "strided"
    )


def cpu_time(fn: object, number: int = 300) -> float:
    start = time.process_time()
    for _ in range(number):
        fn()  # type: ignore[operator]
    return (time.process_time() - start) / number


def main() -> None:
    rng = np.random.default_rng(0)

    def a(*shape: int) -> np.ndarray:
        return rng.random(shape, dtype=np.float32)

    x, h1, h2, g3, g2, g1 = a(B, D), a(B, H1), a(B, H2), a(B, K), a(B, H2), a(B, H1)
    w1, w2, w3, ones = a(D, H1), a(H1, H2), a(H2, K), np.ones(B, np.float32)
    products = {
        "forward x @ W1": (x, w1),
        "forward h1 @ W2": (h1, w2),
        "forward h2 @ W3": (h2, w3),
        "kernel gradient h2.T @ g3": (h2.T, g3),
        "input gradient g3 @ W3.T": (g3, w3.T),
        "kernel gradient h1.T @ g2": (h1.T, g2),
        "input gradient g2 @ W2.T": (g2, w2.T),
        "kernel gradient x.T @ g1": (x.T, g1),
        "bias gradient ones @ g1": (ones, g1),
    }
    print("| product | operands | BLAS | us as laid out | us on C copies |")
    print("|---|---|---|---|---|")
    with threadpool_limits(limits=1, user_api="blas"):
        for name, (left, right) in products.items():
            out = np.empty(np.dot(left, right).shape, np.float32)
            c_left, c_right = np.ascontiguousarray(left), np.ascontiguousarray(right)
            as_is = cpu_time(lambda p=left, q=right, o=out: np.dot(p, q, out=o))
            copied = cpu_time(lambda p=c_left, q=c_right, o=out: np.dot(p, q, out=o))
            call = "sgemv" if left.ndim == 1 else "sgemm"
            print(
                f"| {name} | {layout(left)} x {layout(right)} | {call} | "
                f"{as_is * 1e6:.1f} | {copied * 1e6:.1f} |"
            )


if __name__ == "__main__":
    main()
