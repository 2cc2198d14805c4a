"""Reference solution of k09_lock_ordering: every transfer takes the locks in one global order."""

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
    # A deadlock needs a cycle: one thread holding A and waiting for B while another
    # holds B and waits for A. If every thread takes the two locks in the same order
    # (here: by account name, which never changes), nobody can hold the "second" lock
    # while waiting for the "first", so no cycle can form. Both locks are still held
    # during the whole move, so the transfer stays atomic.
    first, second = sorted((src, dst), key=lambda account: account.name)
    with first.lock:
        with second.lock:
            src.balance -= amount
            dst.balance += amount
