"""Lesson data for k05_lazy_init (hints are spoilers: shown only on request)."""

TITLE = "Lazy initialisation"
PAGE = "docs/lessons/2-races.md"
SECTION = "Lazy initialisation"
DIAGNOSIS = "race"
HINTS = (
    "Look at Lazy.get: the `if` and the factory call under it.",
    '"Is it built yet?" followed by "build it" is a check-then-act on shared state. '
    "While one caller is between the two, another caller can make the same check.",
    "Give each Lazy one lock made in __init__, and make the check and the build happen "
    "while holding it. If you keep a check outside the lock for speed, check again "
    "once you hold the lock.",
)
EXPLANATION = (
    "Two callers both found the value missing before either had stored it, so both ran\n"
    'the factory and got different objects. The test "not built yet" was already false\n'
    "for one of them by the time it built; nothing made the check and the build one step."
)
