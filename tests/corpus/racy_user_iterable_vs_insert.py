"""Issue 14's iteration against an insert, through a user class whose `__iter__` hands
out an iterator of its shared list (`iter(self.items)`). The class's own code is
traced, but the list iterator it returns is not: each `for` step reads the list, and
another thread inserts at the front meanwhile. The step must count as that read."""

from collections.abc import Iterator

from corpus import RACY, run_threads

VERDICT = RACY


class Prices:
    def __init__(self) -> None:
        self.items = [10, 20, 30, 20]

    def __iter__(self) -> Iterator[int]:
        return iter(self.items)


def scenario() -> None:
    prices = Prices()
    totals: list[int] = []

    def reader() -> None:
        total = 0
        for v in prices:
            total += v
        totals.append(total)

    def writer() -> None:
        prices.items.insert(0, 99)

    run_threads(reader, writer)
    assert totals[0] in (80, 179), f"sum == {totals[0]}"
