"""TensorBoard: event files of scalars, weight histograms and images, without TensorFlow.

The events are written with the ``tensorboard`` package's own event-file writer and
protocol buffers (the ``tensorboard`` extra: ``pip install 'axon[tensorboard]'``),
imported when training starts, so ``import axon`` never loads it.
"""

from __future__ import annotations

import os
import struct
import time
import zlib
from typing import Any

import numpy as np

from axon.callbacks.base import Callback, Logs
from axon.callbacks.lr import get_learning_rate
from axon.config import Array

HISTOGRAM_BUCKETS = 30  # as tf.summary.histogram


def _tensorboard() -> tuple[Any, Any, Any]:
    """The writer class and the two protobuf modules, or an ImportError saying why."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as error:
        raise ImportError(
            "The TensorBoard callback writes its event files with the tensorboard "
            "package (TensorFlow is not needed): pip install 'axon[tensorboard]', "
            f"or pip install tensorboard ({error})"
        ) from error
    return EventFileWriter, event_pb2, summary_pb2


def png(image: Array) -> bytes:
    """Encode a 2-D uint8 array as a grayscale PNG (what TensorBoard's images hold)."""
    height, width = image.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + row.tobytes() for row in image)  # filter 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit gray
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _as_image(weight: Array) -> Array | None:
    """A weight as Keras draws it: a bias as a column, a kernel wider than tall."""
    w = np.squeeze(np.asarray(weight, dtype=np.float64))
    if w.ndim == 1:
        w = w[:, None]
    elif w.ndim == 2 and w.shape[0] > w.shape[1]:
        w = w.T
    elif w.ndim != 2:
        return None
    low, high = w.min(), w.max()
    scaled = (w - low) / (high - low) if high > low else np.zeros_like(w)
    return np.round(scaled * 255).astype(np.uint8)


class TensorBoard(Callback):
    """Write what TensorBoard shows: ``tensorboard --logdir logs``.

    At the end of every epoch the training logs go to ``log_dir/train`` and the
    validation logs (without their ``val_`` prefix) to ``log_dir/validation``, as
    scalars tagged ``epoch_loss``, ``epoch_accuracy``..., with the optimizer's
    ``epoch_learning_rate``. The validation logs are also written as
    ``evaluation_loss_vs_iterations``... at the optimizer's step count. Tags, folders
    and steps are Keras 3's.

    Parameters
    ----------
    log_dir : str or path-like
        Where the event files go.
    histogram_freq : int
        Every this many epochs (from epoch 0), a histogram of every weight, tagged
        ``<model>/<layer>/<weight>/histogram`` (30 equal-width buckets); 0 for none.
    write_graph : bool
        Accepted for Keras programs; axon has no computation graph, so nothing is
        written.
    write_images : bool
        With ``histogram_freq``, also draw each weight as a grayscale image
        (``.../image``), a kernel wider than tall and a bias as a column. Keras clips
        the values to [0, 1]; axon stretches each weight's own range to black-white.
    write_steps_per_second : bool
        Also log training steps per second (``epoch_steps_per_second``, and
        ``batch_steps_per_second`` with batch-level updates).
    update_freq : "epoch", "batch" or int
        ``"batch"`` or ``n`` also logs the running batch logs as ``batch_loss``...
        every ``n`` batches, counted over the whole run.
    profile_batch : int
        Must be 0: axon has no profiler to start (Keras refuses it on its PyTorch
        backend too).
    embeddings_freq, embeddings_metadata
        Must be 0 and None: axon does not write projector embeddings.

    Examples
    --------
    >>> from axon.callbacks import TensorBoard
    >>> board = TensorBoard(log_dir="logs/run1", histogram_freq=1)
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        super().__init__()
        if (
            isinstance(histogram_freq, bool)
            or not isinstance(histogram_freq, int)
            or histogram_freq < 0
        ):
            raise ValueError(
                "Expected a non-negative integer. "
                f"Received: histogram_freq={histogram_freq!r}"
            )
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (
            isinstance(update_freq, bool)
            or not isinstance(update_freq, int)
            or update_freq < 1
        ):
            raise ValueError(
                "Expected update_freq='epoch', 'batch' or a positive integer. "
                f"Received: update_freq={update_freq!r}"
            )
        if profile_batch:
            raise ValueError(
                "Profiling is not available in axon. "
                f"Received: profile_batch={profile_batch!r} (must be 0)"
            )
        if embeddings_freq or embeddings_metadata is not None:
            raise ValueError(
                "axon's TensorBoard does not write embeddings. Received: "
                f"embeddings_freq={embeddings_freq!r}, "
                f"embeddings_metadata={embeddings_metadata!r}"
            )
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph, self.write_images = write_graph, write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq: str | int = update_freq
        self._writers: dict[str, Any] = {}
        self._global_batch = 0

    # -- writing ------------------------------------------------------------------
    def _writer(self, which: str) -> Any:
        if which not in self._writers:
            folder = os.path.join(self.log_dir, which)
            self._writers[which] = self._tb[0](folder)
        return self._writers[which]

    def _write(self, which: str, step: int, values: list[Any]) -> None:
        _, event_pb2, summary_pb2 = self._tb
        event = event_pb2.Event(
            wall_time=time.time(), step=step, summary=summary_pb2.Summary(value=values)
        )
        self._writer(which).add_event(event)

    def _scalars(self, which: str, step: int, scalars: dict[str, float]) -> None:
        value = self._tb[2].Summary.Value
        self._write(
            which,
            step,
            [value(tag=tag, simple_value=float(v)) for tag, v in scalars.items()],
        )

    def _histogram(self, tag: str, weight: Array) -> Any:
        summary_pb2 = self._tb[2]
        w = np.asarray(weight, dtype=np.float64).ravel()
        counts, edges = np.histogram(w, bins=HISTOGRAM_BUCKETS)
        proto = summary_pb2.HistogramProto(
            min=float(w.min()),
            max=float(w.max()),
            num=float(w.size),
            sum=float(w.sum()),
            sum_squares=float(w @ w),
            bucket_limit=edges[1:].tolist(),
            bucket=counts.astype(np.float64).tolist(),
        )
        return summary_pb2.Summary.Value(tag=tag, histo=proto)

    def _image(self, tag: str, weight: Array) -> Any:
        image = _as_image(weight)
        if image is None:  # more than 2-D: nothing Keras would draw either
            return None
        summary_pb2 = self._tb[2]
        proto = summary_pb2.Summary.Image(
            height=image.shape[0],
            width=image.shape[1],
            colorspace=1,
            encoded_image_string=png(image),
        )
        return summary_pb2.Summary.Value(tag=tag, image=proto)

    # -- hooks --------------------------------------------------------------------
    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._tb = _tensorboard()
        self._global_batch = 0

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch_start = time.perf_counter()
        self._epoch_iterations = self._iterations()

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._global_batch += 1
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if self.update_freq == "epoch":
            return
        assert isinstance(self.update_freq, int)
        if self._global_batch % self.update_freq:
            return
        scalars = {f"batch_{name}": value for name, value in (logs or {}).items()}
        if self.write_steps_per_second:
            seconds = time.perf_counter() - self._batch_start
            scalars["batch_steps_per_second"] = 1.0 / max(seconds, 1e-9)
        self._scalars("train", self._global_batch, scalars)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        rate = self._learning_rate()
        if rate is not None:
            train["learning_rate"] = rate
        if self.write_steps_per_second:
            seconds = max(time.perf_counter() - self._epoch_start, 1e-9)
            train["steps_per_second"] = (
                self._iterations() - self._epoch_iterations
            ) / seconds
        if logs:
            self._scalars("train", epoch, {f"epoch_{k}": v for k, v in train.items()})
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        if val:
            self._scalars(
                "validation", epoch, {f"epoch_{k}": v for k, v in val.items()}
            )
            self._scalars(
                "validation",
                self._iterations(),
                {f"evaluation_{k}_vs_iterations": v for k, v in val.items()},
            )
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    def _log_weights(self, epoch: int) -> None:
        values = []
        prefix = getattr(self.model, "name", None)
        for layer in self.model.layers:
            for name in getattr(layer, "weight_order", []):
                tag = "/".join(filter(None, [prefix, layer.name, name]))
                weight = layer.weight(name)
                values.append(self._histogram(f"{tag}/histogram", weight))
                if self.write_images:
                    values.append(self._image(f"{tag}/image", weight))
        self._write("train", epoch, [v for v in values if v is not None])
        self._writer("train").flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # -- what the model offers ----------------------------------------------------
    def _iterations(self) -> int:
        return int(getattr(getattr(self.model, "optimizer", None), "iterations", 0))

    def _learning_rate(self) -> float | None:
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "learning_rate"):
            return None
        return get_learning_rate(optimizer)
