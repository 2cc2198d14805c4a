"""Wrong fix: lock the check and lock the subtraction, but separately.

Each step is locked, yet the lock is released between them: the gap between deciding and
acting is exactly where another withdrawal gets in.
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
            if self._balance < amount:
                return False
        with self._lock:
            self._balance -= amount
        return True

    @property
    def balance(self) -> int:
        with self._lock:
            return self._balance
