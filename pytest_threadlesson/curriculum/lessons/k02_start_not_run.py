"""Lesson data for k02_start_not_run (hints are spoilers: shown only on request)."""

TITLE = "start(), not run()"
PAGE = "docs/lessons/1-threads-that-run.md"
SECTION = "start(), not run()"
DIAGNOSIS = "deadlock"
HINTS = (
    "Look at the loop in run_workers, then at Worker.__init__: which thread executes "
    "each worker's run()?",
    "run() is an ordinary method call on the current thread; only start() creates a new "
    "thread. And start() refuses to work on a Thread subclass whose own __init__ skipped "
    "the parent's __init__.",
    "Call the parent's __init__ first thing in Worker.__init__, then start() every worker "
    "and join() them all before returning the log.",
)
EXPLANATION = (
    "Calling run() does not start a thread: the caller runs the worker itself, one after\n"
    "the other. The first worker waits at the barrier for n parties, but the others can\n"
    "only arrive after it returns, so the only thread is blocked and nobody can free it."
)
