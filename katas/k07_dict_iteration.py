"""The registry that crashes its own monitor.

Services register and unregister themselves from their own threads, while a monitoring
thread takes snapshots of the registry. Now and then the monitor dies with
`RuntimeError: dictionary changed size during iteration`, and sometimes it reports a set
of versions that the registry was never in. Make `snapshot()` safe while other threads
register and unregister: it must return a copy that shows a state the registry really
was in at some moment.

Lesson: docs/lessons/2-races.md, "Iterating shared containers".
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
        for name, value in self._items.items():
            copy[name] = value
        return copy
