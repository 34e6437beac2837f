"""The model file: one zip archive of JSON and raw arrays; no pickle, no code.

Layout of ``model.axon`` (any extension works)::

    model.json            format tag and version, architecture, compile settings,
                          the float type, the optimizer's config and step count,
                          and a manifest of every array (name, shape, dtype)
    weights/00000.npy     the weights, in ``model.get_weights()`` order
    optimizer/<slot>.npy  the optimizer's state vectors

Saving writes to a temporary file next to the target, flushes it to disk and renames
it over the target, so a crash never leaves half a model where a good one was.
Loading reads arrays with ``allow_pickle=False`` and checks every name and shape
against the manifest before trusting the file.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from axon import config, losses, optimizers
from axon.config import Array

FORMAT = "axon-model"
VERSION = 1
_MAX_JSON_BYTES = 16 * 2**20


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


def save_model(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Save ``model`` to ``filepath`` (see the module docstring for the format)."""
    model._require_built()
    weights = model.get_weights()
    optimizer = model.optimizer
    manifest = {
        "weights": [
            {"name": f"{layer.name}/{name}", "shape": list(layer.weight(name).shape)}
            for layer in model.layers
            for name in layer.weight_order
        ],
        "optimizer": sorted(optimizer.slots) if optimizer else [],
    }
    document = {
        "format": FORMAT,
        "version": VERSION,
        "class_name": type(model).__name__,
        "config": model.get_config(),
        "floatx": str(model.parameters.dtype),
        "compile": None,
        "manifest": manifest,
    }
    if model.compiled:
        document["compile"] = {
            "optimizer": {"name": optimizer.name, **optimizer.get_config()},
            "optimizer_iterations": optimizer.iterations,
            "loss": losses.serialize(model.loss),
            "metrics": [m if isinstance(m, str) else m.name for m in model._metric_ids],
        }

    def write(handle: Any) -> None:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("model.json", json.dumps(document, indent=1))
            for i, array in enumerate(weights):
                archive.writestr(f"weights/{i:05d}.npy", _array_bytes(array))
            for name in manifest["optimizer"]:
                archive.writestr(
                    f"optimizer/{name}.npy", _array_bytes(optimizer.slots[name])
                )

    atomic_write(filepath, write)


def _read_array(
    archive: zipfile.ZipFile, name: str, shape: list[int], path: str
) -> Array:
    try:
        with archive.open(name) as handle:
            array = np.lib.format.read_array(handle, allow_pickle=False)
    except KeyError:
        raise ValueError(
            f"{path} is not a valid axon model: {name} is missing"
        ) from None
    except ValueError as error:
        raise ValueError(f"{path} is not a valid axon model: {name}: {error}") from None
    if list(array.shape) != list(shape):
        raise ValueError(
            f"{path} is not a valid axon model: {name} has shape {array.shape}, "
            f"the architecture says {tuple(shape)}"
        )
    return array


def load_model(filepath: str | os.PathLike[str], compile: bool = True) -> Any:
    """Load a model saved by ``model.save``; compiled again when it was compiled.

    Raises ValueError for anything that is not a well-formed axon model file.
    """
    from axon.models.sequential import Sequential

    path = str(filepath)
    if not Path(path).is_file():
        raise FileNotFoundError(f"No model file at {path!r}")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValueError(
            f"{path} is not an axon model file (not a zip archive)"
        ) from None
    with archive:
        try:
            info = archive.getinfo("model.json")
        except KeyError:
            raise ValueError(
                f"{path} is not an axon model file: model.json is missing"
            ) from None
        if info.file_size > _MAX_JSON_BYTES:
            raise ValueError(
                f"{path}: model.json is implausibly large ({info.file_size} bytes)"
            )
        try:
            document = json.loads(archive.read(info))
        except (json.JSONDecodeError, UnicodeDecodeError, zipfile.BadZipFile) as error:
            raise ValueError(
                f"{path}: model.json is not valid JSON ({error})"
            ) from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(f"{path} is not an axon model file (no axon format tag)")
        if document.get("version") != VERSION:
            raise ValueError(
                f"{path} uses axon model format version {document.get('version')}; this "
                f"axon reads version {VERSION}"
            )
        if document.get("class_name") != "Sequential":
            raise ValueError(
                f"{path}: unknown model class {document.get('class_name')!r}"
            )
        previous = config.floatx()
        config.set_floatx(document.get("floatx", "float32"))
        try:
            model = Sequential.from_config(document["config"])
        finally:
            config.set_floatx(previous)
        entries = document["manifest"]["weights"]
        weights = [
            _read_array(archive, f"weights/{i:05d}.npy", entry["shape"], path)
            for i, entry in enumerate(entries)
        ]
        model.set_weights(weights)
        settings = document.get("compile")
        if compile and settings:
            optimizer = optimizers.get(settings["optimizer"])
            model.compile(
                optimizer=optimizer,
                loss=losses.get(settings["loss"]),
                metrics=[str(name) for name in settings["metrics"]],
            )
            slots = document["manifest"]["optimizer"]
            for name in slots:
                optimizer.slots[name] = _read_array(
                    archive, f"optimizer/{name}.npy", [model.parameters.size], path
                ).astype(model.parameters.dtype)
            optimizer.iterations = int(settings.get("optimizer_iterations", 0))
    return model
