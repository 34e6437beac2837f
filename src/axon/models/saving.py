"""The model file: one zip archive of JSON and raw arrays; no pickle, no code.

Layout of ``model.axon`` (any extension works)::

    model.json            format tag and version, kind ("model" or "weights"),
                          architecture, compile settings, float type, the optimizer's
                          step count, the random generators' states, the model's
                          ``metadata`` dict (class and feature names...), and a
                          manifest of every array
    weights/00000.npy     the weights, in ``model.get_weights()`` order
    optimizer/<slot>.npy  the optimizer's state vectors (models only)

With the optimizer's state and the generators' states (the model's shuffling and each
Dropout's masks) in the file, training resumed from a checkpoint ends bit-identical
to training that never stopped.

Saving writes to a temporary file next to the target, flushes it to disk and renames
it over the target, so a crash or a full disk never leaves half a model where a good
one was. Loading trusts nothing: every entry name must be one axon writes (so no path
can escape the archive), sizes must be plausible (no zip bombs), arrays are read with
``allow_pickle=False`` and must be floats of the shapes the architecture implies, and
every failure is a ValueError that names the file.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from axon import config, losses, optimizers
from axon.config import Array

FORMAT = "axon-model"
VERSION = 1
_ENTRY = re.compile(r"model\.json|weights/\d{5}\.npy|optimizer/[a-z_0-9]{1,32}\.npy")
_MAX_JSON_BYTES = 16 * 2**20
_NPY_HEADER = 4096  # an .npy header is 128 bytes or a little more
# A functional axon.Model is written as Keras names it in its own files.
_CLASS_NAMES = {"Model": "Functional"}


def _array_bytes(array: Array) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def _default_mode() -> int:
    """The permissions a plain ``open(path, "w")`` would give: 0o666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: str | os.PathLike[str], write: Any) -> None:
    """Call ``write(file)`` on a temporary file, then rename it to ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, _default_mode())  # mkstemp makes files private (0o600)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _generators(model: Any) -> dict[str, np.random.Generator]:
    """Every random generator whose state decides how training continues."""
    found = {"model": model.rng}
    for layer in model.layers:
        rng = getattr(layer, "rng", None)
        if isinstance(rng, np.random.Generator):
            found[f"layer/{layer.name}"] = rng
    return found


def _metadata(model: Any) -> dict[str, Any]:
    """``model.metadata`` (class names, feature names...), checked to be plain JSON."""
    metadata = getattr(model, "metadata", None) or {}
    try:
        if not isinstance(metadata, dict):
            raise TypeError(type(metadata).__name__)
        json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(
            "Expected model.metadata to be a dict of plain JSON values (str, numbers, "
            f"lists, dicts). Received: {error}"
        ) from None
    return metadata


def _document(model: Any, kind: str) -> dict[str, Any]:
    optimizer = model.optimizer if kind == "model" and model.compiled else None
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "class_name": _CLASS_NAMES.get(type(model).__name__, type(model).__name__),
        "config": model.get_config(),
        "floatx": str(model.parameters.dtype),
        "compile": None,
        "manifest": {
            "weights": [
                {
                    "name": f"{layer.name}/{name}",
                    "shape": list(layer.weight(name).shape),
                }
                for layer in model.layers
                for name in layer.weight_order
            ],
            "optimizer": sorted(optimizer.slots) if optimizer else [],
        },
        "rng": {},
        "metadata": _metadata(model),
    }
    if optimizer is not None:
        document["compile"] = {
            "optimizer": optimizers.serialize(optimizer),  # a schedule as its config
            "optimizer_iterations": optimizer.iterations,
            **_loss_settings(model),
        }
        document["rng"] = {
            name: rng.bit_generator.state for name, rng in _generators(model).items()
        }
    return document


def _names(metrics: list[Any]) -> list[str]:
    return [m if isinstance(m, str) else m.name for m in metrics]


def _loss_settings(model: Any) -> dict[str, Any]:
    """``compile``'s loss and metrics as JSON; with several outputs, one per output."""
    weighted = getattr(model, "_weighted_metric_ids", [])
    if not getattr(model, "_many_outputs", False):
        return {
            "loss": losses.serialize(model.loss),
            "metrics": _names(model._metric_ids),
            "weighted_metrics": _names(weighted),
        }
    return {
        **model.loss.get_config(),  # loss (a list) and loss_weights
        "metrics": [_names(wanted) for wanted in model._output_metric_ids],
        "weighted_metrics": [_names(wanted) for wanted in weighted],
    }


def _compile_arguments(settings: dict[str, Any]) -> dict[str, Any]:
    """The arguments of ``compile`` that :func:`_loss_settings` wrote down."""
    loss, metrics = settings["loss"], settings["metrics"]
    weighted = settings.get("weighted_metrics") or []  # files before they were saved
    if not isinstance(loss, list):
        return {
            "loss": losses.get(loss),
            "metrics": [str(name) for name in metrics],
            "weighted_metrics": [str(name) for name in weighted],
        }
    return {
        "loss": [None if entry is None else losses.get(entry) for entry in loss],
        "loss_weights": [float(weight) for weight in settings["loss_weights"]],
        "metrics": [[str(name) for name in wanted] for wanted in metrics],
        "weighted_metrics": [[str(name) for name in wanted] for wanted in weighted]
        or None,
    }


def _write(model: Any, filepath: str | os.PathLike[str], kind: str) -> None:
    model._require_built()
    document = _document(model, kind)
    weights = model.get_weights()
    optimizer = model.optimizer

    def write(handle: Any) -> None:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("model.json", json.dumps(document, indent=1))
            for i, array in enumerate(weights):
                archive.writestr(f"weights/{i:05d}.npy", _array_bytes(array))
            for name in document["manifest"]["optimizer"]:
                archive.writestr(
                    f"optimizer/{name}.npy", _array_bytes(optimizer.slots[name])
                )

    atomic_write(filepath, write)


def save_model(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Save architecture, weights, compile settings, optimizer and generator states.

    A name ending in ``.keras`` or ``.weights.h5`` writes Keras 3's format instead
    (:mod:`axon.models.keras_format`).
    """
    if _keras_format(filepath):
        _keras_format(filepath).save_model(model, filepath)
        return
    _write(model, filepath, "model")


def save_weights(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Save the architecture (to check against on loading) and the weights only."""
    if _keras_format(filepath):
        _keras_format(filepath).save_weights(model, filepath)
        return
    _write(model, filepath, "weights")


def _keras_format(filepath: Any) -> Any:
    """The Keras-format module for ``.keras`` and ``.weights.h5`` names, else None."""
    name = os.fspath(filepath) if isinstance(filepath, (str, os.PathLike)) else ""
    if not str(name).endswith((".keras", ".weights.h5")):
        return None
    from axon.models import keras_format

    return keras_format


# -- loading --------------------------------------------------------------------------
class _Reader:
    """A zip archive opened for loading, checked entry by entry before any is read."""

    def __init__(self, filepath: str | os.PathLike[str]) -> None:
        self.path = str(filepath)
        if not Path(self.path).is_file():
            raise FileNotFoundError(f"No model file at {self.path!r}")
        try:
            self.archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise self.error(
                f"not a zip archive, or a truncated one ({error})"
            ) from None
        try:
            for info in self.archive.infolist():
                if not _ENTRY.fullmatch(info.filename):
                    raise self.error(
                        f"unexpected entry {info.filename[:80]!r}: axon never writes it"
                    )
            self.document = self._read_document()
        except BaseException:
            self.archive.close()
            raise

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.path} is not a valid axon model file: {message}")

    def read(self, name: str) -> bytes:
        try:
            return self.archive.read(name)
        except KeyError:
            raise self.error(f"{name} is missing") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise self.error(f"{name} is corrupted ({error})") from None

    def _read_document(self) -> dict[str, Any]:
        try:
            info = self.archive.getinfo("model.json")
        except KeyError:
            raise self.error("model.json is missing") from None
        if info.file_size > _MAX_JSON_BYTES:
            raise self.error(
                f"model.json is implausibly large ({info.file_size} bytes)"
            )
        try:
            document = json.loads(self.read("model.json"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise self.error(f"model.json is not valid JSON ({error})") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise self.error("model.json carries no axon format tag")
        if document.get("version") != VERSION:
            raise self.error(
                f"format version {document.get('version')!r}; this axon reads {VERSION}"
            )
        if document.get("class_name") not in ("Sequential", "Functional"):
            raise self.error(f"unknown model class {document.get('class_name')!r}")
        return document

    def array(self, name: str, shape: list[int] | tuple[int, ...]) -> Array:
        # The architecture says how big each array is: an entry that would inflate to
        # more is refused before a byte of it is decompressed (a decompression bomb).
        # zipfile never reads past the size an entry declares.
        try:
            declared = self.archive.getinfo(name).file_size
        except KeyError:
            raise self.error(f"{name} is missing") from None
        allowed = int(np.prod(shape, dtype=np.int64)) * 8 + _NPY_HEADER
        if declared > allowed:
            raise self.error(
                f"{name} would decompress to {declared} bytes where its shape allows "
                f"{allowed}: refused as a decompression bomb"
            )
        raw = self.read(name)
        try:
            array = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
        except ValueError as error:  # pickled objects land here, never executed
            raise self.error(f"{name}: {error}") from None
        if array.dtype.kind != "f":
            raise self.error(f"{name} holds {array.dtype} values, not floats")
        if list(array.shape) != list(shape):
            raise self.error(
                f"{name} has shape {array.shape}, the architecture says {tuple(shape)}"
            )
        return array

    def field(self, *keys: str) -> Any:
        value: Any = self.document
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                raise self.error(f"model.json lacks {'/'.join(keys)}")
            value = value[key]
        return value


def _build(reader: _Reader) -> Any:
    from axon.models import Model, Sequential

    floatx = reader.field("floatx")
    if floatx not in ("float16", "float32", "float64"):
        raise reader.error(f"unknown float type {floatx!r}")
    previous = config.floatx()
    config.set_floatx(floatx)
    try:
        cls = Sequential if reader.field("class_name") == "Sequential" else Model
        return cls.from_config(reader.field("config"))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise reader.error(f"its architecture does not build ({error})") from None
    finally:
        config.set_floatx(previous)


def _read_weights(reader: _Reader, model: Any) -> list[Array]:
    expected = [w.shape for w in model.weights]
    entries = reader.field("manifest", "weights")
    if not isinstance(entries, list) or len(entries) != len(expected):
        raise reader.error("its weight manifest does not match its architecture")
    return [
        reader.array(f"weights/{i:05d}.npy", shape) for i, shape in enumerate(expected)
    ]


def _restore_generators(reader: _Reader, model: Any) -> None:
    states = reader.document.get("rng") or {}
    generators = _generators(model)
    for name, state in states.items():
        if name not in generators:
            raise reader.error(f"a random generator state for unknown {name!r}")
        try:
            generators[name].bit_generator.state = state
        except (TypeError, ValueError, KeyError) as error:
            raise reader.error(
                f"a bad random generator state for {name} ({error})"
            ) from None


def load_model(filepath: str | os.PathLike[str], compile: bool = True) -> Any:
    """Load a model saved by ``model.save``; compiled again when it was compiled."""
    if _keras_format(filepath):
        return _keras_format(filepath).load_model(filepath, compile=compile)
    reader = _Reader(filepath)
    with reader.archive:
        model = _build(reader)
        model.set_weights(_read_weights(reader, model))
        metadata = reader.document.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise reader.error("its metadata is not a JSON object")
        model.metadata = metadata
        settings = reader.document.get("compile")
        if not (compile and settings):
            return model
        try:
            optimizer = optimizers.get(settings["optimizer"])
            model.compile(optimizer=optimizer, **_compile_arguments(settings))
            iterations = int(settings.get("optimizer_iterations", 0))
        except (ValueError, TypeError, KeyError) as error:
            raise reader.error(f"its compile settings do not apply ({error})") from None
        size = model.parameters.size
        for name in reader.field("manifest", "optimizer"):
            if name not in optimizer.slot_names:
                raise reader.error(f"unknown optimizer slot {name!r}")
            slot = reader.array(f"optimizer/{name}.npy", [size])
            optimizer.slots[name] = slot.astype(model.parameters.dtype)
        optimizer.iterations = iterations
        _restore_generators(reader, model)
    return model


def load_weights(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Load weights saved by ``save_weights`` (or ``save``) into a model of the same shape."""
    if _keras_format(filepath):
        _keras_format(filepath).load_weights(model, filepath)
        return
    reader = _Reader(filepath)
    with reader.archive:
        model._require_built()
        model.set_weights(_read_weights(reader, model))
