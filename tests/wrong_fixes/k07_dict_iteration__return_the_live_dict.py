"""Wrong fix: return the dict itself, under the lock.

The lock is released as soon as snapshot returns, and the caller holds the live dict:
it keeps changing, and iterating it later is the same crash, only elsewhere.
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
        with self._lock:
            return self._items
