"""Two threads take numbers from one generator. A generator runs in the thread that
resumes it; while one thread is inside it, another that resumes it gets "generator
already executing". Its steps touch the generator itself, which `for` resumes."""

from collections.abc import Iterator

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    def numbers() -> Iterator[int]:
        n = 0
        while n < 2:
            n += 1
            yield n

    take_in_two_threads(numbers())


def take_in_two_threads(tickets: Iterator[int]) -> None:
    """Two threads take every ticket of one iterator (1 and 2): each exactly once."""
    taken: list[int] = []

    def take() -> None:
        for ticket in tickets:
            taken.append(ticket)

    run_threads(take, take)
    assert sorted(taken) == [1, 2], f"took {taken}"
