from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

import axon


def tutorial_model() -> axon.Sequential:
    model = axon.Sequential(
        [
            axon.layers.Dense(
                64, activation="relu", input_shape=(4,), kernel_initializer="he_normal"
            ),
            axon.layers.BatchNormalization(),
            axon.layers.Dropout(0.3),
            axon.layers.Dense(32, activation="relu"),
            axon.layers.Dropout(0.2),
            axon.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=axon.optimizers.Adam(learning_rate=0.001),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def test_history_has_the_tutorial_keys_and_one_value_per_epoch(iris_split: Any) -> None:
    x_train, _, y_train, _ = iris_split
    history = tutorial_model().fit(
        x_train, y_train, epochs=3, batch_size=16, validation_split=0.2, verbose=0
    )
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in history.history.values())
    assert history.epoch == [0, 1, 2]


def test_validation_split_takes_the_last_rows_before_shuffling() -> None:
    """Rows 0..79 train; rows 80..99 (marked by x[:, 0] >= 80) never reach a batch."""
    x = np.arange(100, dtype=float).reshape(-1, 1).repeat(2, axis=1)
    y = np.zeros((100, 1))
    model = axon.Sequential([axon.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer=axon.optimizers.SGD(1e-6), loss="mse")

    class Seen(axon.callbacks.Callback):
        rows: ClassVar[set[float]] = set()

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self.rows.update(self.model.layers[0].x[:, 0].tolist())

    seen = Seen()
    model.fit(
        x, y, epochs=2, batch_size=7, validation_split=0.2, callbacks=[seen], verbose=0
    )
    assert seen.rows == set(map(float, range(80)))


def test_validation_split_of_sorted_labels_warns() -> None:
    x = np.random.default_rng(0).normal(size=(50, 2))
    y = axon.utils.to_categorical(np.repeat([0, 1], 25), 2)
    model = axon.Sequential(
        [axon.layers.Dense(2, activation="softmax", input_shape=(2,))]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.warns(
        UserWarning, match="all belong to class 1. Your data looks sorted"
    ):
        model.fit(x, y, epochs=1, validation_split=0.2, verbose=0)


def test_validation_data_is_used_as_given(iris_split: Any) -> None:
    x_train, x_test, y_train, y_test = iris_split
    model = tutorial_model()
    history = model.fit(
        x_train, y_train, epochs=2, validation_data=(x_test, y_test), verbose=0
    )
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)  # type: ignore[misc]
    assert history.history["val_loss"][-1] == pytest.approx(loss, rel=1e-6)
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy)


def test_same_seed_gives_bit_identical_weights(iris_split: Any) -> None:
    x_train, _, y_train, _ = iris_split

    def train() -> list[np.ndarray]:
        axon.utils.set_random_seed(7)
        model = tutorial_model()
        model.fit(
            x_train, y_train, epochs=3, batch_size=16, validation_split=0.2, verbose=0
        )
        return model.get_weights()

    first, second = train(), train()
    for a, b in zip(first, second, strict=False):
        assert a.tobytes() == b.tobytes()
    axon.utils.set_random_seed(8)
    other = tutorial_model()
    assert not np.array_equal(other.get_weights()[0], first[0])


def test_float32_stays_float32_end_to_end(iris_split: Any) -> None:
    x_train, x_test, y_train, _ = iris_split
    assert x_train.dtype == np.float64  # the user's data
    model = tutorial_model()
    model.fit(x_train, y_train, epochs=1, verbose=0)
    assert model.parameters.dtype == np.float32 and model.gradients.dtype == np.float32
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.optimizer is not None
    assert all(s.dtype == np.float32 for s in model.optimizer.slots.values())
    assert model.predict(x_test, verbose=0).dtype == np.float32
    assert x_train.dtype == np.float64  # and untouched


@pytest.mark.usefixtures("float64")
def test_float64_on_request(iris_split: Any) -> None:
    x_train, _, y_train, _ = iris_split
    model = tutorial_model()
    model.fit(x_train, y_train, epochs=1, verbose=0)
    assert model.parameters.dtype == np.float64
    assert model.predict(x_train, verbose=0).dtype == np.float64


def test_fit_learns_a_separable_problem_with_every_loss_family() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    labels = (x[:, 0] + x[:, 1] > 0).astype(int)
    for output, loss, y in [
        ("softmax", "categorical_crossentropy", axon.utils.to_categorical(labels, 2)),
        ("softmax", "sparse_categorical_crossentropy", labels),
        ("sigmoid", "binary_crossentropy", labels.reshape(-1, 1).astype(float)),
    ]:
        units = 1 if output == "sigmoid" else 2
        model = axon.Sequential(
            [axon.layers.Dense(units, activation=output, input_shape=(2,))]
        )
        model.compile(
            optimizer=axon.optimizers.Adam(0.05), loss=loss, metrics=["accuracy"]
        )
        model.fit(x, y, epochs=30, verbose=0)
        _, accuracy = model.evaluate(x, y, verbose=0)  # type: ignore[misc]
        assert accuracy > 0.95, loss


def test_regression_with_mse_fits_a_line() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 1))
    y = 3 * x - 1
    model = axon.Sequential([axon.layers.Dense(1, input_shape=(1,))])
    model.compile(optimizer=axon.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=50, batch_size=32, verbose=0)
    kernel, bias = model.get_weights()
    assert kernel[0, 0] == pytest.approx(3, abs=1e-3) and bias[0] == pytest.approx(
        -1, abs=1e-3
    )


def test_accuracy_resolves_from_the_loss() -> None:
    cases = {
        "categorical_crossentropy": axon.metrics.CategoricalAccuracy,
        "sparse_categorical_crossentropy": axon.metrics.SparseCategoricalAccuracy,
        "binary_crossentropy": axon.metrics.BinaryAccuracy,
    }
    for loss, kind in cases.items():
        output = "sigmoid" if loss == "binary_crossentropy" else "softmax"
        model = axon.Sequential([axon.layers.Dense(3, output, input_shape=(2,))])
        model.compile(loss=loss, metrics=["accuracy"])
        assert (
            isinstance(model.metrics[0], kind) and model.metrics[0].name == "accuracy"
        )


def test_evaluate_returns_keras_shapes(iris_split: Any) -> None:
    _, x_test, _, y_test = iris_split
    model = tutorial_model()
    assert isinstance(model.evaluate(x_test, y_test, verbose=0), list)
    assert set(model.evaluate(x_test, y_test, verbose=0, return_dict=True)) == {
        "loss",
        "accuracy",
    }  # type: ignore[arg-type]
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    assert isinstance(model.evaluate(x_test, y_test, verbose=0), float)


def test_predict_is_batched_and_matches_one_big_batch(iris_split: Any) -> None:
    _, x_test, _, _ = iris_split
    model = tutorial_model()
    np.testing.assert_allclose(
        model.predict(x_test, batch_size=7, verbose=0),
        model.predict_on_batch(x_test),
        rtol=1e-6,
    )


def test_train_and_test_on_batch(iris_split: Any) -> None:
    x_train, _, y_train, _ = iris_split
    model = tutorial_model()
    before = model.test_on_batch(x_train, y_train)
    for _ in range(20):
        model.train_on_batch(x_train, y_train)
    after = model.test_on_batch(x_train, y_train)
    assert after[0] < before[0]  # type: ignore[index]


def test_early_stopping_restores_the_best_validation_epoch(iris_split: Any) -> None:
    x_train, _, y_train, _ = iris_split
    model = tutorial_model()
    stopper = axon.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    history = model.fit(
        x_train,
        y_train,
        epochs=200,
        batch_size=16,
        validation_split=0.2,
        callbacks=[stopper],
        verbose=0,
    )
    best = int(np.argmin(history.history["val_loss"]))
    assert history.best_epoch == best == stopper.best_epoch
    assert len(history.epoch) < 200
    # The restored weights give the best epoch's validation loss again.
    n = len(x_train)
    split = int(np.floor(n * 0.8))
    val_loss = model.evaluate(x_train[split:], y_train[split:], verbose=0)[0]  # type: ignore[index]
    assert val_loss == pytest.approx(history.history["val_loss"][best], rel=1e-5)


def test_verbose_two_prints_one_line_per_epoch(
    iris_split: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    x_train, _, y_train, _ = iris_split
    tutorial_model().fit(x_train, y_train, epochs=2, validation_split=0.2, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("Epoch 2/2")
    assert "val_accuracy:" in lines[1]


def test_verbose_one_shows_progress(
    iris_split: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    x_train, _, y_train, _ = iris_split
    tutorial_model().fit(x_train, y_train, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "loss:" in out


def test_a_diverging_loss_stops_training_and_keeps_finite_weights() -> None:
    x = np.random.default_rng(0).normal(size=(64, 3)) * 1e3
    y = x @ np.ones((3, 1)) * 1e3
    model = axon.Sequential(
        [axon.layers.Dense(8, input_shape=(3,)), axon.layers.Dense(1)]
    )
    model.compile(optimizer=axon.optimizers.SGD(10.0), loss="mse")
    with pytest.warns(
        RuntimeWarning, match=r"at epoch \d+, batch \d+.*learning rate too large"
    ):
        history = model.fit(x, y, epochs=50, verbose=0)
    assert len(history.epoch) < 50
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"x": np.ones((5, 3))}, ValueError, "model expects 4 feature"),
        ({"x": np.full((5, 4), np.nan)}, ValueError, "finite values in x"),
        ({"x": np.ones(5)}, ValueError, r"x of shape \(samples, features\)"),
        ({"x": [[1, 2, 3, 4], [1, 2]]}, ValueError, "rectangular"),
        ({"x": np.array([["a"] * 4] * 5)}, TypeError, "hold real numbers"),
        ({"y": np.zeros(5)}, ValueError, "sparse_categorical_crossentropy"),
        ({"y": np.ones((4, 3))}, ValueError, "same number of samples"),
        ({"batch_size": 0}, ValueError, "batch_size=0"),
        ({"epochs": -1}, ValueError, "epochs=-1"),
        ({"validation_split": 1.5}, ValueError, "validation_split=1.5"),
        ({"verbose": 3}, ValueError, "verbose"),
    ],
)
def test_fit_names_what_is_wrong(
    kwargs: dict[str, Any], error: type, message: str
) -> None:
    arguments: dict[str, Any] = {
        "x": np.ones((5, 4)),
        "y": np.eye(3)[[0, 1, 2, 0, 1]],
        "verbose": 0,
    }
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        tutorial_model().fit(**arguments)


def test_fit_before_compile_says_so() -> None:
    model = axon.Sequential([axon.layers.Dense(1, input_shape=(2,))])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.ones((2, 2)), np.ones((2, 1)))


def test_sparse_labels_out_of_range_are_named() -> None:
    model = axon.Sequential(
        [axon.layers.Dense(3, activation="softmax", input_shape=(2,))]
    )
    model.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(
        ValueError, match=r"labels from 0 to 2.*Received: labels from 0 to 3"
    ):
        model.fit(np.ones((4, 2)), np.array([0, 1, 2, 3]), verbose=0)


def test_ctrl_c_ends_training_after_the_batch_with_history_and_on_train_end(
    iris_split: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import os
    import signal

    x_train, _, y_train, _ = iris_split

    class PressCtrlC(axon.callbacks.Callback):
        ended = False

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if len(self.model.history.epoch) == 1 and batch == 2:
                os.kill(os.getpid(), signal.SIGINT)  # as a user's Ctrl-C would

        def on_train_end(self, logs: Any = None) -> None:
            self.ended = True

    model = tutorial_model()
    press = PressCtrlC()
    history = model.fit(
        x_train, y_train, epochs=50, batch_size=16, callbacks=[press], verbose=0
    )
    assert press.ended  # callbacks heard the end
    assert len(history.epoch) == 2  # the interrupted epoch is logged, nothing after it
    assert model.optimizer is not None
    assert (
        model.optimizer.iterations == 8 + 3
    )  # a whole epoch, then three whole batches
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert "Interrupted" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_predict_and_fit_in_a_loop_do_not_grow_memory() -> None:
    import tracemalloc

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4))
    y = axon.utils.to_categorical(rng.integers(0, 3, 64), 3)
    model = tutorial_model()

    def loop(times: int) -> None:
        for _ in range(times):
            model.predict(x, verbose=0)
            model.fit(x, y, epochs=1, batch_size=16, verbose=0)

    loop(50)  # warm: buffers, caches
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        loop(1000)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 256 * 1024, (
        f"grew by {after - before} bytes over 1000 loops"
    )


def test_one_hot_targets_with_the_sparse_loss_are_explained() -> None:
    model = axon.Sequential(
        [axon.layers.Dense(3, activation="softmax", input_shape=(2,))]
    )
    model.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(
        ValueError, match="For one-hot targets use loss='categorical_crossentropy'"
    ):
        model.fit(np.ones((4, 2)), np.eye(3)[[0, 1, 2, 0]], verbose=0)


def test_bad_validation_data_is_named_as_such(iris_split: Any) -> None:
    x_train, x_test, y_train, y_test = iris_split
    with pytest.raises(
        ValueError, match=r"Expected finite values in validation_data\[0\]"
    ):
        tutorial_model().fit(
            x_train, y_train, validation_data=(x_test * np.nan, y_test), verbose=0
        )
    with pytest.raises(
        ValueError, match=r"validation_data\[0\] and validation_data\[1\]"
    ):
        tutorial_model().fit(
            x_train, y_train, validation_data=(x_test, y_test[:3]), verbose=0
        )


def test_a_tiny_validation_split_of_one_class_does_not_warn() -> None:
    x = np.random.default_rng(0).normal(size=(20, 2))
    y = axon.utils.to_categorical(np.arange(20) % 2, 2)
    model = axon.Sequential(
        [axon.layers.Dense(2, activation="softmax", input_shape=(2,))]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, epochs=1, validation_split=0.05, verbose=0)  # 1 row: no warning
