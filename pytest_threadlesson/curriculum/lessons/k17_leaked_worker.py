"""Lesson data for k17_leaked_worker (hints are spoilers: shown only on request)."""

TITLE = "Leaked worker"
PAGE = "docs/lessons/5-pools-and-lifecycles.md"
SECTION = "Stopping a worker"
DIAGNOSIS = "leak"
HINTS = (
    "Look at `_run`: what could ever make its loop end? And what does `stop()` change that "
    "`_run` looks at?",
    "A thread cannot be killed from outside: it has to be asked to end and then waited for. "
    "And a thread in `time.sleep(interval)` cannot hear the request until the sleep is over.",
    "Give the loop a `threading.Event` to check; let `stop()` set it and then `join()` the "
    "thread; sleep between beats with `event.wait(interval)`, which wakes as soon as the "
    "event is set.",
)
EXPLANATION = (
    "The heartbeat thread was still alive after stop() returned, because "
    "nothing tells its loop to end and nothing waits for it. Python cannot kill a thread: "
    "it runs until its function returns, daemon or not, so a loop without an exit outlives "
    "whatever started it."
)
