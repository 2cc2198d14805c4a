"""`Replay`: take a recorded schedule again, decision by decision.

A run records every decision its strategy took (`base.Choice`, `base.Preemption`); a
`Replay` of that list makes the same decisions, so the same program runs the same
interleaving without the strategy or its seed. Where the program asks something the
recording did not (other threads can run, or it asks at another kind of point), the
program is not the one recorded: the replay says where, rather than guess.
"""

from __future__ import annotations

import types
from collections.abc import Sequence

from .base import Choice, Cut, Preemption, Record, ScheduleDiverged


class ScheduleCut(ScheduleDiverged):
    """The recording was cut (its run kept only its first decisions): no replay past it."""


def _threads(ids: Sequence[int]) -> str:
    return "thread " + str(ids[0]) if len(ids) == 1 else \
        "threads " + ", ".join(str(i) for i in ids)


def _asked(choice: Choice) -> str:
    running = "none running" if choice.current is None else f"{choice.current} running"
    return f"who goes next at a {choice.kind} point ({_threads(choice.runnable)} " \
           f"could run, {running})"


class Replay:
    name = "replay"

    def __init__(self, records: Sequence[Record]) -> None:
        self.records = tuple(records)
        self.position = 0  # how many records were taken

    def _peek(self, asked: str) -> Choice | Preemption:
        """The next recorded decision (not yet taken), for the program's question."""
        n = self.position
        if n >= len(self.records):
            raise self._diverged(f"the recording ends there, and the program asked {asked}")
        record = self.records[n]
        if isinstance(record, Cut):
            raise ScheduleCut(
                f"the recorded schedule was cut after {record.kept} decisions (its run kept "
                f"only the first {record.kept}): it cannot be replayed past decision "
                f"{record.kept}, where the program asked {asked}")
        return record

    def _diverged(self, detail: str) -> ScheduleDiverged:
        return ScheduleDiverged("the program took a different path than the recorded "
                                f"schedule at decision {self.position + 1}: {detail}")

    def choose(self, runnable: Sequence[int], current: int | None, kind: str) -> int:
        asked = _asked(Choice(tuple(runnable), current, -1, kind))
        record = self._peek(asked)
        if not isinstance(record, Choice):
            raise self._diverged(f"the program asked {asked}, where the recording asked "
                                 "whether to preempt at a byte-code")
        if (record.runnable, record.current, record.kind) != (tuple(runnable), current, kind):
            raise self._diverged(f"the program asked {asked}, where the recording asked "
                                 f"{_asked(record)}")
        self.position += 1
        return record.chosen

    def preempt(self, frame: types.FrameType) -> bool:
        asked = f"whether to preempt at a byte-code of {frame.f_code.co_name} " \
                f"(line {frame.f_lineno})"
        record = self._peek(asked)
        if isinstance(record, Choice):
            raise self._diverged(f"the program asked {asked}, where the recording asked "
                                 f"{_asked(record)}")
        self.position += 1
        return record.yes

    def finish(self) -> None:
        """After the run: the program asked for every recorded decision, or it diverged."""
        left = self.records[self.position:]
        if left and not isinstance(left[0], Cut):
            raise self._diverged(f"the program ended, and the recording has {len(left)} "
                                 "more decision" + ("s" if len(left) != 1 else ""))
