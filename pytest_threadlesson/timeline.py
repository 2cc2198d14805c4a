"""A failure as data a picture can be drawn from: lanes (one per thread), rows in time order,
what each row did to shared state, the conflict, lock holds and a deadlock's cycle.

Pure data, no pytest, no engine: the engine (`engine/contention.py`) and the glue build a
`Timeline` from what they saw; `report.py` renders it as text for the terminal and
`html_report.py` as a page for a projector. One model, so the terminal and the picture
never tell two different stories.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# How a noted run (engine/notes.py) puts down on a step that its thread took or let go of
# a lock: `acquires Account('alice').lock`; `interleaving.holds_of` makes `Hold`s of them.
HOLD_NOTES = ("acquires ", "releases ")


@dataclass(frozen=True)
class Row:
    """One step in time order, in the lane of the thread that took it.

    `where` is `file.py:LINE` and `code` the source line (stripped); `note` says what the
    step did to shared state (`read Counter._value → 1`, `acquire(timeout=1) → False`);
    `conflict` marks the accesses the headline names; `collapsed` > 0 makes this row a
    summary standing for that many uninteresting steps (`main starts 3 threads`)."""

    lane: int
    where: str = ""
    code: str = ""
    note: str = ""
    conflict: bool = False
    collapsed: int = 0


@dataclass(frozen=True)
class Hold:
    """Lane `lane` held `lock` from row `start` up to row `end` (None: still held)."""

    lane: int
    lock: str
    start: int
    end: int | None = None


@dataclass(frozen=True)
class CycleEdge:
    """In a deadlock: lane `lane` holds `holds` and waits for `waits` (a lock's name, or
    what it waits on: `queue.join()`, `Barrier(2)`)."""

    lane: int
    holds: str
    waits: str
    where: str = ""


@dataclass(frozen=True)
class LeakedLane:
    """A thread that outlived its test: where it was started and where it is now."""

    lane: int
    daemon: bool
    started: str = ""
    now: str = ""


@dataclass(frozen=True)
class Timeline:
    """What went wrong, for a picture. `diagnosis` is the plain word (race, deadlock, leak,
    lost-exception, hang); `headline` one sentence in the learner's terms; `text` the
    whole report as the terminal shows it."""

    diagnosis: str
    headline: str
    lanes: tuple[str, ...]
    rows: tuple[Row, ...] = ()
    holds: tuple[Hold, ...] = ()
    cycle: tuple[CycleEdge, ...] = ()
    leaks: tuple[LeakedLane, ...] = ()
    text: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # e.g. seed, replay command
