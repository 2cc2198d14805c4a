"""Lesson data for k13_lost_wakeup (hints are spoilers: shown only on request)."""

TITLE = "Lost wake-up"
PAGE = "docs/lessons/4-coordination.md"
SECTION = "Lost wake-ups"
DIAGNOSIS = "deadlock"
HINTS = (
    "Call `open()` first and `wait_open()` second: what is there for `wait_open()` to find?",
    "A Condition is not a state: a notification reaches only the threads already "
    "waiting. The gate needs to remember that it is open.",
    "Keep an `is open` flag, set it in `open()` and test it in `wait_open()`, both under "
    "the Condition's lock, and wait only while it is still closed.",
)
EXPLANATION = (
    "`notify_all()` wakes the threads that are waiting at that moment and is then "
    "forgotten. The gate was opened before anyone waited, so the notification was lost, "
    "and `wait_open()` waited for a second one that nobody would ever send."
)
