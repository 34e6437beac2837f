"""Keras 3's own files: ``.keras`` models and ``.weights.h5`` weights.

A ``.keras`` file is a zip archive of three entries, as Keras 3 writes it::

    metadata.json      {"keras_version": ..., "date_saved": ...}
    config.json        the model as Keras objects: class, layers, build and compile
                       configs (see axon.models.keras_layers and keras_compile)
    model.weights.h5   HDF5: layers/<group>/vars/0, 1, ... each layer's weights in
                       Keras's order; optimizer/vars/0, 1, ... the step count, the
                       learning rate and the optimizer's slots; vars (the model's own)

A layer's group is named after its class, not after the layer: ``dense``,
``dense_1``... in the order of ``model.layers`` (the layer's own name is the group's
``name`` attribute). A ``.weights.h5`` file is the same HDF5 file on its own.

``model.save("m.keras")`` and ``model.save_weights("w.weights.h5")`` write these
files, and ``axon.models.load_model`` / ``model.load_weights`` read them; other
names keep axon's own format (:mod:`axon.models.saving`). Writing goes to a temporary
file renamed over the target, so a crash never leaves half a file.

Loading runs no code and trusts nothing: the archive may hold only the three entries
above, each under a size limit; the JSON must have the shape Keras writes; every
class must be one of Keras's own that axon translates (``Lambda``, custom objects and
unknown classes are refused, naming them); every HDF5 dataset must be a plain,
internal float array of exactly the shape the built model expects (no links to other
files, no pickled objects). Every failure is a ValueError naming the file.

Differences from Keras, on purpose:

- ``load_weights`` restores the layers' weights only. Keras also restores the
  optimizer's state from a ``.weights.h5`` file; the file does not say which
  optimizer wrote it, so axon leaves the optimizer as it is. ``load_model`` restores
  the optimizer's state of every optimizer axon has (Keras's layout of each is in
  :data:`axon.models.keras_compile.OPTIMIZER_SPECS`).
- A file whose model was never built (no input shape) is refused: it has no weights.

h5py is an optional dependency: ``pip install 'axon[keras]'``.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from axon import config as axon_config
from axon.config import Array
from axon.layers.base import check_shape
from axon.models import keras_compile
from axon.models.keras_layers import (
    check_object,
    dtype_from_keras,
    dtype_to_keras,
    keras_object,
    keras_snake_case,
    keras_variables,
    layer_from_keras,
    layer_to_keras,
)
from axon.models.saving import atomic_write

KERAS_VERSION = "3.15.1"  # the Keras whose format this module writes, checked against
_ENTRIES = ("metadata.json", "config.json", "model.weights.h5")
_MAX_JSON_BYTES = 16 * 2**20
_H5_OVERHEAD = 2**20 + 4096  # per file, and per dataset, beyond the arrays themselves


def is_keras_path(filepath: Any) -> str | None:
    """``"model"`` for a ``.keras`` path, ``"weights"`` for ``.weights.h5``, else None."""
    name = os.fspath(filepath) if isinstance(filepath, (str, os.PathLike)) else ""
    if str(name).endswith(".keras"):
        return "model"
    if str(name).endswith(".weights.h5"):
        return "weights"
    return None


def _h5py() -> Any:
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "Keras files (.keras, .weights.h5) need h5py: pip install 'axon[keras]'"
        ) from None
    return h5py


# -- the model's layout in Keras's terms ------------------------------------------------
def _layer_paths(model: Any) -> list[tuple[str, Any]]:
    """Each layer's group in the weights file: its Keras class, made unique."""
    used: dict[str, int] = {}
    paths = []
    for layer in model.layers:
        base = keras_snake_case(type(layer).__name__)
        used[base] = used.get(base, -1) + 1
        paths.append(
            (f"layers/{base}_{used[base]}" if used[base] else f"layers/{base}", layer)
        )
    return paths


def _segments(model: Any) -> list[tuple[int, tuple[int, ...]]]:
    """Offset and shape in the flat parameter vector of each trainable weight.

    In Keras's order (``model.trainable_weights``: layer by layer, each layer's
    weights in order), found from where each weight's view lies in the vector.
    """
    vector = model.parameters
    start = vector.__array_interface__["data"][0]
    segments = []
    for layer in model.layers:
        for name in layer.weight_order:
            value = layer.params.get(name)
            if value is None or not np.shares_memory(value, vector):
                continue  # not trained (moving statistics, a frozen layer)
            offset = (value.__array_interface__["data"][0] - start) // vector.itemsize
            segments.append((int(offset), tuple(value.shape)))
    return segments


# -- writing ----------------------------------------------------------------------------
def _model_to_keras(model: Any, dtype: str) -> dict[str, Any]:
    if type(model).__name__ != "Sequential":
        raise ValueError(
            f"axon writes Sequential models to Keras files. Received: {type(model).__name__}"
        )
    batch_shape = [None, *model.input_shape]
    input_layer = keras_object(
        "keras.layers",
        "InputLayer",
        {
            "batch_shape": batch_shape,
            "dtype": dtype,
            "sparse": False,
            "name": "input_layer",
        },
    )
    layers = [input_layer, *(layer_to_keras(layer, dtype) for layer in model.layers)]
    document = keras_object(
        "keras",
        "Sequential",
        {
            "name": model.name,
            "trainable": True,
            "dtype": dtype_to_keras(dtype),
            "layers": layers,
            "build_input_shape": batch_shape,
        },
    )
    document["build_config"] = {"input_shape": batch_shape}
    if model.compiled:
        document["compile_config"] = keras_compile.compile_to_keras(model)
    return document


def _weights_file(model: Any) -> bytes:
    """The model's HDF5 weights file, laid out as Keras lays it out."""
    h5py = _h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5.create_group("vars").attrs["name"] = model.name
        for path, layer in _layer_paths(model):
            group = h5.create_group(path).create_group("vars")
            group.attrs["name"] = layer.name
            weights = layer.weights
            for i, variable in enumerate(keras_variables(layer)):
                index = variable.weight
                group[str(i)] = variable.value if index is None else weights[index]
        optimizer = model.optimizer if model.compiled else None
        if optimizer is not None:
            group = h5.create_group("optimizer").create_group("vars")
            group.attrs["name"] = keras_snake_case(type(optimizer).__name__)
            segments = _segments(model)
            state = keras_compile.state_to_keras(optimizer, segments, model.parameters)
            for i, value in enumerate(state):
                group[str(i)] = value
    return buffer.getvalue()


def save_model(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Write ``model`` as a Keras 3 ``.keras`` archive (see the module docstring)."""
    if is_keras_path(filepath) != "model":
        raise ValueError(
            "A .weights.h5 file holds weights only: use model.save_weights for it, "
            f"and model.save for a .keras file. Received: filepath={filepath!r}"
        )
    model._require_built()
    dtype = str(model.parameters.dtype)
    document = _model_to_keras(model, dtype)
    weights = _weights_file(model)
    metadata = {
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }

    def write(handle: Any) -> None:
        with zipfile.ZipFile(handle, "w") as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(document))
            archive.writestr("model.weights.h5", weights)

    atomic_write(filepath, write)


def save_weights(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Write the weights (and, when compiled, the optimizer's state) as ``.weights.h5``."""
    if is_keras_path(filepath) != "weights":
        raise ValueError(
            "A .keras file holds a whole model: use model.save for it, and "
            f"model.save_weights for a .weights.h5 file. Received: filepath={filepath!r}"
        )
    model._require_built()
    weights = _weights_file(model)
    atomic_write(filepath, lambda handle: handle.write(weights))


# -- reading ----------------------------------------------------------------------------
class _Archive:
    """A ``.keras`` zip archive, its entries checked before any is read."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise ValueError(
                f"not a zip archive, or a truncated one ({error})"
            ) from None
        names = self.zip.namelist()
        for name in names:
            if name not in _ENTRIES:
                self.zip.close()
                raise ValueError(
                    f"unexpected entry {name[:80]!r}: axon reads {', '.join(_ENTRIES)} "
                    "(no assets, no sharded or .npz weights)"
                )
        if len(set(names)) != len(names) or "config.json" not in names:
            self.zip.close()
            raise ValueError("config.json is missing, or an entry appears twice")

    def read(self, name: str, limit: int) -> bytes:
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise ValueError(f"{name} is missing") from None
        if info.file_size > limit:
            raise ValueError(
                f"{name} would decompress to {info.file_size} bytes where at most "
                f"{limit} are plausible: refused"
            )
        try:
            return self.zip.read(name)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise ValueError(f"{name} is corrupted ({error})") from None

    def json(self, name: str) -> dict[str, Any]:
        try:
            document = json.loads(self.read(name, _MAX_JSON_BYTES))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
            raise ValueError(f"{name} is not valid JSON ({error})") from None
        if not isinstance(document, dict):
            raise ValueError(f"{name} holds a {type(document).__name__}, not an object")
        return document


class _Weights:
    """An HDF5 weights file, read dataset by dataset after checking each."""

    def __init__(self, source: Any) -> None:
        h5py = self.h5py = _h5py()
        try:
            self.file = h5py.File(source, "r")
        except (OSError, ValueError) as error:
            raise ValueError(f"the HDF5 weights are unreadable ({error})") from None

    def _child(self, group: Any, name: str, kind: Any, where: str) -> Any:
        link = group.get(name, getlink=True)
        if link is None:
            return None
        if not isinstance(link, self.h5py.HardLink):
            raise ValueError(f"{where} is a {type(link).__name__}: refused")
        child = group[name]
        if not isinstance(child, kind):
            raise ValueError(
                f"{where} is a {type(child).__name__}, not a {kind.__name__}"
            )
        return child

    def group(self, path: str) -> Any:
        group = self.file
        for i, part in enumerate(path.split("/")):
            where = "/".join(path.split("/")[: i + 1])
            group = self._child(group, part, self.h5py.Group, where)
            if group is None:
                return None
        return group

    def arrays(
        self, path: str, shapes: list[tuple[int, ...]], kinds: list[str]
    ) -> list[Array]:
        """The datasets ``path/vars/0...``, checked against ``shapes`` and dtype kinds."""
        group = self.group(f"{path}/vars")
        names = sorted(group.keys()) if group is not None else []
        if names != sorted(str(i) for i in range(len(shapes))):
            raise ValueError(
                f"{path} holds {len(names)} arrays where the model has {len(shapes)}"
            )
        arrays = []
        for i, (shape, kind) in enumerate(zip(shapes, kinds, strict=True)):
            where = f"{path}/vars/{i}"
            dataset = self._child(group, str(i), self.h5py.Dataset, where)
            if dataset.external or dataset.is_virtual:
                raise ValueError(f"{where} keeps its data outside the file: refused")
            if dataset.dtype.kind not in kind:
                raise ValueError(f"{where} holds {dataset.dtype} values, not numbers")
            if tuple(dataset.shape) != tuple(shape):
                raise ValueError(
                    f"{where} has shape {tuple(dataset.shape)}, the model expects {tuple(shape)}"
                )
            try:
                arrays.append(np.asarray(dataset[()]))
            except (OSError, ValueError) as error:
                raise ValueError(f"{where} is unreadable ({error})") from None
        return arrays

    def set_layer_weights(self, model: Any) -> None:
        paths = _layer_paths(model)
        stored = self.group("layers")
        known = {path.split("/")[1] for path, _ in paths}
        for name in sorted(stored.keys()) if stored is not None else []:
            if name not in known:
                raise ValueError(
                    f"the file holds weights for layers/{name}, which this model lacks"
                )
        for path, layer in paths:
            variables = keras_variables(layer)
            shapes = [v.shape for v in variables]
            arrays = self.arrays(path, shapes, [v.kinds for v in variables])
            found = {v.weight: a for v, a in zip(variables, arrays, strict=True)}
            if variables:  # else the weights came with the config
                layer.set_weights([found[i] for i in range(len(layer.weights))])

    def optimizer_state(self, model: Any) -> None:
        optimizer, segments = model.optimizer, _segments(model)
        group = self.group("optimizer/vars")
        count = len(group.keys()) if group is not None else 0
        if count == 0:
            return
        full, head = keras_compile.state_shapes(optimizer, segments)
        shapes = full if count == len(full) else full[:head]  # built, or not yet
        if count != len(shapes):
            raise ValueError(
                f"optimizer/vars holds {count} arrays; {type(optimizer).__name__} over "
                f"this model keeps {head} (not built yet) or {len(full)}"
            )
        state = self.arrays("optimizer", shapes, ["iu", *["f"] * (len(shapes) - 1)])
        keras_compile.state_from_keras(optimizer, state, segments, model.parameters)


def _input_shape(config: dict[str, Any], where: str) -> tuple[int, ...]:
    shape = config.get("batch_shape", config.get("batch_input_shape"))
    if isinstance(shape, list) and shape:
        return check_shape(shape[1:])
    if "shape" in config:
        return check_shape(config["shape"])
    raise ValueError(f"{where}: an InputLayer without batch_shape")


def _model_from_keras(document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """config.json as an axon Sequential config and the model's float type."""
    class_name, config = check_object(document, "config.json")
    if class_name != "Sequential":
        raise ValueError(f"axon loads Sequential models. Received: {class_name}")
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise ValueError("config.json: the model's layers are not a list")
    input_shape = None
    dtypes = {dtype_from_keras(config.get("dtype"), "config.json dtype")}
    layers = []
    for i, entry in enumerate(entries):
        where = f"config.json layers[{i}]"
        if isinstance(entry, dict) and entry.get("class_name") == "InputLayer":
            if i != 0:
                raise ValueError(f"{where}: an InputLayer after the first layer")
            input_shape = _input_shape(check_object(entry, where)[1], where)
            continue
        layer_class, layer_config, dtype = layer_from_keras(entry, where)
        if config.get("trainable") is False:
            layer_config["trainable"] = False
        dtypes.add(dtype)
        layers.append({"class_name": layer_class, "config": layer_config})
    if input_shape is None:
        build = config.get("build_input_shape") or (
            document.get("build_config") or {}
        ).get("input_shape")
        if not isinstance(build, list) or not build:
            raise ValueError("the model was never built, so the file holds no weights")
        input_shape = check_shape(build[1:])
    floats = sorted(d for d in dtypes if d is not None) or ["float32"]
    if len(floats) > 1:
        raise ValueError(f"layers of several float types ({', '.join(floats)})")
    name = config.get("name")
    axon = {"name": name if isinstance(name, str) and name else None}
    return {**axon, "input_shape": list(input_shape), "layers": layers}, floats[0]


def _build(config: dict[str, Any], floatx: str) -> Any:
    from axon.models.sequential import Sequential

    previous = axon_config.floatx()
    axon_config.set_floatx(floatx)
    try:
        return Sequential.from_config(config)
    finally:
        axon_config.set_floatx(previous)


def _h5_limit(model: Any) -> int:
    scalars = sum(w.size for w in model.weights)
    datasets = sum(len(layer.weight_order) for layer in model.layers)
    # Weights in float64 at worst, and up to three optimizer slots per weight.
    return 8 * 4 * scalars + _H5_OVERHEAD * (1 + 4 * datasets)


def _refused(path: str, error: Exception) -> ValueError:
    return ValueError(f"{path} is not a Keras file axon can load: {error}")


def _existing(filepath: Any) -> str:
    path = os.fspath(filepath)
    if not Path(path).is_file():
        raise FileNotFoundError(f"No Keras file at {path!r}")
    return str(path)


def load_model(filepath: str | os.PathLike[str], compile: bool = True) -> Any:
    """Load a Keras 3 ``.keras`` file as an axon model, compiled when it was compiled.

    The optimizer's state (step count, learning rate, slots) comes along, so ``fit``
    continues where Keras stopped.
    """
    path = _existing(filepath)
    if is_keras_path(path) != "model":
        raise ValueError(
            f"{path}: a .weights.h5 file holds no architecture; build the model and "
            "call model.load_weights on it"
        )
    _h5py()
    try:
        archive = _Archive(path)
        with archive.zip:
            document = archive.json("config.json")
            if "metadata.json" in archive.zip.namelist():
                version = archive.json("metadata.json").get("keras_version")
                if not (isinstance(version, str) and version.startswith("3.")):
                    raise ValueError(
                        f"written by Keras {version!r}; axon reads Keras 3"
                    )
            model = _build(*_model_from_keras(document))
            raw = archive.read("model.weights.h5", _h5_limit(model))
        weights = _Weights(io.BytesIO(raw))
        with weights.file:
            weights.set_layer_weights(model)
            settings = document.get("compile_config")
            if compile and settings:
                model.compile(
                    **keras_compile.compile_from_keras(settings, "compile_config")
                )
                weights.optimizer_state(model)
    except (ValueError, TypeError) as error:
        raise _refused(path, error) from None
    return model


def load_weights(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Load the layers' weights from a ``.weights.h5`` or ``.keras`` file."""
    path = _existing(filepath)
    model._require_built()
    _h5py()
    try:
        if is_keras_path(path) == "model":
            archive = _Archive(path)
            with archive.zip:
                source: Any = io.BytesIO(
                    archive.read("model.weights.h5", _h5_limit(model))
                )
        else:
            source = path
        weights = _Weights(source)
        backup = model.get_weights()
        with weights.file:
            try:
                weights.set_layer_weights(model)
            except BaseException:
                model.set_weights(backup)  # never half a model
                raise
    except (ValueError, TypeError) as error:
        raise _refused(path, error) from None
