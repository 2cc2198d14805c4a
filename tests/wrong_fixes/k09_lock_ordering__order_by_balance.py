"""Wrong fix: an order, but by balance, which changes with every transfer.

Two threads that read the balances at different moments (or see them equal) disagree on
which lock comes first, and the cycle is back.
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
    first, second = sorted((src, dst), key=lambda account: account.balance)
    with first.lock:
        with second.lock:
            src.balance -= amount
            dst.balance += amount
