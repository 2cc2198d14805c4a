"""A tally read while another thread adds words to it: `Counter.update` (the standard
library's Python, not traced) counts one word at a time as the generator it was given
yields them; a reader in between sees some of the words counted and not the others."""

from collections import Counter

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    tally: Counter[str] = Counter()
    words = ["red", "green", "blue"]
    totals: list[int] = []

    def count_words() -> None:
        tally.update(word for word in words)

    def read_total() -> None:
        totals.append(sum(tally.values()))

    run_threads(count_words, read_total)
    assert totals[0] in (0, 3), f"read a total of {totals[0]}: half of an update"
