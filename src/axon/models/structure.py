"""Data given per input or per output: one value, a list in order, or a dict by name.

Shared by the functional model's inputs and its several outputs' targets.
"""

from __future__ import annotations

from typing import Any


def named_items(
    value: Any, names: list[str], argument: str, kind: str, optional: Any = ()
) -> list[tuple[str, Any]]:
    """``(label, data)`` per name, from a list in their order or a dict keyed by name.

    ``kind`` (``"input"``, ``"output"``) words the errors; names in ``optional`` may
    be missing from a dict.
    """
    if isinstance(value, dict):
        missing = [key for key in names if key not in value and key not in optional]
        if missing:
            raise ValueError(
                f"Missing data for {kind} {missing[0]!r}. Expected {argument} as a dict "
                f"with the keys {names}. Received: {argument} with the keys {list(value)}"
            )
        return [(f"{argument}[{key!r}]", value.get(key)) for key in names]
    if isinstance(value, (list, tuple)) and len(value) == len(names):
        return [(f"{argument}[{i}]", item) for i, item in enumerate(value)]
    received = (
        f"a {type(value).__name__} of {len(value)}"
        if isinstance(value, (list, tuple))
        else type(value).__name__
    )
    raise TypeError(
        f"This model has {len(names)} {kind}s {names}: expected {argument} as a list "
        f"of {len(names)} arrays or a dict with those keys. Received: {received}"
    )


def flatten(structure: Any) -> list[Any]:
    """The tensors (or arrays) of one, a list or a dict of them, in order."""
    if isinstance(structure, dict):
        return list(structure.values())
    if isinstance(structure, (list, tuple)):
        return list(structure)
    return [structure]
