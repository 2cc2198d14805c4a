"""A batch of jobs that reports success although a job failed.

`run_jobs` runs a batch of jobs at the same time, one thread each, and waits for all of
them. When a job fails, its traceback scrolls past on stderr, `run_jobs` returns as if
all went well, and the caller carries on with half the work done. Make `run_jobs` raise
the exception of the first failing job (first in the order of `jobs`, not in time) once
every job has finished; jobs still run at the same time, and every job runs even when
another one fails.

Lesson: docs/lessons/5-pools-and-lifecycles.md, "Exceptions nobody sees".
"""

import threading
from collections.abc import Callable


def run_jobs(jobs: list[Callable[[], None]]) -> None:
    """Run every job on its own thread and return once all of them have finished."""
    threads = [threading.Thread(target=job, name=f"job-{n}") for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
