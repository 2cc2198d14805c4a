"""Lesson data for k20_sleep_is_not_sync (hints are spoilers: shown only on request)."""

TITLE = "Sleep is not synchronisation"
PAGE = "docs/lessons/5-pools-and-lifecycles.md"
SECTION = "Sleep is not synchronisation"
DIAGNOSIS = "race"
HINTS = (
    "Look at the `time.sleep` in `start()`: what does it know about the start-up thread?",
    "A sleep is a guess about how long another thread needs. The start-up thread is the only "
    "one that knows when it has finished, so it is the one that must say so.",
    "Give the service a `threading.Event`: the start-up thread sets it as its very last step, "
    "and `start()` waits on it instead of sleeping.",
)
EXPLANATION = (
    "A race between start() and the start-up thread: start() slept for a fixed time and "
    "assumed the start-up was done by then. Nothing makes that true: the start-up thread "
    "can be descheduled for longer than any sleep, so the request ran before the settings "
    "were there."
)
