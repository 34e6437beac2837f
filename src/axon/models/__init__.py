"""Models: Model (the functional graph), Sequential, the training loop, summary, saving."""

from __future__ import annotations

from typing import Any

from axon.models.functional import Model
from axon.models.sequential import Sequential

__all__ = ["Model", "Sequential", "load_model"]


def load_model(filepath: Any, compile: bool = True) -> Model:
    """Load a model saved by ``model.save`` (see :mod:`axon.models.saving`)."""
    # Imported on use: zipfile, tempfile and json would add ~30 ms to `import axon`.
    from axon.models.saving import load_model as load

    model: Model = load(filepath, compile=compile)
    return model
