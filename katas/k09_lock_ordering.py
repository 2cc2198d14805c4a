"""The bank that freezes on a busy afternoon.

Every `Account` has its own lock, and `transfer()` holds both accounts' locks while it
moves the money, so that no one ever sees money that has left one account but not yet
arrived in the other. Then Alice paid Bob while Bob paid Alice, and both payments hung
forever. Make transfers in any directions, at the same time, finish, and keep every
transfer atomic: the sum of all balances never changes.

Lesson: docs/lessons/3-locks-that-bite-back.md, "Lock ordering and deadlock".
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
        with dst.lock:
            src.balance -= amount
            dst.balance += amount
