"""Wrong fix: copy the keys first, then look each one up.

The list of keys is taken in one go, but every lookup after it is a separate step: a key
unregistered in between raises KeyError, and values can mix two states.
"""

from typing import Any


class Registry:
    """Name -> value, shared by every thread of the service."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}

    def register(self, name: str, value: Any) -> None:
        self._items[name] = value

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)

    def snapshot(self) -> dict[str, Any]:
        """A copy of the registry, for the caller to keep."""
        copy = {}
        for name in list(self._items):
            copy[name] = self._items[name]
        return copy
