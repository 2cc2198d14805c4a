"""Each worker writes only its own slot; the main thread reads after joining them."""

import threading

from corpus import SAFE

VERDICT = SAFE


def scenario() -> None:
    results = [0, 0]

    def work(index: int) -> None:
        results[index] = (index + 1) * 10

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [10, 20], results
