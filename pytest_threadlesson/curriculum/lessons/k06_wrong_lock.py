"""Lesson data for k06_wrong_lock (hints are spoilers: shown only on request)."""

TITLE = "A lock that guards nothing"
PAGE = "docs/lessons/2-races.md"
SECTION = "What a lock guards"
DIAGNOSIS = "race"
HINTS = (
    "Look at the `with` line at the top of each Inventory method: which lock object does it "
    "acquire, and who else could ever hold that same object?",
    "A lock only makes a thread wait if another thread holds the very same lock object. Every "
    "method, in every thread, that touches the stock must go through one shared lock.",
    "Create the lock once, when the Inventory is created, keep it on the instance, and have "
    "add, remove and count all hold that one lock around their work.",
)
EXPLANATION = (
    "A lock made on every call is new and free every time: each thread acquires its own,\n"
    "and none ever waits for another. The read-modify-write of the stock then interleaves\n"
    "as if there were no lock at all: two threads read the same count, and one update\n"
    "overwrites the other."
)
