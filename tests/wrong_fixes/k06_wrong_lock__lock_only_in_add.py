"""Wrong fix: a real shared lock, but only `add` takes it.

`remove` still checks and then updates without the lock, so two removals sell the last
item twice, and a removal can overwrite a concurrent add.
"""

import threading


class Inventory:
    """Stock per item, shared by the order threads."""

    def __init__(self) -> None:
        self._stock: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, item: str, qty: int) -> None:
        with self._lock:
            current = self._stock.get(item, 0)
            self._stock[item] = current + qty

    def remove(self, item: str, qty: int) -> bool:
        """Take `qty` of `item` out of stock; False (and no change) if there is not enough."""
        current = self._stock.get(item, 0)
        if current < qty:
            return False
        self._stock[item] = current - qty
        return True

    def count(self, item: str) -> int:
        return self._stock.get(item, 0)
