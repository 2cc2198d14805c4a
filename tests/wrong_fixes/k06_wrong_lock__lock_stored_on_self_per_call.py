"""Wrong fix: the fresh lock is stored on `self`, but still made on every call.

`self._lock = threading.Lock()` inside each method replaces the lock another thread is
holding, so the second caller acquires a brand-new, free lock and walks right in.
"""

import threading


class Inventory:
    """Stock per item, shared by the order threads."""

    def __init__(self) -> None:
        self._stock: dict[str, int] = {}

    def add(self, item: str, qty: int) -> None:
        self._lock = threading.Lock()
        with self._lock:
            current = self._stock.get(item, 0)
            self._stock[item] = current + qty

    def remove(self, item: str, qty: int) -> bool:
        """Take `qty` of `item` out of stock; False (and no change) if there is not enough."""
        self._lock = threading.Lock()
        with self._lock:
            current = self._stock.get(item, 0)
            if current < qty:
                return False
            self._stock[item] = current - qty
            return True

    def count(self, item: str) -> int:
        self._lock = threading.Lock()
        with self._lock:
            return self._stock.get(item, 0)
