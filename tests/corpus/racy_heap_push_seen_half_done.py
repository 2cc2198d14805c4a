"""A heap read while another thread pushes onto it: `heapq.heappush` (a builtin) appends,
then moves the item up, comparing with the class's own `__lt__`; between those
comparisons the smallest item is not first yet."""

import heapq

from corpus import RACY, run_threads

VERDICT = RACY


class Job:
    def __init__(self, priority: int) -> None:
        self.priority = priority

    def __lt__(self, other: "Job") -> bool:
        return self.priority < other.priority


def scenario() -> None:
    jobs = [Job(5)]
    seen: list[list[int]] = []

    def add_urgent() -> None:
        heapq.heappush(jobs, Job(0))

    def look() -> None:
        seen.append([job.priority for job in jobs])

    run_threads(add_urgent, look)
    assert seen[0][0] == min(seen[0]), f"the most urgent job was not first: {seen[0]}"
