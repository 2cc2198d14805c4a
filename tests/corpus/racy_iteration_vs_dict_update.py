"""Iterating a dict's items while another thread adds keys with `dict.update`: "dictionary
changed size during iteration" in the reader."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    prices = {"tea": 2, "cake": 3}
    totals: list[int] = []

    def total(table: dict[str, int]) -> None:
        result = 0
        for _, price in table.items():
            result += price
        totals.append(result)

    run_threads(lambda: total(prices), lambda: prices.update({"jam": 4, "bun": 1}))
    assert totals[0] in (5, 10), totals
