"""Name <-> object lookups shared by every ``get(identifier)`` in axon.

A :class:`Registry` maps Keras-style string identifiers (``"relu"``, ``"adam"``) to the
classes or objects that implement them, and turns an unknown name into an error that
lists the known ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Registry(Generic[T]):
    """A named collection of components of one kind (activations, losses, ...).

    Examples
    --------
    >>> colours = Registry("colour")
    >>> colours.register("red", 1)
    1
    >>> colours.lookup("red")
    1
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T, *aliases: str) -> T:
        """Record ``item`` under ``name`` and any ``aliases``; return ``item``."""
        for key in (name, *aliases):
            if key in self._items:
                raise ValueError(f"The {self.kind} name {key!r} is already registered")
            self._items[key] = item
        return item

    def decorator(self, name: str, *aliases: str) -> Callable[[T], T]:
        """Use as ``@REGISTRY.decorator("name")`` on a class."""

        def wrap(item: T) -> T:
            return self.register(name, item, *aliases)

        return wrap

    def lookup(self, name: str) -> T:
        """Return the item called ``name`` or raise a ValueError listing known names."""
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items))
            raise ValueError(
                f"Unknown {self.kind}: {name!r}. Known {self.kind} names: {known}"
            ) from None

    def names(self) -> list[str]:
        """Return every registered name, sorted."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))


def build(
    registry: Registry[type[R]], identifier: object, argument: str, expected: str
) -> R:
    """Make a component from a name or a ``{"name": ..., **arguments}`` config.

    Anything else is a TypeError naming ``argument``, listing the registered names and
    ``expected`` (what else the caller accepts, such as an instance).
    """
    if isinstance(identifier, str):
        return registry.lookup(identifier)()
    if isinstance(identifier, dict) and isinstance(identifier.get("name"), str):
        arguments = {k: v for k, v in identifier.items() if k != "name"}
        try:
            return registry.lookup(identifier["name"])(**arguments)
        except TypeError as error:  # an argument the constructor does not take
            raise ValueError(
                f"Bad arguments for the {registry.kind} {identifier['name']!r}: {error}"
            ) from None
    raise TypeError(
        f"Expected {'an' if registry.kind[0] in 'aeiou' else 'a'} {registry.kind} name "
        f"(one of {', '.join(registry.names())}) or "
        f"{expected}. Received: {argument}={identifier!r} of type {type(identifier).__name__}"
    )


def serialize(name: str, config: dict[str, Any]) -> str | dict[str, Any]:
    """A component as its name alone, or as a config dict when it has arguments."""
    return {"name": name, **config} if config else name
