"""A semaphore's count read from its private `_value` while another thread acquires it:
the primitive changes it under its own lock, so the reading races with the acquire."""

import threading

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    slots = threading.Semaphore(1)
    seen: list[int] = []

    def take() -> None:
        slots.acquire()

    def peek() -> None:
        seen.append(slots._value)

    run_threads(take, peek)
    assert seen == [0], f"saw {seen[0]} free slots while the only one was being taken"
