"""Wrong fix: a global lock, but only around taking the first account's lock.

Transfers now start one at a time, yet each still holds its src lock while it waits for
its dst lock outside the global lock: the same cycle as before.
"""

import threading

_BANK_LOCK = threading.Lock()


class Account:
    def __init__(self, name: str, balance: int) -> None:
        self.name = name
        self.balance = balance
        self.lock = threading.Lock()  # guards self.balance

    def __repr__(self) -> str:
        return f"Account({self.name!r})"


def transfer(src: Account, dst: Account, amount: int) -> None:
    """Move `amount` from `src` to `dst`, atomically."""
    with _BANK_LOCK:
        src.lock.acquire()
    try:
        with dst.lock:
            src.balance -= amount
            dst.balance += amount
    finally:
        src.lock.release()
