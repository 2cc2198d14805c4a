"""Alternative solution: a global lock order by object identity instead of by name.

`id()` is unique among live objects and never changes, so two accounts with the same
name still get a fixed order.
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
    first, second = sorted((src, dst), key=id)
    with first.lock:
        with second.lock:
            src.balance -= amount
            dst.balance += amount
