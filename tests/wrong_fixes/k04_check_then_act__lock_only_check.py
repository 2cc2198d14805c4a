"""Wrong fix: take the lock for the balance check only, then subtract outside it.

The answer to "is there enough?" is stale as soon as the lock is released: another
withdrawal can pass the same check before this one takes the money.
"""

import threading


class BankAccount:
    def __init__(self, balance: int) -> None:
        self._balance = balance
        self._lock = threading.Lock()

    def deposit(self, amount: int) -> None:
        with self._lock:
            self._balance += amount

    def withdraw(self, amount: int) -> bool:
        with self._lock:
            enough = self._balance >= amount
        if enough:
            self._balance -= amount
            return True
        return False

    @property
    def balance(self) -> int:
        with self._lock:
            return self._balance
