"""Wrong fix: one lock per method, so add and remove still run at the same time.

Each lock is shared now, but `add` and `remove` guard the same stock with different
locks: an add and a remove overlap and one of the updates is lost.
"""

import threading


class Inventory:
    """Stock per item, shared by the order threads."""

    def __init__(self) -> None:
        self._stock: dict[str, int] = {}
        self._add_lock = threading.Lock()
        self._remove_lock = threading.Lock()
        self._count_lock = threading.Lock()

    def add(self, item: str, qty: int) -> None:
        with self._add_lock:
            current = self._stock.get(item, 0)
            self._stock[item] = current + qty

    def remove(self, item: str, qty: int) -> bool:
        """Take `qty` of `item` out of stock; False (and no change) if there is not enough."""
        with self._remove_lock:
            current = self._stock.get(item, 0)
            if current < qty:
                return False
            self._stock[item] = current - qty
            return True

    def count(self, item: str) -> int:
        with self._count_lock:
            return self._stock.get(item, 0)
