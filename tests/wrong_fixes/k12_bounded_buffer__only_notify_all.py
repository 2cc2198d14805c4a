"""Wrong fix: `notify_all()` instead of `notify()`, but still `if` instead of `while`.

Every waiter now wakes up, and more than one goes ahead without re-checking: two
consumers woken for one item both pop it.
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
            if len(self._items) >= self._capacity:
                self._changed.wait()  # wait for a consumer to make room
            self._items.append(item)
            self._changed.notify_all()  # wake the waiting consumers

    def get(self) -> Any:
        """Remove and return the oldest item, waiting while the buffer is empty."""
        with self._changed:
            if not self._items:
                self._changed.wait()  # wait for a producer to add an item
            item = self._items.pop(0)
            self._changed.notify_all()  # wake the waiting producers
            return item

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)
