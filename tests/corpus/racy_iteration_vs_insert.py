"""Iteration against an insert (issue 14's first case): a thread sums a shared list with
`for v in items: total += v` while another inserts at the front. The loop body touches
only locals: the iteration step (FOR_ITER) is the read that must be a scheduling point."""

import threading

from corpus import RACY

VERDICT = RACY


def scenario() -> None:
    items = [10, 20, 30, 20]
    totals: list[int] = []

    def reader(values: list[int]) -> None:
        total = 0
        for v in values:
            total += v
        totals.append(total)

    def writer(values: list[int]) -> None:
        values.insert(0, 99)

    threads = [threading.Thread(target=reader, args=(items,)),
               threading.Thread(target=writer, args=(items,))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert totals[0] in (80, 179), f"sum == {totals[0]}"
