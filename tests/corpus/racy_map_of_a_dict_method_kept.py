"""`map(prices.get, names)` made before the threads start and drained by `list()` while
another thread changes a price: the map calls `prices.get` when it runs, not when it
was made."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    prices = {"tea": 2}
    quote = map(prices.get, ["tea"])
    seen: list[list[int | None]] = []

    def raise_price() -> None:
        prices["tea"] = 3

    def bill() -> None:
        seen.append(list(quote))

    run_threads(raise_price, bill)
    assert seen == [[3]], f"billed at the old price: {seen}"
