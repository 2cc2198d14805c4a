"""Wrong fix: the last philosopher sleeps a little before reaching for forks.

A sleep only makes the bad timing rarer: it guarantees nothing about what the others
have done meanwhile, and every philosopher still takes the left fork first.
"""

import threading
import time


def dine(philosophers: int, meals: int) -> list[int]:
    """Seat `philosophers` at the table, let each eat `meals` meals; return meals eaten by each."""
    forks = [threading.Lock() for _ in range(philosophers)]
    eaten = [0] * philosophers

    def philosopher(seat: int) -> None:
        left = forks[seat]
        right = forks[(seat + 1) % philosophers]
        for _ in range(meals):
            if seat == philosophers - 1:
                time.sleep(0.01)  # let the others eat first
            with left:
                with right:
                    eaten[seat] += 1

    threads = [
        threading.Thread(target=philosopher, args=(seat,), name=f"philosopher-{seat}")
        for seat in range(philosophers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return eaten
