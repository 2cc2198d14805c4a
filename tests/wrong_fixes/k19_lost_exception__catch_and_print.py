"""Wrong fix: catch the exception inside the thread and print it.

The test run no longer shows an exception escaping a thread, but the caller still hears
nothing: run_jobs returns normally after a failure.
"""

import threading
import traceback
from collections.abc import Callable


def run_jobs(jobs: list[Callable[[], None]]) -> None:
    """Run every job on its own thread and return once all of them have finished."""

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:
            traceback.print_exc()

    threads = [
        threading.Thread(target=run, args=(job,), name=f"job-{n}") for n, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
