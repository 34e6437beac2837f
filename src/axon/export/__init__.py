"""ONNX export: an axon model as a graph that any ONNX runtime can serve.

``export(model, "model.onnx")`` writes the file (atomically); ``to_onnx(model)``
returns the ``onnx.ModelProto``. The graph computes what ``model.predict`` computes,
in inference mode and in float32 (weights of a float64 model are rounded):

- A ``Sequential`` or functional ``Model`` trained on arrays takes one float32
  matrix ``x`` of shape ``(N, features...)``, ``N`` left dynamic, and returns ``y``.
  A functional model with several inputs takes them under their ``Input`` names
  (the keys when its inputs are a dict); several outputs are named after the
  layers that make them (the keys when its outputs are a dict).
- A model trained on a table (:class:`axon.tabular.TabularModel`) takes the raw
  columns and includes its preprocessing; see :mod:`axon.export.table`.

The layers and activations that translate, and how, are listed in
:mod:`axon.export.network`; any other is a ValueError naming it. The graph uses the
default ONNX domain only, opset 19 (onnxruntime 1.15 and later), and passes
``onnx.checker.check_model``. Only ``onnx`` is needed (``pip install
'axon[onnx]'``); ``onnxruntime`` runs the result.

Examples
--------
>>> import numpy as np, axon, axon.export
>>> model = axon.Sequential([axon.Input((3,)), axon.layers.Dense(2, "softmax")])
>>> proto = axon.export.to_onnx(model)
>>> [i.name for i in proto.graph.input], [o.name for o in proto.graph.output]
(['x'], ['y'])
"""

from __future__ import annotations

import json
import os
from typing import Any

from axon.export import network
from axon.export.builder import OPSET, Builder, onnx_module
from axon.models.saving import atomic_write

__all__ = ["OPSET", "export", "to_onnx"]


def _names(model: Any) -> tuple[list[str], list[str]]:
    """The graph's input and output names (see the module docstring)."""
    if not network.is_graph(model):
        return ["x"], ["y"]
    inputs, outputs = model.inputs, model.outputs
    input_names = ["x"] if len(inputs) == 1 else list(model._input_names)
    if len(outputs) == 1:
        return input_names, ["y"]
    struct = model._outputs_struct
    if isinstance(struct, dict):
        return input_names, [str(k) for k in struct]
    names = [t.node.layer.name for t in outputs]
    return input_names, [
        name if names.count(name) == 1 else f"{name}_{i}"
        for i, name in enumerate(names)
    ]


def _shapes(model: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Input and output shapes, the batch axis as ``"N"``."""
    if network.is_graph(model):
        ins = [("N", *t.shape[1:]) for t in model.inputs]
        outs = [("N", *t.shape[1:]) for t in model.outputs]
        return ins, outs
    return [("N", *model.input_shape)], [("N", *model.output_shape)]


def network_proto(model: Any) -> Any:
    """The ONNX model of a network trained on arrays (matrix inputs)."""
    network.check_model(model)
    onnx = onnx_module()
    input_names, output_names = _names(model)
    input_shapes, output_shapes = _shapes(model)
    g = Builder(input_names + output_names)
    results = network.outputs(g, model, input_names)
    for result, name in zip(results, output_names, strict=True):
        g.op("Identity", result, out=name)
    floats = onnx.TensorProto.FLOAT
    return g.model(
        [
            g.value_info(n, floats, s)
            for n, s in zip(input_names, input_shapes, strict=True)
        ],
        [
            g.value_info(n, floats, s)
            for n, s in zip(output_names, output_shapes, strict=True)
        ],
        name=model.name,
        doc=f"axon model {model.name!r}: inputs {input_names}, outputs {output_names}",
        metadata=_metadata(model),
    )


def _metadata(model: Any) -> dict[str, str]:
    """``model.metadata`` (class names...) as the file's metadata, JSON text."""
    metadata = getattr(model, "metadata", None) or {}
    return {"axon.metadata": json.dumps(metadata)} if metadata else {}


def to_onnx(model: Any) -> Any:
    """The ``onnx.ModelProto`` of ``model`` (a network, or a TabularModel)."""
    if all(hasattr(model, a) for a in ("network", "preprocessing", "metadata")):
        from axon.export.table import table_proto

        return table_proto(model)
    return network_proto(model)


def export(model: Any, path: str | os.PathLike[str]) -> Any:
    """Write ``model`` to ``path`` as an ONNX file, atomically.

    Parameters
    ----------
    model : Sequential, Model or TabularModel
        A built network (one matrix input) or a model trained on a table (one input
        per raw column, the preprocessing in the graph).
    path : str or path-like
        Where to write it (``.onnx`` by convention). A temporary file is renamed
        into place, so a failed export leaves nothing behind.

    Returns
    -------
    onnx.ModelProto
        The graph written.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"Expected a file path (str or os.PathLike). Received: path={path!r}"
        )
    proto = to_onnx(model)
    data = proto.SerializeToString()
    atomic_write(path, lambda handle: handle.write(data))
    return proto
