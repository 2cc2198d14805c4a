"""What a checkout remembers of its learner's progress: which katas are solved or red, the
hint levels shown, the kata the learner is on and since when, the last run. pytest's cache
keeps it (the plugin reads and writes the plain data); a progress file carries it, as one
JSON record per pair, to a facilitator (`pytest_threadlesson.room` prints the room).

Only a run's verdicts change it (`Remembered.judged`): a kata becomes solved when a run
proved it, red when a test of it failed; a kata a run did not judge keeps what it had.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import catalogue as kt
from .progress import RED, SOLVED, Verdict

FORMAT = "threadlesson-progress/1"
STRETCH_KATAS = kt.KATA_IDS[len(kt.CORE_KATAS):]


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, (str, int))}


def _int_map(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): int(v) for k, v in value.items() if isinstance(v, int)}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def now_text() -> str:
    """The time now, as the records keep it (ISO, local, with its offset)."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def clock(when: str | None, today: dt.date | None = None) -> str:
    """`10:42` for a time today, `2026-12-06 10:42` for another day, `never` for none."""
    if not when:
        return "never"
    try:
        moment = dt.datetime.fromisoformat(when)
    except ValueError:
        return when
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    if moment.date() == (today or dt.date.today()):
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


def current_kata(status: Mapping[str, str]) -> str | None:
    """The kata the learner is on: the first core kata not solved, then the stretch ones."""
    for kata in kt.KATA_IDS:
        if status.get(kata) != SOLVED:
            return kata
    return None


@dataclass(frozen=True)
class Remembered:
    status: dict[str, str] = field(default_factory=dict)  # kata -> SOLVED or RED
    diagnosis: dict[str, str] = field(default_factory=dict)  # of a red kata's last run
    hints: dict[str, int] = field(default_factory=dict)  # kata -> hint levels shown
    on: str | None = None  # the kata the learner was on at the last run
    since: str | None = None  # when they got to it
    last_run: str | None = None

    @property
    def now(self) -> str | None:
        """The kata the learner is on."""
        return current_kata(self.status)

    def since_now(self) -> str | None:
        """When the learner got to the kata they are on, if known."""
        return self.since if self.on == self.now else None

    @classmethod
    def load(cls, progress: Any, hints: Any, run: Any) -> Remembered:
        """From the cache's three values (anything else there is ignored, not trusted)."""
        status = {k: v for k, v in _str_map(progress).items() if v in (SOLVED, RED)}
        run = run if isinstance(run, Mapping) else {}
        return cls(status, _str_map(run.get("diagnosis")), _int_map(hints),
                   _text(run.get("now")), _text(run.get("since")), _text(run.get("last_run")))

    def run_value(self) -> dict[str, Any]:
        """The cache value beside `status` and `hints`."""
        return {"diagnosis": self.diagnosis, "now": self.on, "since": self.since,
                "last_run": self.last_run}

    def judged(self, verdicts: Iterable[Verdict], diagnosis: Mapping[str, str],
               when: str) -> Remembered:
        """After a learner's run: solved and red where it judged, the rest as it was."""
        status = dict(self.status)
        diagnoses = dict(self.diagnosis)
        for verdict in verdicts:
            if verdict.state == SOLVED:
                status[verdict.kata] = SOLVED
                diagnoses.pop(verdict.kata, None)
            elif verdict.state == RED:
                status[verdict.kata] = RED
                diagnoses[verdict.kata] = diagnosis.get(verdict.kata, "failed")
        now = current_kata(status)
        since = self.since if now == self.on and self.since else when
        return replace(self, status=status, diagnosis=diagnoses, on=now, since=since,
                       last_run=when)

    def solved(self) -> list[str]:
        return [k for k in kt.CORE_KATAS if self.status.get(k) == SOLVED]

    def stretch(self) -> list[str]:
        """`k21 solved`, `k22 red`: the stretch katas tried."""
        return [f"{k[:3]} {self.status[k]}" for k in STRETCH_KATAS if k in self.status]

    def state(self) -> str:
        """How the current kata stands: `red (deadlock), hint 1/3`, `not solved yet`."""
        if self.now is None:
            return "every kata solved"
        if self.status.get(self.now) == RED:
            text = f"red ({self.diagnosis.get(self.now, 'failed')})"
        else:
            text = "not solved yet"
        total = len(kt.lesson(self.now).hints)
        shown = min(self.hints.get(self.now, 0), total)
        return text + (f", hint {shown}/{total}" if shown else "")

    def where(self) -> str:
        """`k08_reentrant red (deadlock), hint 1/3`."""
        return self.state() if self.now is None else f"{self.now} {self.state()}"

    def line(self, pair: str, today: dt.date | None = None) -> str:
        """The one line `--threadlesson-progress` prints."""
        solved = self.solved()
        listed = f" ({kt.compact(solved)})" if solved else ""
        stretch = f"  stretch: {', '.join(self.stretch())}" if self.stretch() else ""
        return (f"threadlesson progress: {pair}  {len(solved)}/{len(kt.CORE_KATAS)} solved"
                f"{listed}{stretch}  now: {self.where()}"
                f"  last run {clock(self.last_run, today)}")

    def record(self, pair: str) -> dict[str, Any]:
        """The pair's JSON record in a progress file."""
        return {"format": FORMAT, "pair": pair, "solved": len(self.solved()),
                "of": len(kt.CORE_KATAS), "status": self.status, **self.run_value(),
                "hints": self.hints}

    @classmethod
    def from_record(cls, data: Any) -> tuple[str, Remembered] | None:
        """(pair, progress) from a JSON record, or None if it is not one."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT \
                or not _text(data.get("pair")):
            return None
        return str(data["pair"]), cls.load(data.get("status"), data.get("hints"), data)


def merge_records(existing: Any, record: dict[str, Any]) -> Any:
    """A progress file's new content: `record` in place of its pair's old one. A file of
    one pair is one record; records of several pairs sharing a file are a list."""
    others = existing if isinstance(existing, list) else [existing]
    kept = [r for r in others if isinstance(r, Mapping) and r.get("format") == FORMAT
            and r.get("pair") != record["pair"]]
    return [*kept, record] if kept else record
