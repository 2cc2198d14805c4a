"""Lesson data for k15_pool_exceptions (hints are spoilers: shown only on request)."""

TITLE = "Exceptions lost in a pool"
PAGE = "docs/lessons/5-pools-and-lifecycles.md"
SECTION = "Futures: results and exceptions"
DIAGNOSIS = "lost-exception"
HINTS = (
    "Look at what `pool.submit()` returns, and at what happens to it.",
    "An exception raised in a pool task does not travel anywhere by itself: it is stored "
    "in the task's Future, and only `result()` or `exception()` gets it out.",
    "Keep the futures with their paths. Once the pool has finished, go through them in "
    "the order of `paths` and ask each for its `result()`: the first one that failed "
    "raises its exception for you.",
)
EXPLANATION = (
    "A ThreadPoolExecutor catches whatever a task raises and stores it in the task's "
    "Future. Nothing asked those Futures for their result, so the failed read was "
    "silently dropped, and the caller got a dictionary with a path missing."
)
