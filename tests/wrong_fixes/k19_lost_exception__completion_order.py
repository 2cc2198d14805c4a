"""Wrong fix: the threads append their exceptions to one list, and the first one is raised.

The list is in the order the jobs failed, which is up to timing: when a later job fails
first, its exception is raised instead of the first failing job's.
"""

import threading
from collections.abc import Callable


def run_jobs(jobs: list[Callable[[], None]]) -> None:
    """Run every job on its own thread and return once all of them have finished."""
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(job,), name=f"job-{n}") for n, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
