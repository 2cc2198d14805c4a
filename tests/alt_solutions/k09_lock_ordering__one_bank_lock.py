"""Alternative solution: one lock for the whole bank, shared by every account.

With a single lock there is no order to get wrong: a transfer takes it once. Simpler,
but every transfer in the bank now waits for every other one, even between unrelated
accounts.
"""

import threading

_BANK_LOCK = threading.Lock()


class Account:
    def __init__(self, name: str, balance: int) -> None:
        self.name = name
        self.balance = balance
        self.lock = _BANK_LOCK  # guards self.balance, and every other account's too

    def __repr__(self) -> str:
        return f"Account({self.name!r})"


def transfer(src: Account, dst: Account, amount: int) -> None:
    """Move `amount` from `src` to `dst`, atomically."""
    with _BANK_LOCK:
        src.balance -= amount
        dst.balance += amount
