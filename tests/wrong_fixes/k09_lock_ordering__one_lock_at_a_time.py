"""Wrong fix: never hold two locks at once: debit under one lock, then credit under the other.

No cycle is possible any more, but between the two blocks the money has left Alice and
not reached Bob: the transfer is no longer atomic.
"""

import threading


class Account:
    def __init__(self, name: str, balance: int) -> None:
        self.name = name
        self.balance = balance
        self.lock = threading.Lock()  # guards self.balance

    def __repr__(self) -> str:
        return f"Account({self.name!r})"


def transfer(src: Account, dst: Account, amount: int) -> None:
    """Move `amount` from `src` to `dst`, atomically."""
    with src.lock:
        src.balance -= amount
    with dst.lock:
        dst.balance += amount
