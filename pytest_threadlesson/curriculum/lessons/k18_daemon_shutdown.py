"""Lesson data for k18_daemon_shutdown (hints are spoilers: shown only on request)."""

TITLE = "Daemon shutdown"
PAGE = "docs/lessons/5-pools-and-lifecycles.md"
SECTION = "Daemon threads and shutdown"
DIAGNOSIS = "race"
HINTS = (
    "Look at `close()`: when it returns, where are the events that the writer has not "
    "reached yet? And what happens to a daemon thread when the program exits?",
    "Putting the marker on the queue asks the writer to finish; nothing waits until it has. "
    "At exit Python waits for non-daemon threads only, and kills daemon threads mid-write.",
    "Let `close()` wait for the writer thread itself to end (`join()`) after queuing the "
    "marker; once a close waits for it, the writer no longer needs to be a daemon.",
)
EXPLANATION = (
    "A race between close() and the writer thread: close() only asked the writer to finish "
    "and returned at once, so the caller (or the interpreter's exit) went ahead while events "
    "were still queued. A daemon thread is simply stopped when the program exits, with "
    "whatever it had not written yet."
)
