"""Lesson data for k10_dining_philosophers (hints are spoilers: shown only on request)."""

TITLE = "Dining philosophers"
PAGE = "docs/lessons/3-locks-that-bite-back.md"
SECTION = "A circle of locks"
DIAGNOSIS = "deadlock"
HINTS = (
    "Look at the order in which a philosopher picks up forks, and follow it around the "
    "table: who waits for whom when everyone has just picked up their left fork?",
    "Each fork held while waiting for the next is an arrow 'holds this, waits for that'; "
    "around a round table the arrows can close a circle. Break the circle, without dropping "
    "meals and without giving up the threads.",
    "Number the forks and let every philosopher pick up the lower-numbered of their two "
    "forks first (only one philosopher's order changes), or let a waiter admit at most "
    "n - 1 philosophers to reach for forks at a time.",
)
EXPLANATION = (
    "Each philosopher holds one fork while waiting for the next one around the table. If\n"
    "all of them have picked up their left fork, each waits for the fork a neighbour holds:\n"
    "a cycle of waiting all the way round, and nobody eats again. It is the two-lock\n"
    "deadlock of opposite transfers, stretched over n locks."
)
