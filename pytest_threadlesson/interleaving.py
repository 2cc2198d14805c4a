"""The interleaving of a failing schedule, as the learner reads it: rows in time order, one
column per thread, each with its line of code and what it did to shared state, the
conflict marked, uninteresting stretches collapsed into one row.

Pure functions from the run's steps (`engine.outcome.Step`) to `timeline.Row`s and text;
`report.render_steps` prints them, `report.build_timeline` hands them to the picture, with
the locks each thread held (`holds_of`: from the noted run's `acquires`/`releases` notes,
as bars over the rows shown).
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .timeline import HOLD_NOTES, Hold, Row

if TYPE_CHECKING:
    from .engine.outcome import Step

WIDTH = 100  # a terminal's columns the report fits
_AGAIN = " times in a row"
MAX_ROWS = 40


@dataclass
class _Item:
    lane: int
    file: str
    line: int
    code: str
    touched: list[tuple[str, str, str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    count: int = 1
    where: str = ""  # a collapsed stretch's lines
    steps: list[int] = field(default_factory=list)  # the run's steps it stands for

    @property
    def interesting(self) -> bool:
        return bool(self.touched) or any(not _plain(note) for note in self.notes)


def _code(source: str) -> str:
    """A line of code without its trailing comment."""
    return source.split("  #", 1)[0].rstrip()


def _plain(note: str) -> bool:
    return note.startswith("starts ") or note.endswith(" to finish")


def _access(kind: str, name: str, value: str | None) -> str:
    if value is None:
        return f"{kind} {name}"
    return f"{kind} {name} {'→' if kind == 'read' else '←'} {value}"


def rows_of(steps: Sequence[Step], failing: tuple[str, int] | None = None,
            ) -> tuple[list[Row], str]:
    """The rows to show, and the headline that names the conflict ("" when none is
    seen). After the other threads' last step, the scenario's thread only joins and
    checks: that becomes two rows, the joins and the check (`failing`: the file and line
    that failed), with what the check read in the functions it called (a property)."""
    rows, headline, _ = _layout(steps, failing)
    return rows, headline


def holds_of(steps: Sequence[Step], failing: tuple[str, int] | None = None,
             ) -> tuple[Hold, ...]:
    """When each thread held each lock, over the rows `rows_of` shows: from the row of
    the step that took it (or the first row shown after it) to the row of the step that
    let go of it (or the last row shown before it); still held at the end: to the end.
    A hold with no row shown while it lasted is left out."""
    return _holds(steps, _layout(steps, failing)[2])


def picture_of(steps: Sequence[Step], failing: tuple[str, int] | None = None,
               ) -> tuple[list[Row], str, tuple[Hold, ...]]:
    """`rows_of` and `holds_of` from one layout of the steps: the picture needs both."""
    rows, headline, spans = _layout(steps, failing)
    return rows, headline, _holds(steps, spans)


def _holds(steps: Sequence[Step], spans: list[list[int]]) -> tuple[Hold, ...]:
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for row, span in enumerate(spans):
        for i in span:
            first.setdefault(i, row)
            last[i] = row

    def start_row(at: int) -> int | None:
        if at in first:
            return first[at]
        return next((row for row, span in enumerate(spans) if span and min(span) > at), None)

    def end_row(at: int) -> int | None:
        if at in last:
            return last[at]
        return max((row for row, span in enumerate(spans) if span and max(span) < at),
                   default=None)

    taken: dict[tuple[int, str], list[int]] = {}  # two locks may have one name: a stack
    spells: list[tuple[int, str, int, int | None]] = []
    for i, step in enumerate(steps):
        for note in step.notes:
            if note.startswith(HOLD_NOTES[0]):
                taken.setdefault((step.thread, note[len(HOLD_NOTES[0]):]), []).append(i)
            elif note.startswith(HOLD_NOTES[1]):
                lock = note[len(HOLD_NOTES[1]):]
                if taken.get((step.thread, lock)):
                    spells.append((step.thread, lock, taken[(step.thread, lock)].pop(), i))
    spells += [(lane, lock, at, None) for (lane, lock), ats in taken.items() for at in ats]
    holds = []
    for lane, lock, took, let_go in sorted(spells, key=lambda spell: spell[2]):
        begin = start_row(took)
        end = None if let_go is None else end_row(let_go)
        if begin is not None and (end is None or end >= begin):
            holds.append(Hold(lane, lock, begin, end))
    return tuple(holds)


def _layout(steps: Sequence[Step], failing: tuple[str, int] | None,
            ) -> tuple[list[Row], str, list[list[int]]]:
    """The rows, the headline, and for each row the run's steps it stands for."""
    # What nobody writes in this run is no shared state that changed (a setting, a
    # closure's constant): its reads are not shown.
    written = {name for s in steps for kind, name, _ in s.touched if kind == "write"}
    items = [_Item(s.thread, os.path.basename(s.site.filename), s.site.lineno,
                   _code(s.site.source),
                   [t for t in s.touched if t[0] == "write" or t[1] in written],
                   _counted([n for n in s.notes if not n.startswith(HOLD_NOTES)]), steps=[i])
             for i, s in enumerate(steps)]
    others = [i for i, item in enumerate(items) if item.lane != 0]
    if others and others[-1] < len(items) - 1:
        tail = items[others[-1] + 1:]
        at = max((i for i, item in enumerate(tail) if (item.file, item.line) == failing),
                 default=len(tail) - 1)
        check = tail[at]
        check.touched = [t for item in tail[at:] for t in item.touched]
        check.notes = [n for item in tail[at:] for n in item.notes if not _plain(n)]
        check.steps = [i for item in tail[at:] for i in item.steps]
        joins = [item for item in tail[:at] if item.interesting]  # else: only joins
        items = items[:others[-1] + 1] + ([_collapse(joins)] if joins else [])
        items.append(check)
    # A thread's step that touched nothing shared (it was preempted before its read, or
    # called a function) says nothing: the scenario's own thread's such steps collapse
    # into one row ("main starts 3 threads"), the other threads' are not shown.
    # (in a noted run only: else nothing would be left to see)
    if any(item.touched or item.notes for item in items):
        items = [item for n, item in enumerate(items)
                 if item.lane == 0 or item.interesting or n == len(items) - 1]
        items = _repeats_together(_same_line_together(_main_together(items)))
        # the scenario's steps that did nothing to see (its loops, its calls) between
        # its steps that did: not shown (its first, where it came from, and last are)
        items = [item for n, item in enumerate(items) if item.lane != 0 or item.touched
                 or item.notes or n in (0, len(items) - 1)]
    items = _first_wait_only(items)
    conflict, headline = _conflict(items)
    rows: list[Row] = []
    spans: list[list[int]] = []
    run: list[_Item] = []
    for n, item in enumerate(items):
        if not item.interesting and n != len(items) - 1 and \
                (not run or run[-1].lane == item.lane):
            run.append(item)
            continue
        if run:
            collapsed = _collapse(run)
            rows.append(_row(collapsed))
            spans.append(collapsed.steps)
            run = [] if item.interesting or n == len(items) - 1 else [item]
            if run:
                continue
        shown = _rows(item, n, conflict)
        rows.extend(shown)
        spans.extend(item.steps for _ in shown)
    if run:
        collapsed = _collapse(run)
        rows.append(_row(collapsed))
        spans.append(collapsed.steps)
    return rows, headline, spans


def _first_wait_only(items: list[_Item]) -> list[_Item]:
    """Once the scenario's thread has been seen waiting for its threads, its later steps
    that touch nothing shared (its join loop: joins and the loop's own steps) say nothing
    new: they are not shown."""
    kept: list[_Item] = []
    waited = False
    for n, item in enumerate(items):
        joins = item.lane == 0 and any(note.endswith(" to finish") for note in item.notes)
        if item.lane == 0 and waited and not item.interesting and n != len(items) - 1:
            continue
        waited = waited or joins
        kept.append(item)
    return kept


def _main_together(items: list[_Item]) -> list[_Item]:
    """The scenario's thread's steps that touch nothing shared (it starts threads, loops,
    waits for them) follow its previous such step: the other threads' steps shown between
    them came after, and "main starts 2 threads, then waits for them to finish" is one
    row, not two with the threads' steps between. Its own steps keep their order, and
    the last item (the check) stays last."""
    out: list[_Item] = []
    last_main = -1  # where in `out` the scenario's thread's last step is
    for n, item in enumerate(items):
        if item.lane == 0 and not item.interesting and n != len(items) - 1 and \
                last_main >= 0 and not out[last_main].interesting:
            out.insert(last_main + 1, item)
            last_main += 1
            continue
        out.append(item)
        if item.lane == 0:
            last_main = len(out) - 1
    return out


def _same_line_together(items: list[_Item]) -> list[_Item]:
    """A thread's line split in two steps with nothing shown between them (the step of
    another thread between them touched nothing shared) is one step: `self._value += 1`
    read, then wrote, on one row. (Split: the first part only read; a part that wrote
    ended the line's run, and the next is the line run again.)"""
    out: list[_Item] = []
    for item in items:
        last = out[-1] if out else None
        if last is not None and last.lane == item.lane and last.count == 1 and \
                item.count == 1 and (last.file, last.line) == (item.file, item.line) and \
                last.touched and item.touched and not last.notes and \
                all(kind == "read" for kind, _, _ in last.touched):
            out[-1] = replace(last, touched=last.touched + item.touched,
                              notes=list(item.notes), steps=last.steps + item.steps)
            continue
        out.append(item)
    return out


def _counted(notes: list[str]) -> list[str]:
    """A step's notes, the same note again and again said once, with how many times (a
    thread that waits in a loop after the run failed: its steps are no longer logged, its
    waits are noted on its last step)."""
    out: list[str] = []
    times = 1
    for note in [*notes, ""]:
        if out and note == out[-1]:
            times += 1
            continue
        if times > 1:
            out.append(f"{times}{_AGAIN}")
        times = 1
        out.append(note)
    return out[:-1]


def _repeats_together(items: list[_Item]) -> list[_Item]:
    """A thread's loop that does the same thing again and again with nothing shown
    between (a worker that sleeps and wakes for ever after the test has ended): one row,
    "sleeps 60 s; 90 times in a row", not ninety."""
    out: list[_Item] = []
    for item in items:
        last = out[-1] if out else None
        if last is not None and item.count == 1 and last.count == 1 and \
                (item.touched or item.notes) and \
                (last.lane, last.file, last.line, last.touched) == \
                (item.lane, item.file, item.line, item.touched):
            (base, times), (again, more) = _times(last.notes), _times(item.notes)
            if base == again:
                out[-1] = replace(last, notes=[*base, f"{times + more}{_AGAIN}"],
                                  steps=last.steps + item.steps)
                continue
        out.append(item)
    return out


def _times(notes: list[str]) -> tuple[list[str], int]:
    """Notes without their last "N times in a row", and N (1 without one)."""
    if notes and notes[-1].endswith(_AGAIN) and notes[-1].split()[0].isdigit():
        return notes[:-1], int(notes[-1].split()[0])
    return notes, 1


def _collapse(run: list[_Item]) -> _Item:
    if len(run) == 1:
        return run[0]
    first = run[0]
    starts = [n[len("starts "):] for item in run for n in item.notes if n.startswith("starts ")]
    joins = [n for item in run for n in item.notes if n.endswith(" to finish")]
    if starts:
        what = f"starts {len(starts)} thread{'s' if len(starts) != 1 else ''}"
    elif joins:
        what = "waits for threads to finish"
    else:
        what = f"{len(run)} steps"
    if starts and joins:
        what += ", then waits for them to finish"
    home = [item.line for item in run if item.file == first.file]
    lines = f"{min(home)}" if min(home) == max(home) else f"{min(home)}-{max(home)}"
    where = f"{first.file}:{lines}"
    return _Item(first.lane, first.file, first.line, what, count=len(run), where=where,
                 steps=[i for item in run for i in item.steps])


def _row(item: _Item) -> Row:
    if item.count > 1:
        return Row(item.lane, item.where, item.code, "", False, item.count)
    return Row(item.lane, f"{item.file}:{item.line}", item.code,
               "; ".join([_access(*t) for t in item.touched] + item.notes))


def _rows(item: _Item, n: int, conflict: set[tuple[int, int]]) -> list[Row]:
    where = f"{item.file}:{item.line}"
    notes = [_access(*t) for t in item.touched]
    marks = [(n, k) in conflict for k in range(len(item.touched))]
    if any(marks) and len(notes) > 1:  # a `+=` split: which of its byte-codes ran when
        rows = [Row(item.lane, where, item.code, note, mark)
                for note, mark in zip(notes, marks, strict=True)]
        if item.notes:
            rows[-1] = replace(rows[-1], note=rows[-1].note + "; " + "; ".join(item.notes))
        return rows
    return [Row(item.lane, where, item.code, "; ".join(notes + item.notes), any(marks))]


def _conflict(items: list[_Item]) -> tuple[set[tuple[int, int]], str]:
    """The accesses that conflict, as (item, access) positions, and a sentence naming it:
    two threads read the same value before either wrote it back (a lost update); or one
    wrote between another's read and its write."""
    events = [(n, k, item.lane, kind, name, value)
              for n, item in enumerate(items) for k, (kind, name, value) in
              enumerate(item.touched)]
    names = {e[4] for e in events if e[3] == "write"}
    for name in sorted(names, key=lambda x: min(e[0] for e in events if e[4] == x)):
        on = [e for e in events if e[4] == name]
        for i, a in enumerate(on):
            if a[3] != "read":
                continue
            a_write = next((e for e in on[i + 1:] if e[2] == a[2] and e[3] == "write"), None)
            if a_write is None:
                continue
            between = on[i + 1:on.index(a_write)]
            for b in between:
                if b[2] == a[2]:
                    continue
                if b[3] == "read" and b[5] == a[5]:
                    b_write = next((e for e in on[on.index(b) + 1:]
                                    if e[2] == b[2] and e[3] == "write"), None)
                    if b_write is not None:
                        marks = {(e[0], e[1]) for e in (a, b, a_write, b_write)}
                        one, two = sorted((a[2], b[2]))
                        return marks, (f"{{{one}}} and {{{two}}} both read {name} = {a[5]} "
                                       "before either wrote it back")
                if b[3] == "write":
                    marks = {(e[0], e[1]) for e in (a, b, a_write)}
                    return marks, (f"{{{b[2]}}} wrote {name} between {{{a[2]}}}'s read of it "
                                   f"and its write: {{{a[2]}}}'s write undoes it")
    return set(), ""


def headline(text: str, names: Sequence[str]) -> str:
    """`{1}` in a headline becomes the thread's name."""
    for i, name in enumerate(names):
        text = text.replace("{" + str(i) + "}", name)
    return text


def render(rows: Sequence[Row], names: Sequence[str], width: int = WIDTH) -> list[str]:
    """The rows as text: one column per thread (the scenario's own thread, `main`, spans
    the line), each cell wrapped at spaces within its column, nothing cut."""
    if not rows:
        return []
    hidden = max(0, len(rows) - MAX_ROWS)
    rows = list(rows)[hidden:]
    lanes: list[int] = []
    for row in rows:
        if row.lane != 0 and row.lane not in lanes:
            lanes.append(row.lane)
    lanes.sort()
    out = [f"  ({hidden} earlier steps not shown)"] if hidden else []
    prefix = 8
    columns = max(1, len(lanes))
    col = (width - prefix) // columns
    longest = max((len(token) for row in rows if row.lane in lanes  # main spans the line
                   for text in (row.where, row.code, row.note) for token in _tokens(text)),
                  default=0)
    if columns > 4 or col < 22 or longest + 6 > col:  # a column too narrow for a word
        return out + _listing(rows, names, hidden, width)
    if lanes:
        out.append(("  step  " + "".join(f"{names[t]:<{col}}" for t in lanes)).rstrip())
    for n, row in enumerate(rows, hidden + 1):
        if row.lane == 0 or row.lane not in lanes:
            text = _cell(row, width - prefix, f"{names[row.lane]}: ")
            indent = prefix
        else:
            indent = prefix + col * lanes.index(row.lane)
            text = _cell(row, col - 2 if lanes.index(row.lane) < len(lanes) - 1
                         else width - indent)
        mark = "*" if row.conflict else " "
        out.append(f"  {n:>4}{mark} " + " " * (indent - prefix) + text[0])
        out.extend(" " * indent + line for line in text[1:])
    if any(row.conflict for row in rows):
        out.append("  (* the conflicting accesses)")
    return out


def _cell(row: Row, width: int, lead: str = "") -> list[str]:
    head = f"{lead}{row.where}  {row.code}".rstrip()
    if len(head) <= width:
        lines = [head]
    else:
        lines = _wrap(f"{lead}{row.where}", width) + _wrap(row.code, width, "  ")
    if row.note and len(row.note) + 2 <= width:
        lines.append("  " + row.note)
    elif row.note:  # one note a line, each wrapped at spaces if it must
        for part in row.note.split("; "):
            lines.extend(_wrap(part, width, "  "))
    return lines


_STRING = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
_KEEP = "\x00"  # a space that is no place to wrap (inside a string literal)


def _tokens(text: str) -> list[str]:
    """The pieces a line may wrap between: words, with string literals kept whole."""
    return _STRING.sub(lambda m: m.group(0).replace(" ", _KEEP), text).split() or [""]


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    kept = _STRING.sub(lambda m: m.group(0).replace(" ", _KEEP), text)
    lines = textwrap.wrap(kept, width=max(width, 10), initial_indent=indent,
                          subsequent_indent=indent + "  ", break_long_words=False,
                          break_on_hyphens=False) or [indent]
    return [line.replace(_KEEP, " ") for line in lines]


def _listing(rows: Sequence[Row], names: Sequence[str], hidden: int,
             width: int) -> list[str]:
    name_width = max(len(names[row.lane]) for row in rows)
    out = []
    for n, row in enumerate(rows, hidden + 1):
        mark = "*" if row.conflict else " "
        lead = f"  {n:>4}{mark} {names[row.lane]:<{name_width}}  "
        text = _cell(row, width - len(lead))
        out.append(lead + text[0])
        out.extend(" " * len(lead) + line for line in text[1:])
    return out
