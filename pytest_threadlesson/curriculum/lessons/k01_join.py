"""Lesson data for k01_join (hints are spoilers: shown only on request)."""

TITLE = "Join your threads"
PAGE = "docs/lessons/1-threads-that-run.md"
SECTION = "Waiting for a thread: join"
DIAGNOSIS = "race"
HINTS = (
    "Look at the end of squares_in_parallel: what has happened to the threads when "
    "`return results` runs?",
    "start() only launches a thread; it does not wait for it. Something must make the "
    "caller wait until every worker has finished before the list is read.",
    "Keep every Thread you create in a list. Start them all, then call join() on each one "
    "before returning the results.",
)
EXPLANATION = (
    "start() returns as soon as the thread is launched, not when its work is done.\n"
    "The caller went on and read the results list while some workers had not run yet,\n"
    "so their slots were still None. Nothing in the code made it wait for them."
)
