"""Check-then-act split over two critical sections: each is locked, the pair is not."""

import threading

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    stock = {"left": 1}
    sold: list[str] = []
    lock = threading.Lock()

    def buy(who: str) -> None:
        with lock:
            available = stock["left"] > 0
        if available:
            with lock:
                stock["left"] -= 1
                sold.append(who)

    run_threads(lambda: buy("ann"), lambda: buy("bob"))
    assert stock["left"] >= 0, f"sold {sold}, stock {stock['left']}"
