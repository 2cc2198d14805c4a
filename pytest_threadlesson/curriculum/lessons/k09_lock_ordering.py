"""Lesson data for k09_lock_ordering (hints are spoilers: shown only on request)."""

TITLE = "Lock ordering"
PAGE = "docs/lessons/3-locks-that-bite-back.md"
SECTION = "Lock ordering and deadlock"
DIAGNOSIS = "deadlock"
HINTS = (
    "Look at the two `with` lines in transfer(): for transfer(alice, bob) and "
    "transfer(bob, alice), which lock does each thread take first?",
    "A deadlock needs a cycle: each thread holds a lock the next one waits for. If every "
    "thread takes any two locks in the same order, that cycle can never form.",
    "Choose one fixed order for any two accounts, based on something that never changes, and "
    "take the two locks in that order whichever account is src and whichever is dst; keep "
    "both held while the money moves.",
)
EXPLANATION = (
    "transfer(alice, bob) holds alice's lock and waits for bob's; transfer(bob, alice) holds\n"
    "bob's and waits for alice's. Each waits for a lock the other holds, forever. Even a run\n"
    "that did not hang took the same two locks in opposite orders: a deadlock waiting for\n"
    "the wrong timing."
)
