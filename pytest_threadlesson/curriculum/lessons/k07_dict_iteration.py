"""Lesson data for k07_dict_iteration (hints are spoilers: shown only on request)."""

TITLE = "Iterating a dict others change"
PAGE = "docs/lessons/2-races.md"
SECTION = "Iterating shared containers"
DIAGNOSIS = "race"
HINTS = (
    "Look at the loop in snapshot(): how many steps does it take, and what can other threads "
    "do to `self._items` between two of them?",
    "One dict operation is atomic, a loop over a dict is not. Readers need the same mutual "
    "exclusion as writers, for the whole copy, so that no update lands half-way through it.",
    "Give the registry one lock, hold it in register and unregister, and make the copy while "
    "holding it in snapshot; return that copy, never the dict itself.",
)
EXPLANATION = (
    "Setting or popping one key is a single step, but iterating a dict is one step per entry,\n"
    "and another thread can register or unregister in between. Python notices a change of\n"
    "size and raises RuntimeError; when the size stays the same, the copy silently mixes\n"
    "values from before and after an update."
)
