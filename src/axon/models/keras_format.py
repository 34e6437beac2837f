"""Keras 3's own files: ``.keras`` models and ``.weights.h5`` weights.

A ``.keras`` file is a zip archive of three entries, as Keras 3 writes it::

    metadata.json      {"keras_version": ..., "date_saved": ...}
    config.json        the model as Keras objects: class, layers, build and compile
                       configs (see axon.models.keras_layers and keras_compile)
    model.weights.h5   HDF5: layers/<group>/vars/0, 1, ... each layer's weights in
                       Keras's order; optimizer/vars/0, 1, ... the step count, the
                       learning rate and the optimizer's slots; vars (the model's own)

A ``.weights.h5`` file is the same HDF5 file on its own (its layout is
:mod:`axon.models.keras_weights`'s). Both kinds of model are translated: a
``Sequential``, and a functional ``axon.Model`` as Keras's ``Functional`` (each
layer's calls as ``inbound_nodes``, tensors named by ``keras_history``, the model's
``input_layers`` and ``output_layers``).

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
- A layer call in a functional graph takes one argument (a tensor or a list) and the
  keyword ``training``; Keras's ``mask`` is accepted when null, anything else refused.

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

from axon import config as axon_config
from axon.layers.base import check_shape
from axon.models import keras_compile, keras_weights
from axon.models.keras_layers import (
    check_object,
    dtype_from_keras,
    dtype_to_keras,
    keras_object,
    layer_from_keras,
    layer_to_keras,
)
from axon.models.saving import atomic_write

KERAS_VERSION = "3.15.1"  # the Keras whose format this module writes, checked against
_ENTRIES = ("metadata.json", "config.json", "model.weights.h5")
_MAX_JSON_BYTES = 16 * 2**20


def is_keras_path(filepath: Any) -> str | None:
    """``"model"`` for a ``.keras`` path, ``"weights"`` for ``.weights.h5``, else None."""
    name = os.fspath(filepath) if isinstance(filepath, (str, os.PathLike)) else ""
    if str(name).endswith(".keras"):
        return "model"
    if str(name).endswith(".weights.h5"):
        return "weights"
    return None


# -- writing ----------------------------------------------------------------------------
def _input_to_keras(name: str, shape: Any, dtype: str) -> dict[str, Any]:
    config = {"batch_shape": [None, *shape], "dtype": dtype, "sparse": False}
    return keras_object("keras.layers", "InputLayer", {**config, "name": name})


def _model_to_keras(model: Any, dtype: str) -> dict[str, Any]:
    """The model as Keras's config.json: a Sequential, or a Functional graph."""
    if type(model).__name__ == "Sequential":
        batch_shape = [None, *model.input_shape]
        layers = [
            _input_to_keras("input_layer", model.input_shape, dtype),
            *(layer_to_keras(layer, dtype) for layer in model.layers),
        ]
        config = {"layers": layers, "build_input_shape": batch_shape}
        document = keras_object("keras", "Sequential", config)
        document["build_config"] = {"input_shape": batch_shape}
    elif hasattr(model, "graph"):
        document = _functional_to_keras(model, dtype)
    else:
        raise ValueError(
            "axon writes Sequential and functional models to Keras files. "
            f"Received: {type(model).__name__}"
        )
    header = {"name": model.name, "trainable": True, "dtype": dtype_to_keras(dtype)}
    document["config"] = {**header, **document["config"]}
    if model.compiled:
        document["compile_config"] = keras_compile.compile_to_keras(model)
    return document


def _functional_to_keras(model: Any, dtype: str) -> dict[str, Any]:
    # axon's functional config already has Keras's graph: each layer's calls
    # ("inbound_nodes", tensors named by keras_history) and the model's ends.
    config = model.get_config()
    layers = {layer.name: layer for layer in model.layers}
    entries = []
    for entry in config["layers"]:
        layer = layers[entry["name"]]
        if entry["class_name"] == "InputLayer":
            shape = entry["config"]["batch_shape"][1:]
            keras_entry = _input_to_keras(layer.name, shape, dtype)
        else:
            keras_entry = layer_to_keras(layer, dtype)
        entries.append(
            {**keras_entry, "name": layer.name, "inbound_nodes": entry["inbound_nodes"]}
        )
    ends = {k: config[k] for k in ("input_layers", "output_layers")}
    document = keras_object(
        "keras.src.models.functional", "Functional", {"layers": entries, **ends}
    )
    document["registered_name"] = "Functional"
    document["build_config"] = {"input_shape": None}
    return document


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
    weights = keras_weights.weights_file(model)
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
    weights = keras_weights.weights_file(model)
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


def _input_shape(config: dict[str, Any], where: str) -> tuple[int, ...]:
    for key in ("sparse", "ragged", "optional"):
        if config.get(key):
            raise ValueError(f"{where}: axon has no {key} inputs. Received: {key}=True")
    shape = config.get("batch_shape", config.get("batch_input_shape"))
    if isinstance(shape, list) and shape:
        return check_shape(shape[1:])
    if "shape" in config:
        return check_shape(config["shape"])
    raise ValueError(f"{where}: an InputLayer without batch_shape")


def _model_from_keras(document: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
    """config.json as an axon model class, its config, and the float type."""
    class_name, config = check_object(document, "config.json")
    if class_name not in ("Sequential", "Functional"):
        raise ValueError(
            f"axon loads Sequential and functional models. Received: {class_name}"
        )
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise ValueError("config.json: the model's layers are not a list")
    dtypes = {dtype_from_keras(config.get("dtype"), "config.json dtype")}
    input_shape, layers = None, []
    for i, entry in enumerate(entries):
        where = f"config.json layers[{i}]"
        if isinstance(entry, dict) and entry.get("class_name") == "InputLayer":
            input_config = check_object(entry, where)[1]
            shape = _input_shape(input_config, where)
            layer = {
                "class_name": "InputLayer",
                "config": {
                    "batch_shape": [None, *shape],
                    "name": input_config.get("name"),
                },
            }
            if class_name == "Sequential":
                if i != 0:
                    raise ValueError(f"{where}: an InputLayer after the first layer")
                input_shape = shape
                continue
        else:
            layer_class, layer_config, dtype = layer_from_keras(entry, where)
            if config.get("trainable") is False:
                layer_config["trainable"] = False
            dtypes.add(dtype)
            layer = {"class_name": layer_class, "config": layer_config}
        if class_name == "Functional":
            layer = _graph_entry(entry, layer, where)
        layers.append(layer)
    floats = sorted(d for d in dtypes if d is not None) or ["float32"]
    if len(floats) > 1:
        raise ValueError(f"layers of several float types ({', '.join(floats)})")
    name = config.get("name")
    axon = {"name": name if isinstance(name, str) and name else None, "layers": layers}
    if class_name == "Functional":
        for key in ("input_layers", "output_layers"):
            axon[key] = _ends(config.get(key), f"config.json {key}")
        return "Model", axon, floats[0]
    if input_shape is None:
        build = config.get("build_input_shape") or (
            document.get("build_config") or {}
        ).get("input_shape")
        if not isinstance(build, list) or not build:
            raise ValueError("the model was never built, so the file holds no weights")
        input_shape = check_shape(build[1:])
    return "Sequential", {**axon, "input_shape": list(input_shape)}, floats[0]


def _history(value: Any, where: str) -> list[Any]:
    """A tensor's ``[layer name, call index, output index]``, checked."""
    if not (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value[1:])
        and value[1] >= 0
        and value[2] == 0  # axon's layers have one output each
    ):
        raise ValueError(
            f"{where}: expected a tensor as [layer name, call, 0]. Received: {value!r}"
        )
    return list(value)


def _tensor(value: Any, where: str) -> dict[str, Any]:
    if not (isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"):
        raise ValueError(f"{where}: expected a __keras_tensor__. Received: {value!r}")
    config = value.get("config")
    history = _history(
        config.get("keras_history") if isinstance(config, dict) else None, where
    )
    return {"class_name": "__keras_tensor__", "config": {"keras_history": history}}


def _graph_entry(
    entry: dict[str, Any], layer: dict[str, Any], where: str
) -> dict[str, Any]:
    """A functional layer entry: its name and its calls, each call checked."""
    name, calls = entry.get("name"), entry.get("inbound_nodes")
    if name != layer["config"].get("name", name) or not isinstance(name, str):
        raise ValueError(f"{where}: the entry's name {name!r} is not its layer's")
    if not isinstance(calls, list):
        raise ValueError(f"{where}: inbound_nodes is not a list")
    nodes = []
    for j, call in enumerate(calls):
        at = f"{where}.inbound_nodes[{j}]"
        args = call.get("args") if isinstance(call, dict) else None
        kwargs = call.get("kwargs", {}) if isinstance(call, dict) else None
        if not (isinstance(args, list) and len(args) == 1 and isinstance(kwargs, dict)):
            raise ValueError(f"{at}: expected {{'args': [inputs], 'kwargs': {{...}}}}")
        for key, value in kwargs.items():  # a mask is Keras's, and always null here
            if not ((key == "mask" and value is None) or key == "training"):
                raise ValueError(f"{at}: axon cannot pass {key}={value!r} to a layer")
        arg = args[0]
        inputs: Any = (
            [_tensor(t, at) for t in arg] if isinstance(arg, list) else _tensor(arg, at)
        )
        training = {"training": kwargs["training"]} if "training" in kwargs else {}
        nodes.append({"args": [inputs], "kwargs": training})
    return {**layer, "name": name, "inbound_nodes": nodes}


def _ends(value: Any, where: str) -> Any:
    """A model's inputs or outputs: one tensor's history, a list of them or a dict."""
    if isinstance(value, dict):
        return {str(k): _history(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], list):
        return [_history(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return _history(value, where)


def _build(kind: str, config: dict[str, Any], floatx: str) -> Any:
    from axon.models import Model, Sequential

    previous = axon_config.floatx()
    axon_config.set_floatx(floatx)
    try:
        return (Sequential if kind == "Sequential" else Model).from_config(config)
    finally:
        axon_config.set_floatx(previous)


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
    keras_weights.h5py_module()
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
            raw = archive.read("model.weights.h5", keras_weights.size_limit(model))
        weights = keras_weights.WeightsFile(io.BytesIO(raw))
        with weights.file:
            weights.set_layer_weights(model)
            settings = document.get("compile_config")
            if compile and settings:
                arguments = keras_compile.compile_from_keras(settings, "compile_config")
                if "loss_weights" in arguments and not getattr(
                    model, "_many_outputs", 0
                ):
                    raise ValueError(
                        "compile_config: loss_weights weigh the losses of several "
                        f"outputs; this model has one. Received: {arguments['loss_weights']}"
                    )
                model.compile(**arguments)
                weights.optimizer_state(model)
    except (ValueError, TypeError) as error:
        raise _refused(path, error) from None
    return model


def load_weights(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Load the layers' weights from a ``.weights.h5`` or ``.keras`` file."""
    path = _existing(filepath)
    model._require_built()
    keras_weights.h5py_module()
    try:
        if is_keras_path(path) == "model":
            archive = _Archive(path)
            with archive.zip:
                source: Any = io.BytesIO(
                    archive.read("model.weights.h5", keras_weights.size_limit(model))
                )
        else:
            source = path
        weights = keras_weights.WeightsFile(source)
        backup = model.get_weights()
        with weights.file:
            try:
                weights.set_layer_weights(model, check_names=False)
            except BaseException:
                model.set_weights(backup)  # never half a model
                raise
    except (ValueError, TypeError) as error:
        raise _refused(path, error) from None
