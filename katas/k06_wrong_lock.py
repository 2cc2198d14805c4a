"""The stock count that locking did not fix.

The warehouse service lost stock under load, so someone wrapped every method of
`Inventory` in `with threading.Lock():`. The counts still drift and the same last item
still gets sold twice. Make `add`, `remove` and `count` really exclusive, so that no
update is lost and no item is sold twice.

Lesson: docs/lessons/2-races.md, "What a lock guards".
"""

import threading


class Inventory:
    """Stock per item, shared by the order threads."""

    def __init__(self) -> None:
        self._stock: dict[str, int] = {}

    def add(self, item: str, qty: int) -> None:
        with threading.Lock():
            current = self._stock.get(item, 0)
            self._stock[item] = current + qty

    def remove(self, item: str, qty: int) -> bool:
        """Take `qty` of `item` out of stock; False (and no change) if there is not enough."""
        with threading.Lock():
            current = self._stock.get(item, 0)
            if current < qty:
                return False
            self._stock[item] = current - qty
            return True

    def count(self, item: str) -> int:
        with threading.Lock():
            return self._stock.get(item, 0)
