"""Lesson data for k08_reentrant (hints are spoilers: shown only on request)."""

TITLE = "A lock that deadlocks on itself"
PAGE = "docs/lessons/3-locks-that-bite-back.md"
SECTION = "RLock: taking a lock you already hold"
DIAGNOSIS = "deadlock"
HINTS = (
    "Follow one call of increment_twice(): which lock does it hold when it calls increment(), "
    "and what is the first thing increment() does?",
    "A plain Lock does not know who holds it: acquiring it again from the thread that already "
    "holds it waits forever. You need a lock its owner may re-acquire, or code that never "
    "acquires it twice. Either way it must stay held across both steps.",
    "Use the kind of lock the lesson's RLock section introduces, in place of the Lock, or move "
    "the `+= 1` into a private helper that expects the lock to be held already, and call it "
    "from both public methods.",
)
EXPLANATION = (
    "A threading.Lock has no owner: it is only locked or unlocked. A thread that holds it\n"
    "and acquires it again waits for itself to release it, which never happens: a deadlock\n"
    "with a single thread, every time the nested call is made."
)
