"""Alternative solution: two Conditions on one lock, "not full" and "not empty".

Producers wait only on `_not_full` and consumers only on `_not_empty`, so `notify()`
always wakes a thread of the right kind; `while` still re-checks after every wake-up.
"""

from __future__ import annotations

import threading
from typing import Any


class BoundedBuffer:
    """A FIFO buffer holding at most `capacity` items; `put` and `get` wait when needed."""

    def __init__(self, capacity: int) -> None:
        self._items: list[Any] = []
        self._capacity = capacity
        self._lock = threading.Lock()
        self._not_full = threading.Condition(self._lock)
        self._not_empty = threading.Condition(self._lock)

    def put(self, item: Any) -> None:
        """Add `item` at the end, waiting while the buffer is full."""
        with self._not_full:
            while len(self._items) >= self._capacity:
                self._not_full.wait()
            self._items.append(item)
            self._not_empty.notify()

    def get(self) -> Any:
        """Remove and return the oldest item, waiting while the buffer is empty."""
        with self._not_empty:
            while not self._items:
                self._not_empty.wait()
            item = self._items.pop(0)
            self._not_full.notify()
            return item

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
