"""The HDF5 file of a model's weights, laid out as Keras 3 lays it out.

::

    layers/<group>/vars/0, 1, ...   each layer's variables in Keras's order
    optimizer/vars/0, 1, ...        the step count, the learning rate, the slots
    vars                            the model's own (none; its name as attribute)

A layer's group is named after its Keras class, made unique in the order of
``model.layers`` (``dense``, ``dense_1``...), which is how Keras finds it again; the
layer's own name is the group's ``name`` attribute, and reading checks it. Reading
trusts nothing: every group and dataset must be a plain member of this file (no soft
or external links, no external storage), of a numeric dtype and exactly the shape the
built model expects, before a byte of it is read.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from axon.config import Array
from axon.models import keras_compile
from axon.models.keras_layers import keras_snake_case, keras_variables

_OVERHEAD = 2**20 + 4096  # per file, and per dataset, beyond the arrays themselves


def h5py_module() -> Any:
    """h5py, imported on first use, or an ImportError saying what to install."""
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "Keras files (.keras, .weights.h5) need h5py: pip install 'axon[keras]'"
        ) from None
    return h5py


def layer_paths(model: Any) -> list[tuple[str, Any]]:
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


def segments(model: Any) -> list[tuple[int, tuple[int, ...]]]:
    """Offset and shape in the flat parameter vector of each trainable weight.

    In Keras's order (``model.trainable_weights``: layer by layer, each layer's
    weights in order), found from where each weight's view lies in the vector.
    """
    vector = model.parameters
    start = vector.__array_interface__["data"][0]
    found = []
    for layer in model.layers:
        for name in layer.weight_order:
            value = layer.params.get(name)
            if value is None or not np.shares_memory(value, vector):
                continue  # not trained (moving statistics, a frozen layer)
            offset = (value.__array_interface__["data"][0] - start) // vector.itemsize
            found.append((int(offset), tuple(value.shape)))
    return found


def weights_file(model: Any) -> bytes:
    """The model's HDF5 weights file, laid out as Keras lays it out."""
    h5py = h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5.create_group("vars").attrs["name"] = model.name
        for path, layer in layer_paths(model):
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
            pieces = segments(model)
            state = keras_compile.state_to_keras(optimizer, pieces, model.parameters)
            for i, value in enumerate(state):
                group[str(i)] = value
    return buffer.getvalue()


class WeightsFile:
    """An HDF5 weights file, read dataset by dataset after checking each."""

    def __init__(self, source: Any) -> None:
        h5py = self.h5py = h5py_module()
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

    def set_layer_weights(self, model: Any, check_names: bool = True) -> None:
        """Set every layer's weights from its group (found by order, as Keras does).

        With ``check_names`` each group's ``name`` attribute must be its layer's
        (the model was built from this file); ``load_weights`` skips the check, as a
        twin built in code has names of its own.
        """
        paths = layer_paths(model)
        stored = self.group("layers")
        known = {path.split("/")[1] for path, _ in paths}
        for name in sorted(stored.keys()) if stored is not None else []:
            if name not in known:
                raise ValueError(
                    f"the file holds weights for layers/{name}, which this model lacks"
                )
        for path, layer in paths:
            group = self.group(f"{path}/vars")
            name = group.attrs.get("name") if group is not None else None
            if isinstance(name, bytes):
                name = name.decode("utf-8", "replace")
            if check_names and name is not None and name != layer.name:
                raise ValueError(
                    f"{path} holds the weights of layer {name!r}, where this model "
                    f"has {layer.name!r}"
                )
            variables = keras_variables(layer)
            shapes = [v.shape for v in variables]
            arrays = self.arrays(path, shapes, [v.kinds for v in variables])
            found = {v.weight: a for v, a in zip(variables, arrays, strict=True)}
            if variables:  # else the weights came with the config
                layer.set_weights([found[i] for i in range(len(layer.weights))])

    def optimizer_state(self, model: Any) -> None:
        optimizer, pieces = model.optimizer, segments(model)
        group = self.group("optimizer/vars")
        count = len(group.keys()) if group is not None else 0
        if count == 0:
            return
        full, head = keras_compile.state_shapes(optimizer, pieces)
        shapes = full if count == len(full) else full[:head]  # built, or not yet
        if count != len(shapes):
            raise ValueError(
                f"optimizer/vars holds {count} arrays; {type(optimizer).__name__} over "
                f"this model keeps {head} (not built yet) or {len(full)}"
            )
        state = self.arrays("optimizer", shapes, ["iu", *["f"] * (len(shapes) - 1)])
        keras_compile.state_from_keras(optimizer, state, pieces, model.parameters)


def size_limit(model: Any) -> int:
    """The most bytes a weights file for ``model`` can plausibly take."""
    scalars = sum(w.size for w in model.weights)
    datasets = sum(len(layer.weight_order) for layer in model.layers)
    # Weights in float64 at worst, and up to three optimizer slots per weight.
    return 8 * 4 * scalars + _OVERHEAD * (1 + 4 * datasets)
