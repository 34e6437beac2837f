"""Numerical reference check: axon against Keras 3 (PyTorch backend) on the same weights.

The tutorial's model without Dropout (masks are random in both frameworks, so they
cannot match), trained deterministically (shuffle=False) from identical initial
weights: predictions, losses, one Adam step, BatchNormalization's moving statistics,
a whole fit with validation_split and EarlyStopping(restore_best_weights=True) epoch by
epoch. Run: ``python benchmarks/reference_keras.py`` with ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "torch")

import axon
from axon.cli import load_iris_split


def tutorial_model(lib: Any) -> Any:
    """The tutorial's model without Dropout, in axon or Keras (the same API)."""
    return lib.Sequential(
        [
            lib.layers.Input((4,)),
            lib.layers.Dense(64, activation="relu", kernel_initializer="he_normal"),
            lib.layers.BatchNormalization(),
            lib.layers.Dense(32, activation="relu"),
            lib.layers.Dense(3, activation="softmax"),
        ]
    )


def worst(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b, strict=True))


def main() -> int:
    try:
        import keras
    except ImportError:
        print("keras is not installed: pip install -e '.[bench]'")
        return 1
    keras.utils.set_random_seed(0)
    x_train, x_test, y_train, y_test, _ = load_iris_split()
    x_train, y_train = x_train.astype("float32"), y_train.astype("float32")
    km, am = tutorial_model(keras), tutorial_model(axon)
    am.set_weights([np.asarray(w) for w in km.get_weights()])
    rows = []

    def check(name: str, error: float, tolerance: float) -> None:
        rows.append((name, error, tolerance, error <= tolerance))

    check(
        "predict, same weights",
        float(
            np.max(
                np.abs(km.predict(x_test, verbose=0) - am.predict(x_test, verbose=0))
            )
        ),
        1e-6,
    )
    for model, framework in ((km, "keras"), (am, "axon")):
        model.compile(
            optimizer=(keras if framework == "keras" else axon).optimizers.Adam(1e-3),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
    k_eval = km.evaluate(x_test, y_test, verbose=0)
    a_eval = am.evaluate(x_test, y_test, verbose=0)
    check("evaluate loss", abs(k_eval[0] - a_eval[0]), 1e-5)
    check("evaluate accuracy", abs(k_eval[1] - a_eval[1]), 1e-6)
    km.train_on_batch(x_train[:16], y_train[:16])
    am.train_on_batch(x_train[:16], y_train[:16])
    check(
        "one Adam step (all weights, incl. moving stats)",
        worst(km.get_weights(), am.get_weights()),
        1e-5,
    )

    kh, ah = (
        model.fit(
            x_train,
            y_train,
            epochs=30,
            batch_size=16,
            validation_split=0.2,
            shuffle=False,
            verbose=0,
            callbacks=[
                lib.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
            ],
        )
        for model, lib in ((km, keras), (am, axon))
    )
    check("epochs run before EarlyStopping", abs(len(kh.epoch) - len(ah.epoch)), 0)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        n = min(len(kh.history[key]), len(ah.history[key]))
        error = float(
            np.max(
                np.abs(np.array(kh.history[key][:n]) - np.array(ah.history[key][:n]))
            )
        )
        check(
            f"history[{key!r}] epoch by epoch", error, 1e-4 if "loss" in key else 1e-6
        )
    check("restored best weights", worst(km.get_weights(), am.get_weights()), 1e-3)

    width = max(len(r[0]) for r in rows)
    print(f"{'check':<{width}}  max |keras - axon|  tolerance  ok")
    for name, error, tolerance, ok in rows:
        print(
            f"{name:<{width}}  {error:17.3g}  {tolerance:9.0e}  {'yes' if ok else 'NO'}"
        )
    print(
        f"keras {keras.__version__} (backend {keras.backend.backend()}), numpy {np.__version__}"
    )
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
