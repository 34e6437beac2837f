"""A model trained on a table, raw columns in: its preprocessing as ONNX operators.

The graph rebuilds the network's input from the saved schema
(:mod:`axon.tabular.model`), runs the network, and decodes its output, so a service
in any language feeds it the table's columns as they are:

- **Inputs**: one per column the model uses (dropped columns are not inputs), named
  as the column, of shape ``(N, 1)``. A ``numeric`` column is ``float``, with NaN
  for a missing value (as pandas reads a gap, and as the column's missing tokens,
  ``"?"``..., are read). A ``onehot`` column (text, booleans, categories) is
  ``string``, each value as ``str()`` writes it (``"True"``, ``"3"``), with the
  empty string for a missing value.
- **Numbers**: in float64 as :class:`~axon.tabular.columns.Numeric` computes them,
  ``m = isnan(x) or isinf(x)``, ``x' = (where(m, fill, x) - mean) / std``, then
  float32; ``<column>_missing = m``.
- **Categories**: ``Equal`` of the filled value against the category list (one
  row of strings), cast to float: one 1.0 in the matching category's feature, none
  for a value never seen; ``<column>=<other> = 1 - max(one-hot)`` where the schema
  has that bucket; ``<column>_missing`` as above. Equal on strings is core ONNX
  (opset 19), so every runtime has it; ai.onnx.ml's LabelEncoder and OneHot would
  do the same in two operators and a second domain, which some runtimes lack.
- The features are joined (``Concat``) in the schema's feature order.
- **Outputs**: classification gives ``probabilities`` (N, classes), in the order
  of the target's classes (``1 - p, p`` for a sigmoid unit), and ``label`` (N,),
  the class of the largest probability (the first on a tie, as axon's argmax), as
  the schema stores the classes: ``bool``, ``int64``, ``double`` or ``string``.
  Regression gives ``prediction`` (N, 1) in the target's own units, ``output *
  std + mean`` in float64 as axon computes it.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from axon.export import network
from axon.export.builder import Builder, onnx_module

OUTPUTS = ("probabilities", "label", "prediction")


def _check_schema(table: Any) -> None:
    from axon.tabular.model import FORMAT, VERSION

    if not isinstance(table, dict) or (table.get("format"), table.get("version")) != (
        FORMAT,
        VERSION,
    ):
        got = table.get("version") if isinstance(table, dict) else None
        raise ValueError(
            f"Expected a table schema {FORMAT!r} version {VERSION} in the model's "
            f"metadata. Received: version {got!r}"
        )


def _numeric(g: Builder, column: dict[str, Any], x: str) -> list[str]:
    double = g.onnx.TensorProto.DOUBLE
    values = g.op("Cast", x, to=double)
    gap = g.op("Or", g.op("IsNaN", values), g.op("IsInf", values))
    filled = g.op("Where", gap, g.const(column["fill"], np.float64), values)
    centred = g.op("Sub", filled, g.const(column["mean"], np.float64))
    scaled = g.op("Div", centred, g.const(column["std"], np.float64))
    features = [g.op("Cast", scaled, to=g.onnx.TensorProto.FLOAT)]
    if column["indicator"]:
        features.append(g.op("Cast", gap, to=g.onnx.TensorProto.FLOAT))
    return features


def _onehot(g: Builder, column: dict[str, Any], x: str) -> list[str]:
    floats = g.onnx.TensorProto.FLOAT
    categories = [str(c) for c in column["categories"]]
    missing: str | None = None
    filled = x
    if "" not in categories:  # else '' is a real category (from a DataFrame)
        missing = g.op("Equal", x, g.const("", object))
        filled = g.op("Where", missing, g.const(column["fill"], object), x)
    row = g.const(np.array([categories], dtype=object), object, "categories")
    hot = g.op("Cast", g.op("Equal", filled, row), to=floats)  # (N, categories)
    features = [hot]
    if column["other_column"]:
        seen = g.op("ReduceMax", hot, g.ints([1]), keepdims=1)
        features.append(g.op("Sub", g.const(1.0), seen))
    if column["indicator"] and missing is not None:
        features.append(g.op("Cast", missing, to=floats))
    elif column["indicator"]:  # no string stands for a gap: zeros (N, 1)
        zero = g.onnx.helper.make_tensor("zero", floats, [1], [0.0])
        features.append(g.op("ConstantOfShape", g.op("Shape", x), value=zero))
    return features


def _label_values(classes: list[Any]) -> tuple[Any, Any]:
    """The classes as an array and its ONNX element type (see the module doc)."""
    tensor = onnx_module().TensorProto
    if all(isinstance(c, bool) for c in classes):
        return np.array(classes, dtype=bool), tensor.BOOL
    if all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        return np.array(classes, dtype=np.int64), tensor.INT64
    if all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in classes):
        return np.array(classes, dtype=np.float64), tensor.DOUBLE
    return np.array([str(c) for c in classes], dtype=object), tensor.STRING


def _decode(g: Builder, target: dict[str, Any], y: str) -> list[Any]:
    """The output nodes and their declarations, from the network's output ``y``."""
    tensor = g.onnx.TensorProto
    if target["task"] == "regression":
        value = g.op("Cast", y, to=tensor.DOUBLE)
        scaled = g.op("Mul", value, g.const(target["std"], np.float64))
        g.op("Add", scaled, g.const(target["mean"], np.float64), out="prediction")
        return [g.value_info("prediction", tensor.DOUBLE, ["N", 1])]
    classes = list(target["classes"])
    if target["output"] == "sigmoid":  # one unit: the probability of classes[1]
        p = g.op("Concat", g.op("Sub", g.const(1.0), y), y, axis=1)
    else:
        p = y
    g.op("Identity", p, out="probabilities")
    index = g.op("ArgMax", p, axis=1, keepdims=0)
    values, kind = _label_values(classes)
    g.op("Gather", g.const(values, values.dtype.type, "classes"), index, out="label")
    return [
        g.value_info("probabilities", tensor.FLOAT, ["N", len(classes)]),
        g.value_info("label", kind, ["N"]),
    ]


def table_proto(model: Any) -> Any:
    """The ONNX model of a :class:`~axon.tabular.TabularModel`: raw columns in."""
    metadata = model.metadata
    table = metadata.get("table")
    _check_schema(table)
    net = model.network
    network.check_model(net)
    columns = [c for c in table["columns"] if c["kind"] != "dropped"]
    names = [str(c["name"]) for c in columns]
    clash = sorted(set(names) & set(OUTPUTS))
    if clash:
        raise ValueError(
            f"Cannot export: the column {clash[0]!r} would share its name with an "
            f"output of the graph ({', '.join(OUTPUTS)}). Expected columns named "
            "otherwise: rename it in the table and train again"
        )
    g = Builder([*names, *OUTPUTS])
    tensor = g.onnx.TensorProto
    inputs, features = [], []
    for column, name in zip(columns, names, strict=True):
        numeric = column["kind"] == "numeric"
        kind = tensor.FLOAT if numeric else tensor.STRING
        inputs.append(g.value_info(name, kind, ["N", 1]))
        features += (_numeric if numeric else _onehot)(g, column, name)
    width = len(table["features"])
    if tuple(net.input_shape) != (width,):
        raise ValueError(
            f"Expected a network taking the {width} features of the table schema. "
            f"Received: a network with input shape {tuple(net.input_shape)}"
        )
    x = g.op("Concat", *features, axis=1) if len(features) > 1 else features[0]
    (y,) = network.outputs(g, net, [x])
    outputs = _decode(g, table["target"], y)
    target = table["target"]
    doc = (
        f"axon model predicting {target['name']!r} ({target['task']}) from the raw "
        f"columns {names}: numbers as float (N, 1), NaN when missing; text, "
        "booleans and categories as string (N, 1), '' when missing"
    )
    return g.model(
        inputs, outputs, net.name, doc, {"axon.metadata": json.dumps(metadata)}
    )
