"""Lesson data for k19_lost_exception (hints are spoilers: shown only on request)."""

TITLE = "Lost exception"
PAGE = "docs/lessons/5-pools-and-lifecycles.md"
SECTION = "Exceptions nobody sees"
DIAGNOSIS = "lost-exception"
HINTS = (
    "Look at what `run_jobs` learns from `thread.join()` about how the job ended.",
    "An exception raised in a thread ends that thread only: `join()` returns normally either "
    "way, and the exception is printed and forgotten. The caller must be handed it.",
    "Run each job in a small wrapper that catches its exception and keeps it in a slot for "
    "that job (say, a list indexed by job number); after joining every thread, raise the "
    "first one that is set.",
)
EXPLANATION = (
    "A job raised inside its thread, and the exception ended that thread and nothing "
    "else. Thread.join() does not re-raise it, so the caller saw a normal return "
    "and went on as if every job had succeeded."
)
