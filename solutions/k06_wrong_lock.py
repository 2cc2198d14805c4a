"""Reference solution of k06_wrong_lock: one lock, shared by every method."""

import threading


class Inventory:
    """Stock per item, shared by the order threads."""

    def __init__(self) -> None:
        self._stock: dict[str, int] = {}
        # One lock, made once, shared by every method: a lock only excludes the threads
        # that acquire *that same* lock. A lock made inside the call is private to the
        # call, so nobody else ever waits for it.
        self._lock = threading.Lock()

    def add(self, item: str, qty: int) -> None:
        with self._lock:
            current = self._stock.get(item, 0)
            self._stock[item] = current + qty

    def remove(self, item: str, qty: int) -> bool:
        """Take `qty` of `item` out of stock; False (and no change) if there is not enough."""
        with self._lock:
            current = self._stock.get(item, 0)
            if current < qty:
                return False
            self._stock[item] = current - qty
            return True

    def count(self, item: str) -> int:
        with self._lock:
            return self._stock.get(item, 0)
