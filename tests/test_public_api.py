"""The public names are pinned, and the dependency levels of DESIGN.md hold."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import axon

SRC = Path(axon.__file__).resolve().parent


def test_public_names_are_pinned() -> None:
    assert sorted(axon.__all__) == sorted(
        [
            "Input",
            "Model",
            "NeuralNetwork",
            "Sequential",
            "__version__",
            "activations",
            "callbacks",
            "config",
            "initializers",
            "layers",
            "load_model",
            "losses",
            "metrics",
            "models",
            "optimizers",
            "regularizers",
            "utils",
        ]
    )
    for name in axon.__all__:
        assert hasattr(axon, name)


def test_keras_names_used_by_the_tutorial_exist() -> None:
    for path in [
        "Sequential",
        "layers.Dense",
        "layers.BatchNormalization",
        "layers.Dropout",
        "layers.Input",
        "layers.Activation",
        "optimizers.Adam",
        "optimizers.SGD",
        "callbacks.EarlyStopping",
        "callbacks.History",
        "callbacks.Callback",
        "utils.to_categorical",
        "utils.set_random_seed",
        "utils.PyDataset",
        "utils.Sequence",
        "config.set_floatx",
        "models.load_model",
    ]:
        obj: object = axon
        for part in path.split("."):
            obj = getattr(obj, part)


ACTIVATION_NAMES = [
    "elu",
    "exponential",
    "gelu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]


def test_keras_activations_and_activation_layers_exist() -> None:
    """Keras 3's activation names, as functions and registered names, and layers."""
    for name in ACTIVATION_NAMES:
        assert callable(getattr(axon.activations, name)), name
        assert name in axon.activations.ACTIVATIONS, name
    for name in ("Activation", "ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"):
        assert name in axon.layers.__all__ and hasattr(axon.layers, name), name


def test_import_axon_loads_no_heavy_optional_dependency() -> None:
    heavy = "('matplotlib', 'sklearn', 'dask', 'rich', 'pandas', 'h5py', 'onnx')"
    code = f"import sys, axon; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


LEVELS = {
    "config": 0,
    "registry": 0,
    "activations": 1,
    "initializers": 1,
    "losses": 1,
    "metrics": 1,
    "regularizers": 1,
    "layers": 2,
    "optimizers": 2,
    "callbacks": 2,
    "models": 3,
    "testing": 3,
    "utils": 3,
    "scratch": 4,
    "plot": 4,
    "diagnostics": 4,
    "sklearn": 4,
    "sweep": 4,
    "cli": 4,
    "report": 4,
    "tabular": 4,
    "export": 4,
    "__init__": 5,
    "__main__": 5,
}


def _module_level(path: Path) -> tuple[str, int]:
    top = path.relative_to(SRC).parts[0].removesuffix(".py")
    return top, LEVELS[top]


@pytest.mark.parametrize(
    "path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC))
)
def test_dependencies_flow_one_way(path: Path) -> None:
    """At import time a module uses only its own level (same package) or those below.

    A function may import a higher level on use (``History.plot`` draws with
    ``axon.plot``); matplotlib, scikit-learn and Dask stay out of levels 0-3 entirely.
    """
    top, level = _module_level(path)
    tree = ast.parse(path.read_text())
    module_level = [
        n
        for stmt in tree.body
        if not isinstance(stmt, (ast.FunctionDef, ast.ClassDef))
        for n in ast.walk(stmt)
    ]
    for node in module_level:
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("axon")
        ):
            parts = node.module.split(".")
            targets = [parts[1]] if len(parts) > 1 else [a.name for a in node.names]
            for target in targets:
                if target == top:
                    continue  # within its own package
                assert LEVELS[target] < level or (LEVELS[target] == level == 0), (
                    f"{path.relative_to(SRC)} (level {level}) imports axon.{target} "
                    f"(level {LEVELS[target]})"
                )
    for node in ast.walk(tree):
        if level < 4 and isinstance(node, (ast.Import, ast.ImportFrom)):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for name in names:
                assert name.split(".")[0] not in ("matplotlib", "sklearn", "dask"), path


def test_sweep_names_are_pinned() -> None:
    from axon import sweep

    assert sorted(sweep.__all__) == sorted(
        [
            "TABLE",
            "Dataset",
            "Network",
            "PointSummary",
            "Range",
            "SchedulerUnreachable",
            "Settings",
            "Trial",
            "Trials",
            "check_values",
            "connect",
            "grid",
            "local_cluster",
            "parse",
            "plot",
            "run",
            "run_trial",
            "sample",
            "summarise",
        ]
    )
    for name in sweep.__all__:
        assert hasattr(sweep, name)
