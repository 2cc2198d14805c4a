"""Reference solution of k07_dict_iteration: readers take the lock too."""

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
        # Iterating is many steps, not one: the copy must be made while holding the same
        # lock the writers hold, so no register or unregister can land in the middle of
        # it. The caller gets a copy, so it can iterate it later without the lock.
        with self._lock:
            return dict(self._items)
