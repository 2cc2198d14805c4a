"""Wrong fix: register and unregister take a lock, the iteration in snapshot does not.

The writers exclude each other, but nothing stops them from changing the dict while
snapshot is half-way through iterating it.
"""

import threading
from typing import Any


class Registry:
    """Name -> value, shared by every thread of the service."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}
        self._lock = threading.Lock()

    def register(self, name: str, value: Any) -> None:
        with self._lock:
            self._items[name] = value

    def unregister(self, name: str) -> None:
        with self._lock:
            self._items.pop(name, None)

    def snapshot(self) -> dict[str, Any]:
        """A copy of the registry, for the caller to keep."""
        copy = {}
        for name, value in self._items.items():
            copy[name] = value
        return copy
