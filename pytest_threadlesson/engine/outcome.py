"""What a schedule ends with: its failures, the steps that led there, and the exception
that aborts a schedule which cannot go on."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..frames import Site
from .strategies.base import Record
from .threads import ThreadlessonStop


class ScheduleAborted(ThreadlessonStop):
    """Raised into the threads of a schedule that cannot go on (step limit, wall limit)."""


@dataclass
class Step:
    thread: int
    site: Site


@dataclass
class Failure:
    thread: str
    exc: BaseException
    kind: str  # "exception" | "deadlock" | "leak" | "livelock"


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

