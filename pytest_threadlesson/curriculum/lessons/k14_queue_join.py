"""Lesson data for k14_queue_join (hints are spoilers: shown only on request)."""

TITLE = "queue.join() that never returns"
PAGE = "docs/lessons/4-coordination.md"
SECTION = "Queues, task_done and join"
DIAGNOSIS = "deadlock"
HINTS = (
    "Count the `put()` calls and the `task_done()` calls on the queue, sentinels included.",
    "`queue.join()` returns only when every item ever put has been marked done with "
    "`task_done()`. A sentinel is an item too, and so is a re-queued one.",
    "Match every `get()` with a `task_done()` (a `finally` helps), and give each worker its "
    "own stop signal instead of passing one along; or wait by joining the workers instead.",
)
EXPLANATION = (
    "A Queue counts unfinished tasks: +1 on every `put()`, -1 on every `task_done()`, and "
    "`join()` waits for zero. The workers handled every item and stopped, but the "
    "sentinels they put were never marked done, so the count stayed above zero and "
    "`join()` waited for workers that no longer existed."
)
