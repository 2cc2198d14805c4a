"""Lesson data for k22_ignored_timeout (hints are spoilers: shown only on request)."""

TITLE = "The ignored timeout"
PAGE = "docs/lessons/3-locks-that-bite-back.md"
SECTION = "Timeouts: when acquire says False"
DIAGNOSIS = "race"
HINTS = (
    "Look at the first line of post(): what does `acquire(timeout=0.5)` return, and what "
    "happens to that value?",
    "A timed acquire can give up. When it returns False this thread does not hold the lock: "
    "everything after it runs unguarded, next to the thread that does hold it, and the "
    "`release()` in `finally` frees a lock that belongs to someone else.",
    "Act on the result: when the acquire fails, do not touch the total or the journal; raise "
    "TimeoutError so the caller knows (or wait again). Only a thread that really got the "
    "lock may release it.",
)
EXPLANATION = (
    "One posting held the lock while the journal write stalled; the other waited half a\n"
    "second, got False from acquire(), and went on as if it held the lock. Two postings\n"
    "then read and wrote the total at the same time (one was lost), and the lock was\n"
    "released by a thread that never had it."
)
