"""Lesson data for k21_readers_writer (hints are spoilers: shown only on request)."""

TITLE = "Readers and a writer"
PAGE = "docs/lessons/4-coordination.md"
SECTION = "Readers and a writer"
DIAGNOSIS = "race"
HINTS = (
    "Look at the `while` in write(): what does a writer wait for, and what does it not "
    "wait for?",
    "A writer must be alone: it has to wait until no writer *and* no reader is inside, and "
    "check that under the same lock that readers hold when they count themselves in. Once "
    "writers wait for readers, somebody has to wake them when the readers are gone.",
    "Make the writer's loop wait while a write is going on or the reader count is above "
    "zero, and have the last reader out (count back to zero, still under the Condition) "
    "wake every waiting thread with notify_all().",
)
EXPLANATION = (
    "A reader was still inside when a writer went in: write() waits only for other\n"
    "writers, so readers and a writer ran at the same time and a reader could see the data\n"
    "half changed. \"Many readers or one writer\" needs the writer to wait for both kinds\n"
    "of thread, and a waiting thread only looks again when somebody wakes it."
)
