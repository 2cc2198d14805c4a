"""Alternative solution: copy-on-write, so a published dict is never mutated again.

Writers build a new dict under a lock and swap it in with one assignment; a reader
takes the current dict once and copies it at leisure, because nobody changes it any more.
"""

import threading
from typing import Any


class Registry:
    """Name -> value, shared by every thread of the service."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}
        # Only writers need it: two writers must not both copy the same old dict.
        self._write_lock = threading.Lock()

    def register(self, name: str, value: Any) -> None:
        with self._write_lock:
            items = dict(self._items)
            items[name] = value
            self._items = items

    def unregister(self, name: str) -> None:
        with self._write_lock:
            items = dict(self._items)
            items.pop(name, None)
            self._items = items

    def snapshot(self) -> dict[str, Any]:
        """A copy of the registry, for the caller to keep."""
        items = self._items  # one read of the reference: this dict is frozen from now on
        return {name: value for name, value in items.items()}
