"""Threads share only immutable data: a tuple of prices and a frozenset of names."""

from corpus import SAFE, run_threads

VERDICT = SAFE
PRICES = (2, 3)
NAMES = frozenset({"tea", "cake"})


def scenario() -> None:
    totals: list[int] = []

    def total() -> None:
        result = 0
        for price in PRICES:
            result += price
        if "tea" in NAMES:
            result += sum(PRICES)
        totals.append(result)

    run_threads(total, total)
    assert totals == [10, 10], totals
