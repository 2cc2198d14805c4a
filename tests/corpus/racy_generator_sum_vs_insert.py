"""`sum(v for v in items)` against an insert: the generator's own FOR_ITER steps read the
list one element at a time (a plain `sum(items)` is one call, one step)."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    items = [10, 20, 30, 20]
    totals: list[int] = []
    run_threads(lambda: totals.append(sum(v for v in items)),
                lambda: items.insert(0, 99))
    assert totals[0] in (80, 179), f"sum == {totals[0]}"
