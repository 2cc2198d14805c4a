"""A queue's items counted without its lock (`len(jobs.queue)`) while another thread puts
one: `put` appends between its lock's points, so the count depends on the order."""

import queue

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    jobs: queue.Queue[str] = queue.Queue()
    seen: list[int] = []

    def submit() -> None:
        jobs.put("report")

    def count() -> None:
        seen.append(len(jobs.queue))

    run_threads(submit, count)
    assert seen == [1], f"counted {seen[0]} jobs while one was being submitted"
