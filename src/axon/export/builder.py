"""A small ONNX graph builder: nodes, constants and names, nothing else.

Each translation in :mod:`axon.export.network` and :mod:`axon.export.table` writes
its ONNX nodes through :class:`Builder`, which hands out fresh tensor names and turns
NumPy arrays into initializers (the weights live in the graph as constants).
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Opset 19 is the first where Equal compares strings (the one-hot encoding of text
# columns) and the last change to the operators used here (ReduceMean takes its axes
# as an input since 18); onnxruntime has run it since 1.15. IR version 9 is the one
# that came with opset 19, so older runtimes read the file too.
OPSET = 19
IR_VERSION = 9
INSTALL = "pip install 'axon[onnx]'"


def onnx_module() -> Any:
    """The ``onnx`` package, or an ImportError saying how to install it."""
    try:
        import onnx
    except ImportError as error:
        raise ImportError(
            f"Exporting to ONNX needs the onnx package: {INSTALL} (or pip install onnx)"
        ) from error
    return onnx


class Builder:
    """Collects the nodes and constants of one ONNX graph.

    Parameters
    ----------
    reserved : iterable of str
        Names already taken (the graph's inputs and outputs): fresh names avoid them.
    """

    def __init__(self, reserved: Any = ()) -> None:
        self.onnx = onnx_module()
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.taken = set(reserved)
        self._count = 0
        self._constants: dict[tuple[str, bytes, tuple[int, ...]], str] = {}

    def fresh(self, hint: str) -> str:
        """A tensor name not used yet, made from ``hint``."""
        while True:
            self._count += 1
            name = f"{hint}_{self._count}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def const(self, value: Any, dtype: Any = np.float32, hint: str = "const") -> str:
        """An initializer holding ``value`` (cast to ``dtype``); its name.

        Equal small constants (``0.0``, ``6.0``...) are stored once.
        """
        if np.dtype(dtype).kind == "O":  # strings, as UTF-8 bytes
            array = np.array(
                [str(v).encode() for v in np.ravel(value)], dtype=object
            ).reshape(np.shape(value))
        else:
            array = np.ascontiguousarray(value, dtype=dtype)
        small = array.size <= 64
        key = (
            str(array.dtype),
            repr(array.tolist()).encode() if small else b"",
            array.shape,
        )
        if small and key in self._constants:
            return self._constants[key]
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        if small:
            self._constants[key] = name
        return name

    def ints(self, values: Any, hint: str = "axes") -> str:
        """An int64 initializer (axes, shapes)."""
        return self.const(np.asarray(values, dtype=np.int64), np.int64, hint)

    def op(
        self, op_type: str, *inputs: str, out: str | None = None, **attrs: Any
    ) -> str:
        """Append a node with one output; return the output's name.

        ``out`` names the output (a graph output); otherwise a fresh name is used.
        """
        name = out if out is not None else self.fresh(op_type.lower())
        self.taken.add(name)
        self.nodes.append(
            self.onnx.helper.make_node(op_type, list(inputs), [name], **attrs)
        )
        return name

    def value_info(self, name: str, elem_type: int, shape: Any) -> Any:
        """A graph input or output declaration: ``shape`` may hold ``"N"`` (dynamic)."""
        return self.onnx.helper.make_tensor_value_info(name, elem_type, list(shape))

    def model(
        self,
        inputs: list[Any],
        outputs: list[Any],
        name: str,
        doc: str,
        metadata: dict[str, str],
    ) -> Any:
        """The checked ``onnx.ModelProto`` of the collected graph."""
        onnx = self.onnx
        graph = onnx.helper.make_graph(
            self.nodes, name, inputs, outputs, initializer=self.initializers
        )
        from axon import __version__

        model = onnx.helper.make_model(
            graph,
            opset_imports=[onnx.helper.make_opsetid("", OPSET)],
            ir_version=IR_VERSION,
            producer_name="axon",
            producer_version=__version__,
            doc_string=doc,
        )
        onnx.helper.set_model_props(model, metadata)
        onnx.checker.check_model(model, full_check=True)
        return model
