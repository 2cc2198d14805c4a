"""Wrong fix: run the jobs one after the other, so that a failure simply propagates.

The first failing job does raise, but the jobs no longer run at the same time, and the
jobs after a failing one never run at all.
"""

from collections.abc import Callable


def run_jobs(jobs: list[Callable[[], None]]) -> None:
    """Run every job and return once all of them have finished."""
    for job in jobs:
        job()
