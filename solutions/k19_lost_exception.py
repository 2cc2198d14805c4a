"""Solution. Lesson: docs/lessons/5-pools-and-lifecycles.md, "Exceptions nobody sees"."""

import threading
from collections.abc import Callable


def run_jobs(jobs: list[Callable[[], None]]) -> None:
    """Run every job on its own thread and return once all of them have finished."""
    # An exception ends only the thread it was raised in: join() does not pass it on.
    # So each thread keeps its job's exception in its own slot, and the caller re-raises
    # after joining, choosing by job order because the order of failure is up to timing.
    errors: list[BaseException | None] = [None] * len(jobs)

    def run(n: int, job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:
            errors[n] = error

    threads = [
        threading.Thread(target=run, args=(n, job), name=f"job-{n}") for n, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
