"""Lesson data for k03_lost_update (hints are spoilers: shown only on request)."""

TITLE = "Lost update"
PAGE = "docs/lessons/2-races.md"
SECTION = "Lost updates"
DIAGNOSIS = "race"
HINTS = (
    "Look at the one line in Counter.increment.",
    "`self._value += 1` is three steps (read, add, write), and another thread can run "
    "between them. The three steps must happen as one, with no other increment in between.",
    "Give each Counter one threading.Lock, created in __init__, and hold it (with a `with` "
    "block) around the whole `+=` in increment, and around the read in value.",
)
EXPLANATION = (
    "Two threads read the same old value, each added one, and each wrote its result back:\n"
    "the second write overwrote the first, so one increment disappeared. A read-modify-write\n"
    "on shared data is not atomic, even when it is a single line of Python."
)
