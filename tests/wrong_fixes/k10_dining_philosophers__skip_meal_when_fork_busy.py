"""Wrong fix: try the right fork without waiting, and skip the meal if it is taken.

Nobody waits while holding a fork any more, so nothing hangs, but a philosopher whose
neighbour was eating goes hungry: meals are silently dropped.
"""

import threading


def dine(philosophers: int, meals: int) -> list[int]:
    """Seat `philosophers` at the table, let each eat `meals` meals; return meals eaten by each."""
    forks = [threading.Lock() for _ in range(philosophers)]
    eaten = [0] * philosophers

    def philosopher(seat: int) -> None:
        left = forks[seat]
        right = forks[(seat + 1) % philosophers]
        for _ in range(meals):
            with left:
                if not right.acquire(blocking=False):
                    continue  # right fork busy: put the left one down and move on
                try:
                    eaten[seat] += 1
                finally:
                    right.release()

    threads = [
        threading.Thread(target=philosopher, args=(seat,), name=f"philosopher-{seat}")
        for seat in range(philosophers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return eaten
