"""Lesson data for k12_bounded_buffer (hints are spoilers: shown only on request)."""

TITLE = "Bounded buffer"
PAGE = "docs/lessons/4-coordination.md"
SECTION = "Condition variables and the while-loop rule"
DIAGNOSIS = "race"
HINTS = (
    "Look at what `put` and `get` do right after `wait()` returns, and at whom `notify()` wakes.",
    "A wake-up is only a hint that something changed: another thread can take the lock "
    "first and change it back. And producers and consumers share one Condition, so a "
    "single notification can reach the wrong kind of thread.",
    "Re-check the condition in a loop around `wait()` instead of once, and wake every "
    "waiter (or give producers and consumers a Condition each).",
)
EXPLANATION = (
    "Between `notify()` and the woken thread getting the lock back, other threads can run: "
    "a second consumer took the item, or a second producer filled the slot, and the woken "
    "thread went ahead on a state that was no longer true. With one Condition for two kinds "
    "of waiters, a notification can also wake the wrong one, and the wake-up is lost."
)
