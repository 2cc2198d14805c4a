"""Dinner that never ends.

Philosophers sit at a round table with one fork between each pair of neighbours; to eat,
a philosopher needs both the fork on their left and the fork on their right. Each one
politely picks up the left fork first, then the right one. Some evenings everybody is
still sitting there, holding one fork, waiting. Make `dine()` always finish with every
philosopher having eaten every meal, each philosopher in their own thread.

Lesson: docs/lessons/3-locks-that-bite-back.md, "A circle of locks".
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

    threads = [
        threading.Thread(target=philosopher, args=(seat,), name=f"philosopher-{seat}")
        for seat in range(philosophers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return eaten
