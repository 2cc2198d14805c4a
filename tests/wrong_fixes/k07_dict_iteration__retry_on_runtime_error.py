"""Wrong fix: catch the RuntimeError and iterate again until it does not happen.

The crash is gone, but an iteration that did not change the dict's size can still mix
values from before and after an update: a state the registry was never in.
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
        while True:
            try:
                copy = {}
                for name, value in self._items.items():
                    copy[name] = value
                return copy
            except RuntimeError:
                continue  # the dict changed under us: try again
