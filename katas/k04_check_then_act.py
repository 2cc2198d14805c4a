"""A bank account that pays out money it does not have.

Deposits take the account's lock. Withdrawals only check the balance before taking the
money out, and the author thought checking was just a read, so it needed no lock. Two
withdrawals at the same moment can both pass the check and overdraw the account. Make the
balance never go below zero, with every successful withdrawal really paid out.

Lesson: docs/lessons/2-races.md, "Check, then act".
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
            self._balance -= amount
            return True
        return False

    @property
    def balance(self) -> int:
        with self._lock:
            return self._balance
