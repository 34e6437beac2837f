"""A functional model's architecture as Keras 3 writes it, and the graph rebuilt from it.

The config lists each layer with ``inbound_nodes``: one entry per call, whose ``args``
name the tensors it took by ``keras_history = [layer name, node index, 0]`` (the node
index counts that layer's calls within this model). ``input_layers`` and
``output_layers`` give the ends in the structure the model was built with (one tensor,
a list or a dict). Rebuilding replays the calls, each as soon as the tensors it takes
exist, so the rebuilt graph is the same whatever order the layers are listed in.
"""

from __future__ import annotations

from typing import Any

from axon.layers.base import LAYERS, KerasTensor, Layer
from axon.layers.input_layer import InputLayer


def graph_config(model: Any) -> dict[str, Any]:
    """``layers``, ``input_layers`` and ``output_layers`` of a functional model."""
    history = model.graph.history

    def tensor_config(tensor: KerasTensor) -> dict[str, Any]:
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(tensor.shape),
                "dtype": tensor.dtype,
                "keras_history": history(tensor),
            },
        }

    layers = []
    for layer in model.layers:
        calls = []
        for node in model.graph.layer_nodes[id(layer)]:
            if not node.inputs:  # an Input's own node
                continue
            args = [tensor_config(t) for t in node.inputs]
            call: dict[str, Any] = {
                "args": [args if node.many else args[0]],
                "kwargs": {},
            }
            if node.training is not None:
                call["kwargs"]["training"] = node.training
            calls.append(call)
        layers.append(
            {
                "class_name": type(layer).__name__,
                "config": layer.get_config(),
                "name": layer.name,
                "inbound_nodes": calls,
            }
        )

    def ends(structure: Any) -> Any:
        if isinstance(structure, dict):
            return {key: history(t) for key, t in structure.items()}
        if isinstance(structure, (list, tuple)):
            return [history(t) for t in structure]
        return history(structure)

    return {
        "layers": layers,
        "input_layers": ends(model._inputs_struct),
        "output_layers": ends(model._outputs_struct),
    }


def rebuild_graph(config: dict[str, Any]) -> tuple[Any, Any]:
    """Build the layers of ``config`` and replay their calls; return (inputs, outputs).

    A config that does not describe a graph is a ValueError saying what is wrong.
    """
    made: dict[str, Layer] = {}
    pending: list[tuple[Layer, dict[str, Any]]] = []
    for entry in config["layers"]:
        layer = LAYERS.lookup(entry["class_name"]).from_config(entry["config"])
        if layer.name in made:
            raise ValueError(
                f"Expected unique layer names. Received: two {layer.name!r}"
            )
        made[layer.name] = layer
        pending.extend((layer, call) for call in entry.get("inbound_nodes", []))
    tensors: dict[tuple[str, int], KerasTensor] = {
        (name, 0): layer.output
        for name, layer in made.items()
        if isinstance(layer, InputLayer)
    }
    calls_made = {name: 0 for name in made}

    def tensor(value: Any) -> KerasTensor:
        name, node_index = value["config"]["keras_history"][:2]
        return tensors[(name, node_index)]

    while pending:
        progress = False
        for item in list(pending):
            layer, call = item
            if any(p[0] is layer for p in pending[: pending.index(item)]):
                continue  # a layer's calls are replayed in their order
            try:
                arg = call["args"][0]
                inputs = (
                    [tensor(v) for v in arg] if isinstance(arg, list) else tensor(arg)
                )
            except KeyError:
                continue  # a tensor it takes is not made yet
            except (IndexError, TypeError):
                raise ValueError(
                    f"Expected each call of {layer.name!r} as {{'args': [tensor or list "
                    f"of tensors], 'kwargs': {{}}}}. Received: {call!r}"
                ) from None
            output = layer(inputs, training=call.get("kwargs", {}).get("training"))
            tensors[(layer.name, calls_made[layer.name])] = output
            calls_made[layer.name] += 1
            pending.remove(item)
            progress = True
        if not progress:
            names = sorted({layer.name for layer, _ in pending})
            raise ValueError(
                f"The config's calls of {names} take tensors that no layer in it makes"
            )

    def ends(structure: Any) -> Any:
        if isinstance(structure, dict):
            return {key: ends(value) for key, value in structure.items()}
        if structure and isinstance(structure[0], str):
            return tensors[(structure[0], structure[1])]
        return [ends(value) for value in structure]

    try:
        return ends(config["input_layers"]), ends(config["output_layers"])
    except KeyError as error:
        raise ValueError(
            f"The config's inputs or outputs name no tensor: {error}"
        ) from None
