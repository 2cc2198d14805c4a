"""Wrong fix: lock only the subtraction, as for the counter's `+=`.

The update itself is now atomic, but the check still runs unlocked: two withdrawals can
both see enough money and then both take it, one after the other.
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
        if self._balance >= amount:
            with self._lock:
                self._balance -= amount
            return True
        return False

    @property
    def balance(self) -> int:
        with self._lock:
            return self._balance
