"""Wrong fix: `while` instead of `if`, but still `notify()` on the one shared Condition.

Producers and consumers wait on the same Condition, so `notify()` can wake a thread of
the wrong kind: it re-checks, waits again, and the wake-up is lost (a deadlock).
"""

from __future__ import annotations

import threading
from typing import Any


class BoundedBuffer:
    """A FIFO buffer holding at most `capacity` items; `put` and `get` wait when needed."""

    def __init__(self, capacity: int) -> None:
        self._items: list[Any] = []
        self._capacity = capacity
        self._changed = threading.Condition()

    def put(self, item: Any) -> None:
        """Add `item` at the end, waiting while the buffer is full."""
        with self._changed:
            while len(self._items) >= self._capacity:
                self._changed.wait()  # wait for a consumer to make room
            self._items.append(item)
            self._changed.notify()  # wake a waiting consumer

    def get(self) -> Any:
        """Remove and return the oldest item, waiting while the buffer is empty."""
        with self._changed:
            while not self._items:
                self._changed.wait()  # wait for a producer to add an item
            item = self._items.pop(0)
            self._changed.notify()  # wake a waiting producer
            return item

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)
