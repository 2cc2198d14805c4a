"""Lesson data for k11_semaphore_pool (hints are spoilers: shown only on request)."""

TITLE = "Leaked semaphore permit"
PAGE = "docs/lessons/4-coordination.md"
SECTION = "Semaphores"
DIAGNOSIS = "deadlock"
HINTS = (
    "Look at `connection()`: follow what happens to the permit when the caller's "
    "with-block raises.",
    "In a @contextmanager generator, an exception from the with-block is raised at the "
    "`yield`: the lines after it run only when the block succeeded.",
    "Give back the connection and the permit on every exit from the block, the way "
    "`with` or `try`/`finally` do, not only after a successful yield.",
)
EXPLANATION = (
    "A semaphore counts permits, not owners: a permit that is acquired and never released "
    "is gone for good. Each failed with-block took one away, and once all `size` permits "
    "had leaked, every caller waited in `acquire()` for a release that could never come."
)
