"""A bank account that pays out money it does not have.

Solution: the check and the withdrawal happen under one hold of the lock.
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
        # The check is only true while nobody else can change the balance: the decision
        # and the action it justifies must sit inside the same critical section.
        with self._lock:
            if self._balance >= amount:
                self._balance -= amount
                return True
            return False

    @property
    def balance(self) -> int:
        with self._lock:
            return self._balance
