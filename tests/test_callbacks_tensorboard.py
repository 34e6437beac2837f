"""TensorBoard: event files that TensorBoard's own reader reads back."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axon
from axon.callbacks import TensorBoard
from axon.callbacks.tensorboard import png

pytest.importorskip("tensorboard")


def reader(folder: Path) -> Any:
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )

    accumulator = EventAccumulator(
        str(folder), size_guidance={"scalars": 0, "histograms": 0, "images": 0}
    )
    accumulator.Reload()
    return accumulator


def fit(tmp_path: Path, **kwargs: Any) -> tuple[axon.Sequential, Any]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 3))
    y = axon.utils.to_categorical((x[:, 0] > 0).astype(int), 2)
    model = axon.Sequential(
        [
            axon.layers.Dense(4, activation="relu", input_shape=(3,)),
            axon.layers.Dense(2, activation="softmax"),
        ],
        name="net",
    )
    model.compile(
        axon.optimizers.SGD(0.1), "categorical_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(
        x,
        y,
        epochs=3,
        batch_size=12,
        validation_split=0.25,
        callbacks=[TensorBoard(tmp_path, **kwargs)],
        verbose=0,
    )
    return model, history


def values(accumulator: Any, tag: str) -> list[tuple[int, float]]:
    return [(e.step, e.value) for e in accumulator.Scalars(tag)]


def test_epoch_scalars_are_the_history(tmp_path: Path) -> None:
    _, history = fit(tmp_path)
    train, validation = reader(tmp_path / "train"), reader(tmp_path / "validation")
    for key in ("loss", "accuracy"):
        expected = [(e, np.float32(v)) for e, v in enumerate(history.history[key])]
        assert values(train, f"epoch_{key}") == expected
        expected = [
            (e, np.float32(v)) for e, v in enumerate(history.history[f"val_{key}"])
        ]
        assert values(validation, f"epoch_{key}") == expected
    assert values(train, "epoch_learning_rate") == [
        (e, np.float32(0.1)) for e in range(3)
    ]
    # Keras's evaluation_*_vs_iterations: the validation logs at the step count (3/epoch)
    vs_steps = values(validation, "evaluation_loss_vs_iterations")
    assert [step for step, _ in vs_steps] == [3, 6, 9]
    assert train.Tags()["histograms"] == []  # histogram_freq=0


def test_histograms_of_every_weight(tmp_path: Path) -> None:
    model, _ = fit(tmp_path, histogram_freq=2)
    train = reader(tmp_path / "train")
    tags = [
        f"net/{layer.name}/{name}/histogram"
        for layer in model.layers
        for name in ("kernel", "bias")
    ]
    assert sorted(train.Tags()["histograms"]) == sorted(tags)
    kernel = model.layers[1].get_weights()[0].astype(np.float64)
    events = train.Histograms(tags[2])
    assert [e.step for e in events] == [0, 2]  # every histogram_freq epochs
    last = events[-1].histogram_value  # epoch 2 is the last: the final weights
    assert (last.min, last.max, last.num) == (kernel.min(), kernel.max(), kernel.size)
    assert last.sum == pytest.approx(kernel.sum()) and sum(last.bucket) == kernel.size
    assert len(last.bucket_limit) == 30


def test_batch_scalars_with_update_freq(tmp_path: Path) -> None:
    _, history = fit(tmp_path, update_freq=2, write_steps_per_second=True)
    train = reader(tmp_path / "train")
    # 3 batches per epoch, counted over the run: steps 2, 4, 6, 8
    assert [step for step, _ in values(train, "batch_loss")] == [2, 4, 6, 8]
    # step 6 is the last batch of epoch 1, whose running average is the epoch's loss
    assert values(train, "batch_loss")[2][1] == np.float32(history.history["loss"][1])
    assert all(v > 0 for _, v in values(train, "epoch_steps_per_second"))
    assert len(values(train, "batch_steps_per_second")) == 4


def test_images_of_the_weights(tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    model, _ = fit(tmp_path, histogram_freq=1, write_images=True)
    train = reader(tmp_path / "train")
    first, second = (layer.name for layer in model.layers)
    assert sorted(train.Tags()["images"]) == sorted(
        [
            f"net/{first}/kernel/image",
            f"net/{first}/bias/image",
            f"net/{second}/kernel/image",
            f"net/{second}/bias/image",
        ]
    )
    event = train.Images(f"net/{first}/kernel/image")[-1]
    kernel = model.layers[0].get_weights()[0]  # (3, 4): already wider than tall
    decoded = np.asarray(image.open(io.BytesIO(event.encoded_image_string)))
    assert decoded.shape == kernel.shape == (event.height, event.width)
    assert decoded.argmax() == kernel.argmax() and decoded.max() == 255


def test_png_encodes_gray_pixels() -> None:
    image = pytest.importorskip("PIL.Image")
    pixels = np.array([[0, 128, 255], [7, 8, 9]], dtype=np.uint8)
    np.testing.assert_array_equal(
        np.asarray(image.open(io.BytesIO(png(pixels)))), pixels
    )


def test_missing_tensorboard_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    callback = TensorBoard(tmp_path)
    with pytest.raises(ImportError, match=r"pip install 'axon\[tensorboard\]'"):
        callback.on_train_begin()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"histogram_freq": -1}, "histogram_freq=-1"),
        ({"update_freq": "step"}, "update_freq='step'"),
        ({"update_freq": 0}, "update_freq=0"),
        ({"profile_batch": 2}, "profile_batch=2"),
        ({"embeddings_freq": 1}, "embeddings_freq=1"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TensorBoard(**kwargs)
