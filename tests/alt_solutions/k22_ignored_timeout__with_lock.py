"""Alternative solution: no timeout at all, `with self._lock:`.

A posting waits as long as the journal takes and always goes through; the price is the
one the timeout tried to avoid: a journal that never comes back freezes every caller.
"""

from __future__ import annotations

import threading
from typing import TextIO


class Ledger:
    """A running total of postings, each also written to `journal` (any text file)."""

    def __init__(self, journal: TextIO | None = None) -> None:
        self._journal = journal
        self._total = 0
        self._lock = threading.Lock()  # guards _total and the journal

    def post(self, amount: int) -> None:
        """Add `amount` to the total and write it, with the new total, to the journal."""
        with self._lock:
            new_total = self._total + amount
            if self._journal is not None:
                self._journal.write(f"{amount:+d} = {new_total}\n")
            self._total = new_total

    @property
    def total(self) -> int:
        with self._lock:
            return self._total
