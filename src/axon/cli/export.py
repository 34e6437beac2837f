"""``axon export MODEL OUT.onnx``: a saved model as an ONNX graph to serve anywhere.

A model that ``axon train DATA --target COLUMN`` saved takes the table's raw
columns, one graph input each, with its preprocessing in the graph; any other
``.axon`` model takes one float matrix ``x``. See :mod:`axon.export`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from axon.cli.runs import UsageError


def add_parser(commands: Any) -> None:
    """Register ``axon export``."""
    export = commands.add_parser(
        "export",
        help="write a saved model as an ONNX graph",
        description="Write a model.axon as an ONNX file that onnxruntime (or any ONNX "
        "runtime) serves. A model trained on a table takes its raw columns, one input "
        "per column named as the column (numbers as float with NaN for a gap; text, "
        "booleans and categories as strings with '' for a gap), and gives "
        "'probabilities' and 'label', or 'prediction' in the target's units; a model "
        "trained on arrays takes one float matrix 'x' and gives 'y'. Needs the onnx "
        "package: pip install 'axon[onnx]'.",
    )
    export.add_argument("model", type=Path, help="a model.axon file")
    export.add_argument("output", type=Path, help="the ONNX file to write (.onnx)")


def run(args: argparse.Namespace) -> int:
    """Run ``axon export``."""
    import axon
    from axon import tabular
    from axon.export import export

    model_path, output = args.model, args.output
    if not model_path.is_file():
        raise UsageError(f"no model file at {model_path}")
    if output.suffix.lower() != ".onnx":
        raise UsageError(f"{output}: expected a file name ending in .onnx")
    if output.resolve() == model_path.resolve():
        raise UsageError(f"{output} is the model file; choose another name")
    network = axon.models.load_model(model_path)
    model: Any = network
    if isinstance(network.metadata.get("table"), dict):
        model = tabular.load(model_path)
    proto = export(model, output)
    inputs = [i.name for i in proto.graph.input]
    shown = ", ".join(inputs[:8]) + (
        f" and {len(inputs) - 8} more" if len(inputs) > 8 else ""
    )
    print(
        f"Wrote {output}: inputs {shown}; outputs "
        f"{', '.join(o.name for o in proto.graph.output)}"
    )
    return 0
