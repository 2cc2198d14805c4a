"""Alternative solution: a waiter lets at most n - 1 philosophers reach for forks at once.

With one seat's worth of philosophers kept out, at least one of those at the table can
always get both forks, so the ring of waiting can never close.
"""

import threading


def dine(philosophers: int, meals: int) -> list[int]:
    """Seat `philosophers` at the table, let each eat `meals` meals; return meals eaten by each."""
    forks = [threading.Lock() for _ in range(philosophers)]
    waiter = threading.Semaphore(philosophers - 1)
    eaten = [0] * philosophers

    def philosopher(seat: int) -> None:
        left = forks[seat]
        right = forks[(seat + 1) % philosophers]
        for _ in range(meals):
            with waiter:
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
