"""Alternative solution: a ThreadPoolExecutor, whose futures carry each job's exception."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def run_jobs(jobs: list[Callable[[], None]]) -> None:
    """Run every job on its own thread and return once all of them have finished."""
    if not jobs:
        return
    # One worker per job, so that all jobs run at the same time; leaving the `with` block
    # waits for all of them.
    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="job") as pool:
        futures = [pool.submit(job) for job in jobs]
    # Ask every future, so that no failure is left unretrieved, then raise in job order.
    errors = [future.exception() for future in futures]
    for error in errors:
        if error is not None:
            raise error
