"""``predict`` on one sample with the tutorial's trained Iris model (inference mode)."""

from __future__ import annotations

import argparse
import timeit

import numpy as np
from common import peer, ratio_rows, table

from axon.cli import build_model, load_iris_split


def best_of(fn: object, number: int = 2000, repeat: int = 7) -> float:
    """Per-call time: the median over ``repeat`` rounds of ``number`` calls."""
    times = sorted(timeit.repeat(fn, number=number, repeat=repeat))  # type: ignore[arg-type]
    return times[len(times) // 2] / number


def run(repeats: int) -> list[dict[str, object]]:
    x_train, x_test, y_train, _, _ = load_iris_split()
    sample = x_test[:1].astype(np.float32)
    model = build_model([64, 32], [0.3, 0.2], True, 4, 3)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x_train, y_train, epochs=5, batch_size=16, verbose=0)
    results: dict[str, float] = {
        "axon model.predict": best_of(
            lambda: model.predict(sample, verbose=0), repeat=repeats
        )
    }
    results["axon model.predict_on_batch"] = best_of(
        lambda: model.predict_on_batch(sample), repeat=repeats
    )
    torch = peer("torch")
    if torch is not None:
        net = torch.nn.Sequential(
            torch.nn.Linear(4, 64),
            torch.nn.ReLU(),
            torch.nn.BatchNorm1d(64),
            torch.nn.Dropout(0.3),
            torch.nn.Linear(64, 32),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(32, 3),
            torch.nn.Softmax(dim=1),
        ).eval()
        tensor = torch.from_numpy(sample)

        def torch_predict() -> None:
            with torch.no_grad():
                net(tensor).numpy()

        results["pytorch eager, no_grad"] = best_of(torch_predict, repeat=repeats)
    keras = peer("keras")
    if keras is not None:
        kmodel = keras.Sequential(
            [
                keras.layers.Input((4,)),
                keras.layers.Dense(64, activation="relu"),
                keras.layers.BatchNormalization(),
                keras.layers.Dropout(0.3),
                keras.layers.Dense(32, activation="relu"),
                keras.layers.Dropout(0.2),
                keras.layers.Dense(3, activation="softmax"),
            ]
        )
        results["keras 3 model.predict"] = best_of(
            lambda: kmodel.predict(sample, verbose=0), number=50, repeat=repeats
        )
        results["keras 3 model(x) call"] = best_of(
            lambda: kmodel(sample, training=False), number=200, repeat=repeats
        )
    if peer("sklearn") is not None:
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier((64, 32), max_iter=5).fit(x_train, y_train.argmax(1))
        results["scikit-learn predict_proba"] = best_of(
            lambda: clf.predict_proba(sample), repeat=repeats
        )
    return ratio_rows(dict(results), base="axon model.predict")


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    print(table(run(parser.parse_args().repeats), ["framework", "time", "axon / peer"]))
