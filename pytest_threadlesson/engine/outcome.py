"""What a schedule ends with: its failures, the steps that led there, and the exception
that aborts a schedule which cannot go on."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ..frames import Site, line_of
from .strategies.base import Record
from .threads import ThreadlessonStop, ThreadRec


class ScheduleAborted(ThreadlessonStop):
    """Raised into the threads of a schedule that cannot go on (step limit, wall limit)."""


def still_running(alive: list[ThreadRec]) -> str:
    """Why a schedule is a leak: its threads still running after the scenario returned,
    each with where it was started and where it is now."""
    lines = []
    for t in alive:
        started = f" started at {t.start_site.short}" if t.start_site else ""
        now = ""
        if t.frame is not None and t.frame.f_lineno:
            code = t.frame.f_code
            site = Site(code.co_filename, line_of(t.frame), code.co_name)
            now = f", now at {site.short}: {site.source}"
        lines.append(f"  {t.name!r}{started}{now}")
    count = len(lines)
    return (f"{count} thread{'s' if count != 1 else ''} still running after the scenario "
            "returned\n" + "\n".join(lines))


@dataclass
class Step:
    """One thread ran (part of) one line. Noted runs (a replay) also say what it did:
    `touched` the shared data it read or wrote, (kind, name, value shown or None), and
    `notes` what else (`acquire(timeout=1) → False`, `starts Thread-1`, `sleeps 0.1 s`)."""

    thread: int
    site: Site
    # tuples, shared while empty: a run that is not noted makes a Step per line it runs
    touched: tuple[tuple[str, str, str | None], ...] = ()
    notes: tuple[str, ...] = ()

    def add(self, kind: str, name: str, value: str | None) -> None:
        self.touched += ((kind, name, value),)

    def note(self, text: str) -> None:
        self.notes += (text,)


class FailureKind(str, enum.Enum):
    """What ended a schedule badly, as the run saw it (contention turns it into a
    Diagnosis: an inversion is reported as a deadlock, a livelock as a hang)."""

    EXCEPTION = "exception"  # a thread raised
    DEADLOCK = "deadlock"  # a wait-for cycle, or every thread blocked
    INVERSION = "inversion"  # two locks taken in both orders
    LEAK = "leak"  # threads still running after the scenario returned
    LIVELOCK = "livelock"  # the step or wall limit: threads ran and did not finish
    LOST_EXCEPTION = "lost-exception"  # a future's exception nobody retrieved
    DIVERGED = "diverged"  # a replay met a program that took another path

    def __str__(self) -> str:
        return self.value


@dataclass
class Failure:
    thread: str
    exc: BaseException
    kind: FailureKind


@dataclass
class RunOutcome:
    failures: list[Failure] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    threads_started: int = 0
    switches: int = 0
    points: int = 0
    # Every decision the strategy took, in order (strategies/base.py): a Replay of it
    # takes the same path. It ends with a Cut when the run asked more than it keeps.
    schedule: list[Record] = field(default_factory=list)

