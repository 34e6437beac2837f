"""The functional graph: a model's layer calls, run in order and then in reverse.

``Graph(inputs, outputs)`` walks back from the outputs through the calls recorded when
layers were called on symbolic tensors (:class:`~axon.layers.base.Node`), checks that
every output comes from the inputs and that every input reaches an output, and orders
the calls so that each comes after the calls that feed it (micrograd's topological
order, built once). Each tensor gets a slot in a list of values.

- ``forward`` runs the calls in that order, each reading its input slots and writing
  its output slot.
- ``backward`` runs them in reverse. A call sends a gradient to each of its inputs;
  where a tensor feeds several calls its gradient is the sum of what they send: the
  first contribution is kept as it is, the rest are added into a buffer the graph
  owns, so no layer's buffer is ever written by another. Parameter gradients land in
  the layers' ``grads`` (views into the model's flat gradient vector).

A layer called more than once (a *shared* layer) keeps what ``forward`` caches for
``backward`` on itself, where its next call would overwrite it. So each of its calls
gets its own work buffers (the graph swaps ``layer._buffers``, so outputs never need
copying), a shallow copy of the layer's attributes is kept after the call's
``forward`` and put back before its ``backward``, and as the layer writes its
gradients with ``out=``, the graph saves them before each later call's ``backward``
and adds them back after it. A layer called once pays nothing for any of this.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from axon.config import Array
from axon.layers.base import KerasTensor, Layer, Node


class SharedLayer:
    """What the graph keeps for a layer it calls more than once."""

    def __init__(self) -> None:
        self.saved: dict[str, Array] = {}  # its gradients, while another call runs
        self.pass_id = -1  # the last backward pass in which one of its calls ran


class Call:
    """One step of the plan: a layer call, the slots it reads and the slot it writes."""

    __slots__ = (
        "buffers",
        "from_logits",
        "layer",
        "many",
        "needs_input",
        "node",
        "runs_backward",
        "shared",
        "snapshot",
        "source",
        "sources",
        "target",
        "training",
    )

    def __init__(self, node: Node, sources: list[int], target: int) -> None:
        self.node, self.layer = node, node.layer
        self.sources, self.source, self.target = sources, sources[0], target
        self.many, self.training = node.many, node.training
        self.needs_input = self.runs_backward = True
        self.from_logits = False
        self.shared: SharedLayer | None = None
        self.buffers: dict[Any, Array] = {}
        self.snapshot: dict[str, Any] = {}


def check_tensors(tensors: list[Any], argument: str, given: Any) -> None:
    """Raise a TypeError unless every entry is a symbolic tensor."""
    for tensor in tensors:
        if not isinstance(tensor, KerasTensor):
            raise TypeError(
                f"Expected symbolic tensors (axon.Input and layer calls) in {argument}. "
                f"Received: {argument}={given!r}, holding {tensor!r} of type "
                f"{type(tensor).__name__}"
            )
    if not tensors:
        raise ValueError(f"Expected at least one tensor in {argument}. Received: none")


def order_nodes(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> list[Node]:
    """Every call between ``inputs`` and ``outputs``, each after those that feed it."""
    names = [t.node.layer.name for t in inputs]
    for tensor in inputs:
        if tensor.node.inputs:
            raise ValueError(
                "Expected the tensors of axon.Input in inputs. Received: the output of "
                f"layer {tensor.node.layer.name!r}"
            )
    if len({id(t) for t in inputs}) != len(inputs):
        raise ValueError(f"Expected each Input once in inputs. Received: {names}")
    input_ids = {id(t) for t in inputs}
    order: list[Node] = []
    done: set[int] = set()
    for output in outputs:  # depth first, iteratively: a chain may be long
        stack: list[tuple[KerasTensor, bool, Node | None]] = [(output, False, None)]
        while stack:
            tensor, expanded, consumer = stack.pop()
            node = tensor.node
            if id(node) in done:
                continue
            if expanded or id(tensor) in input_ids:
                done.add(id(node))
                order.append(node)
                continue
            if not node.inputs:  # an Input that is not one of the model's
                through = (
                    f" (through layer {consumer.layer.name!r})" if consumer else ""
                )
                raise ValueError(
                    f"The output of layer {output.node.layer.name!r} does not come from "
                    f"the model's inputs {names}: it depends on Input "
                    f"{node.layer.name!r}{through}. Expected outputs computed from the "
                    "inputs only: add that Input to inputs"
                )
            stack.append((tensor, True, consumer))
            stack.extend((t, False, node) for t in reversed(node.inputs))
    unused = [t.node.layer.name for t in inputs if id(t.node) not in done]
    if unused:
        raise ValueError(
            f"Input {unused[0]!r} does not reach the outputs. Expected every input to "
            "feed an output: connect it or leave it out of inputs (Keras accepts it "
            "silently; axon refuses, as fit would ignore that data without a word)"
        )
    return order


def layers_in_order(nodes: list[Node]) -> list[Layer]:
    """Keras's ``model.layers`` order: farthest from the outputs first, then by call."""
    depth: dict[int, int] = {}
    for node in reversed(nodes):  # every consumer comes before its producers here
        below = depth.setdefault(id(node), 0) + 1
        for tensor in node.inputs:
            producer = id(tensor.node)
            depth[producer] = max(depth.get(producer, 0), below)
    rank: dict[int, tuple[int, int]] = {}
    layers: dict[int, Layer] = {}
    for index, node in enumerate(nodes):
        key = id(node.layer)
        first = rank.get(key, (0, index))
        rank[key] = (min(first[0], -depth[id(node)]), first[1])
        layers.setdefault(key, node.layer)
    return sorted(layers.values(), key=lambda layer: rank[id(layer)])


class Graph:
    """The executable form of a functional model (see the module docstring)."""

    def __init__(self, inputs: list[KerasTensor], outputs: list[KerasTensor]) -> None:
        self.inputs, self.outputs = inputs, outputs
        self.nodes = order_nodes(inputs, outputs)
        self.layers = layers_in_order(self.nodes)
        # Each layer's calls in this graph, in the order they were made (a layer may
        # have calls in other graphs too): Keras numbers them in configs and summaries.
        in_graph = {id(node) for node in self.nodes}
        self.layer_nodes = {
            id(layer): [n for n in layer._inbound_nodes if id(n) in in_graph]
            for layer in self.layers
        }
        self.node_index = {
            id(node): i
            for calls in self.layer_nodes.values()
            for i, node in enumerate(calls)
        }
        slots = {id(t): i for i, t in enumerate(inputs)}
        self.calls: list[Call] = []
        for node in self.nodes:
            if node.inputs:
                target = slots[id(node.output)] = len(slots)
                sources = [slots[id(t)] for t in node.inputs]
                self.calls.append(Call(node, sources, target))
        self.size = len(slots)
        self.output_slots = [slots[id(t)] for t in outputs]
        self.consumers = Counter(s for call in self.calls for s in call.sources)
        self.consumers.update(self.output_slots)
        uses = Counter(id(call.layer) for call in self.calls)
        shared: dict[int, SharedLayer] = {}
        for call in self.calls:
            if uses[id(call.layer)] > 1:
                call.shared = shared.setdefault(id(call.layer), SharedLayer())
        self.reversed_calls = self.calls[::-1]
        producer = {call.target: call for call in self.calls}
        self.output_calls = [producer.get(slot) for slot in self.output_slots]
        self.values: list[Any] = [None] * self.size
        self._sums: dict[int, Array] = {}
        self._pass = 0

    def history(self, tensor: KerasTensor) -> list[Any]:
        """Keras's ``keras_history`` of a tensor: its layer's name, the call, 0."""
        return [tensor.node.layer.name, self.node_index[id(tensor.node)], 0]

    def fusable(self, index: int) -> Call | None:
        """The call making output ``index`` if its backward may start at its logits.

        Only when nothing else reads that output and its layer is called once: the
        fused gradient ``(p - y) / n`` stands for the whole gradient at the logits.
        """
        call = self.output_calls[index]
        if call is None or call.shared or self.consumers[call.target] != 1:
            return None
        return call

    def prepare_gradients(self, trained: set[int]) -> None:
        """Decide which calls need their input gradient, given the trained layers' ids.

        A tensor needs a gradient when a trained layer made it or lies upstream of it;
        a call whose output needs none skips its backward altogether (a frozen base).
        """
        needs = [False] * self.size
        for call in self.calls:
            call.needs_input = any(needs[s] for s in call.sources)
            needs[call.target] = call.needs_input or id(call.layer) in trained
            call.runs_backward = needs[call.target]
            if call.shared is None:
                call.layer.needs_input_gradient = call.needs_input

    # -- passes ---------------------------------------------------------------------
    def forward(self, inputs: list[Array], training: bool) -> list[Array]:
        """Run every call; return the outputs (they may live in layers' buffers)."""
        values = self.values
        values[: len(inputs)] = inputs
        for call in self.calls:
            x: Any = (
                [values[s] for s in call.sources] if call.many else values[call.source]
            )
            mode = training if call.training is None else call.training
            layer = call.layer
            if call.shared is None:
                values[call.target] = layer.forward(x, training=mode)
            else:
                layer._buffers = call.buffers
                layer.needs_input_gradient = call.needs_input
                values[call.target] = layer.forward(x, training=mode)
                call.snapshot = dict(layer.__dict__)
        if len(self.output_slots) == 1:  # no comprehension: a call less per step
            return [values[self.output_slots[0]]]
        return [values[slot] for slot in self.output_slots]

    def backward(self, output_grads: list[Array], at_logits: Sequence[bool]) -> None:
        """Run the chain rule from the outputs' gradients back to the inputs.

        ``at_logits[k]``: output ``k``'s gradient is at its layer's pre-activation (the
        fused softmax/sigmoid + cross-entropy path; only for :meth:`fusable` outputs).
        """
        grads: list[Any] = [None] * self.size
        self._pass += 1
        for k, (slot, grad) in enumerate(
            zip(self.output_slots, output_grads, strict=True)
        ):
            call = self.output_calls[k]
            if call is not None:
                call.from_logits = bool(at_logits[k])
            if grads[slot] is None:
                grads[slot] = grad
            else:  # one tensor given twice as an output
                self._accumulate(grads, slot, grad)
        for call in self.reversed_calls:
            grad = grads[call.target]
            if grad is None or not call.runs_backward:
                continue
            layer = call.layer
            if call.shared is not None:
                result = self._shared_backward(call, grad)
            elif call.from_logits:
                result = layer.backward_from_logits(grad)  # type: ignore[attr-defined]
            else:
                result = layer.backward(grad)
            if result is None or not call.needs_input:
                continue
            if call.many:
                for slot, part in zip(call.sources, result, strict=True):
                    self._accumulate(grads, slot, part)
            elif grads[call.source] is None:  # the common case, inline
                grads[call.source] = result
            else:
                self._accumulate(grads, call.source, result)

    def _accumulate(self, grads: list[Any], slot: int, grad: Array) -> None:
        current = grads[slot]
        if current is None:
            grads[slot] = grad
            return
        total = self._sums.get(slot)
        if total is None or total.shape != grad.shape or total.dtype != grad.dtype:
            total = self._sums[slot] = np.empty_like(grad)
        if current is total:
            total += grad
        else:
            grads[slot] = np.add(current, grad, out=total)

    def _shared_backward(self, call: Call, grad: Array) -> Any:
        layer, shared = call.layer, call.shared
        assert shared is not None and not call.from_logits
        layer.__dict__.update(call.snapshot)  # this call's caches and buffers
        if shared.pass_id != self._pass:  # the first of its calls in this pass
            shared.pass_id = self._pass
            return layer.backward(grad)
        saved = shared.saved
        for name, value in layer.grads.items():
            if (
                name not in saved
                or saved[name].shape != value.shape
                or saved[name].dtype != value.dtype
            ):
                saved[name] = np.empty_like(value)
            np.copyto(saved[name], value)
        result = layer.backward(grad)
        for name, value in layer.grads.items():
            value += saved[name]
        return result
