"""Peak memory of a large fit against the size of the data set itself.

Runs in a fresh interpreter: makes the 60,000 x 784 float32 data, then fits one epoch
of 784 -> 256 -> 128 -> 10 at batch 128, and reports the process's peak resident
memory, and the growth of the peak during the fit, against the data's own bytes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from common import table

CHILD = r"""
import json, sys
sys.path.insert(0, {here!r})
import axon
from bench_large import data, D, H1, H2, K, BATCH
def peak():  # VmHWM: this process's own peak (ru_maxrss would include the parent's)
    with open("/proc/self/status") as status:
        line = next(ln for ln in status if ln.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024
x, y = data()
before = peak()
model = axon.Sequential([
    axon.layers.Input((D,)),
    axon.layers.Dense(H1, activation="relu"),
    axon.layers.Dense(H2, activation="relu"),
    axon.layers.Dense(K, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
after = peak()
print(json.dumps({{"data": x.nbytes + y.nbytes, "before": before, "after": after}}))
"""


def run(repeats: int) -> list[dict[str, object]]:
    from pathlib import Path

    here = str(Path(__file__).resolve().parent)
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(here=here)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    numbers = json.loads(out.strip().splitlines()[-1])
    data, after, before = numbers["data"], numbers["after"], numbers["before"]
    mib = 2**20
    added = after - before
    return [
        {
            "framework": "axon",
            "data set": f"{data / mib:.0f} MiB",
            "peak RSS of the process": f"{after / mib:.0f} MiB ({after / data:.2f}x the data)",
            "added by fit": f"{added / mib:.0f} MiB ({added / data:.2f}x the data)",
        }
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=1)
    print(
        table(
            run(parser.parse_args().repeats),
            ["framework", "data set", "peak RSS of the process", "added by fit"],
        )
    )
