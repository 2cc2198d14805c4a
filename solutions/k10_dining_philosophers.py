"""Reference solution of k10_dining_philosophers: forks are always taken in one global order."""

import threading


def dine(philosophers: int, meals: int) -> list[int]:
    """Seat `philosophers` at the table, let each eat `meals` meals; return meals eaten by each."""
    forks = [threading.Lock() for _ in range(philosophers)]
    eaten = [0] * philosophers

    def philosopher(seat: int) -> None:
        # Every philosopher takes the lower-numbered of their two forks first. The last
        # philosopher (whose right fork is fork 0) therefore reaches right first, which
        # breaks the ring: a cycle of "holds one fork, waits for the next" would need
        # someone to hold a higher fork while waiting for a lower one, and nobody does.
        first, second = sorted((seat, (seat + 1) % philosophers))
        for _ in range(meals):
            with forks[first]:
                with forks[second]:
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
