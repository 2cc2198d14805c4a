"""Wrong fix: wait for the second lock with a timeout, and quietly skip the transfer on expiry.

Nothing hangs any more, but a transfer that timed out simply did not happen, and the
caller was never told.
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
        if not dst.lock.acquire(timeout=0.1):
            return  # busy: someone else is using dst, give up
        try:
            src.balance -= amount
            dst.balance += amount
        finally:
            dst.lock.release()
