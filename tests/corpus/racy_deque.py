"""Two consumers, one item: `if jobs: jobs.popleft()` on a shared deque, and one of them
pops from an empty deque."""

from collections import deque

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    jobs: deque[str] = deque(["job"])
    done: list[str] = []

    def consume(queue: deque[str]) -> None:
        if queue:
            done.append(queue.popleft())

    run_threads(lambda: consume(jobs), lambda: consume(jobs))
    assert done == ["job"], done
