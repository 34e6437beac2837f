"""Models: the Sequential stack, its training loop, summary and saving."""

from axon.models.saving import load_model
from axon.models.sequential import Sequential

__all__ = ["Sequential", "load_model"]
