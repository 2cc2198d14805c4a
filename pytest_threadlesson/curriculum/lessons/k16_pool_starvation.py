"""Lesson data for k16_pool_starvation (hints are spoilers: shown only on request)."""

TITLE = "Pool starvation"
PAGE = "docs/lessons/5-pools-and-lifecycles.md"
SECTION = "Pool starvation"
DIAGNOSIS = "deadlock"
HINTS = (
    "Look at `_render_section`: it runs on a pool thread, and it waits for another task of "
    "the same pool.",
    "A bounded pool has `workers` threads. A task that waits for a task queued behind it keeps "
    "its thread busy; once every thread waits like that, nobody is left to run the queued tasks.",
    "Never wait inside a pool task for work queued on the same pool: submit only the leaf work "
    "(`render`) to the pool and do the waiting and the formatting in the caller, or let the "
    "section task call `render` itself.",
)
EXPLANATION = (
    "Pool starvation: each task on a bounded pool waited for another task of the same pool. "
    "The tasks it waited for sat in the pool's queue behind it, and every worker thread was "
    "busy waiting, so none was free to run them: every thread waited and none could move."
)
