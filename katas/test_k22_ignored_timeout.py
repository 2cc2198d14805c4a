"""Ledger.post() records a posting in full or raises TimeoutError; it never loses one."""

from __future__ import annotations

import io
import threading
import time

from k22_ignored_timeout import Ledger


class StalledJournal:
    """A journal on a disk that stalls: every write takes ten minutes.

    (Inside `contention.explore` time is virtual: the ten minutes cost nothing, but every
    timeout shorter than that runs out while a write is in progress.)
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        time.sleep(600)  # the stall: simulated slow I/O, not synchronisation
        self.lines.append(text)
        return len(text)


def run_together(*targets):
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_postings_add_up():
    ledger = Ledger()
    assert ledger.total == 0

    ledger.post(5)
    ledger.post(-2)

    assert ledger.total == 3


def test_every_posting_is_journaled_with_the_new_total():
    journal = io.StringIO()
    ledger = Ledger(journal)

    ledger.post(5)
    ledger.post(-2)

    assert journal.getvalue() == "+5 = 5\n-2 = 3\n"


def test_postings_from_several_threads_all_count(contention):
    def scenario():
        ledger = Ledger(io.StringIO())
        run_together(lambda: ledger.post(5), lambda: ledger.post(7), lambda: ledger.post(-3))
        assert ledger.total == 9

    contention.explore(scenario)


def test_a_stalled_journal_never_loses_a_posting(contention):
    def scenario():
        journal = StalledJournal()
        ledger = Ledger(journal)
        recorded = []

        def pay(amount):
            try:
                ledger.post(amount)
            except TimeoutError:
                return  # refused, and the caller was told: that is allowed
            recorded.append(amount)

        run_together(lambda: pay(5), lambda: pay(7))

        assert recorded, "no posting went through"
        assert ledger.total == sum(recorded), (
            f"post() returned normally for {recorded}, but the total is {ledger.total}")
        assert len(journal.lines) == len(recorded), (
            f"{len(recorded)} posting(s) accepted, {len(journal.lines)} journaled")

    contention.explore(scenario)
