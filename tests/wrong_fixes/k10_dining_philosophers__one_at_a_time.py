"""Wrong fix: no threads, the philosophers eat one after the other.

Nobody can deadlock at an empty table, but this is not dinner together any more: each
philosopher must eat in their own thread.
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
                with right:
                    eaten[seat] += 1

    for seat in range(philosophers):
        philosopher(seat)
    return eaten
