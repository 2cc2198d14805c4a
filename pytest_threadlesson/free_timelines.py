"""What free mode finds, as `timeline.Timeline`s a picture can be drawn from.

`contention.explore` builds its own timeline from the steps of the failing schedule. A
test marked `@pytest.mark.threadlesson` runs real threads, and what is known of them is a
moment, not a history: a deadlock's holds and waits when it closed, the two acquisitions
of a lock-order inversion, where a leaked thread started and where it is now, the frames
an exception went through. Each builder here lays that moment out as lanes and rows, in
the order things must have happened (a lock was taken before the wait that closed the
cycle), so that the HTML page (`html_report.py`) draws every diagnosis the same way.

Pure functions over the engine's data; the caller passes the report text the terminal
shows, so the page and the terminal tell one story.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .engine.naming import describe_wait, object_name
from .engine.waits import Inversion
from .frames import Site, is_user_file
from .timeline import CycleEdge, Hold, LeakedLane, Row, Timeline

if TYPE_CHECKING:
    from .engine.naming import LeakedThread
    from .engine.waits import DeadlockReport


def _where(site: Site | None) -> str:
    return site.short if site is not None else ""


def _code(site: Site | None) -> str:
    return site.source if site is not None else ""


def _lane(lanes: list[str], name: str) -> int:
    if name not in lanes:
        lanes.append(name)
    return lanes.index(name)


def headline_of(text: str, default: str) -> str:
    """The first line of a report, without its `threadlesson:` prefix."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first.removeprefix("threadlesson:").strip() or default


# ---------------------------------------------------------------------------------------
# Deadlocks and hangs


def cycle_of(report: DeadlockReport) -> tuple[CycleEdge, ...]:
    """A wait-for cycle as edges, lane = the thread's place in `report.threads`: each
    thread, the lock of its own that the next one waits for, and what it waits for.

    Also for `contention.explore`'s deadlocks (the report is `DeadlockError.report`)."""
    if report.kind not in ("cycle", "self", "all-blocked"):
        return ()
    waited = {describe_wait(t.waiting_on, report.owners)
              for t in report.threads if t.waiting_on is not None}
    edges = []
    for lane, t in enumerate(report.threads):
        if t.waiting_on is None:
            continue
        held = [object_name(lock, report.owners) for lock, _ in t.held]
        # The lock another member of the cycle waits for is the one that closes it.
        holds = next((name for name in held if name in waited), " and ".join(held))
        edges.append(CycleEdge(lane, holds or "nothing",
                               describe_wait(t.waiting_on, report.owners), _where(t.wait_site)))
    return tuple(edges)


def with_cycle(timeline: Timeline, source: DeadlockReport | Inversion) -> Timeline:
    """`timeline` (`contention.explore`'s: one lane per thread, by name) with the cycle of
    the deadlock or lock-order inversion that ended its schedule, for the picture: the
    report is `DeadlockError.report` for a deadlock, an `Inversion` of the run's lock-order
    graph for an inversion. Threads of the cycle that have no lane get one."""
    lanes = list(timeline.lanes)
    if isinstance(source, Inversion):
        drawn = of_inversion(source, "")
        edges = [dataclasses.replace(e, lane=_lane(lanes, drawn.lanes[e.lane]))
                 for e in drawn.cycle]
    else:
        edges = [dataclasses.replace(e, lane=_lane(lanes, source.threads[e.lane].name))
                 for e in cycle_of(source)]
    return dataclasses.replace(timeline, lanes=tuple(lanes), cycle=tuple(edges))


def _deadlock_headline(report: DeadlockReport, edges: Sequence[CycleEdge]) -> str:
    names = [t.name for t in report.threads]
    if report.kind == "self" and edges:
        return f"{names[edges[0].lane]} waits for {edges[0].waits}, which it already holds"
    if report.kind == "cycle" and edges:
        return "; ".join(f"{names[e.lane]} holds {e.holds} and waits for {e.waits}"
                         for e in edges)
    if report.kind == "all-blocked":
        return "every thread waits, and none of them can give what another waits for"
    return ""


def of_deadlock(report: DeadlockReport, diagnosis: str, text: str) -> Timeline:
    """A deadlock (or, `kind == "timeout"`, a hang) when it was reported: each thread's
    acquisitions (the start of its holds), then its wait, highlighted."""
    lanes = tuple(t.name for t in report.threads)
    rows: list[Row] = []
    holds: list[Hold] = []
    for lane, t in enumerate(report.threads):
        for lock, site in t.held:
            name = object_name(lock, report.owners)
            holds.append(Hold(lane, name, len(rows)))
            rows.append(Row(lane, _where(site), _code(site), f"acquire {name}"))
    for lane, t in enumerate(report.threads):
        stack = list(report.stacks.get(t.name, ()))
        if t.waiting_on is not None:
            timed = " (with a timeout)" if t.timed else ""
            rows.append(Row(lane, _where(t.wait_site), _code(t.wait_site),
                            f"waits for {describe_wait(t.waiting_on, report.owners)}{timed}",
                            conflict=True))
        elif stack:
            rows.append(Row(lane, note=stack[0].strip(), conflict=True))
            stack = stack[1:]
        rows.extend(Row(lane, note=line.strip()) for line in stack)
    edges = cycle_of(report) if report.kind in ("cycle", "self") else ()
    headline = _deadlock_headline(report, edges) or headline_of(text, diagnosis)
    return Timeline(diagnosis, headline, lanes, tuple(rows), tuple(holds), edges, text=text)


def of_inversion(inversion: Inversion, text: str) -> Timeline:
    """Locks taken in opposite orders: per edge, the first acquisition (a hold) and the
    second one under it (highlighted); the edges drawn as the cycle they would close."""
    lanes: list[str] = []
    rows: list[Row] = []
    holds: list[Hold] = []
    edges: list[CycleEdge] = []
    for edge in inversion.edges:
        lane = _lane(lanes, edge.thread)
        first = object_name(edge.first, inversion.owners)
        second = object_name(edge.second, inversion.owners)
        start = len(rows)
        rows.append(Row(lane, _where(edge.first_site), _code(edge.first_site),
                        f"acquire {first}"))
        rows.append(Row(lane, _where(edge.second_site), _code(edge.second_site),
                        f"acquire {second} while holding {first}", conflict=True))
        holds.append(Hold(lane, first, start, start + 1))
        edges.append(CycleEdge(lane, first, second, _where(edge.second_site)))
    orders = "; ".join(f"{lanes[e.lane]} takes {e.holds} then {e.waits}" for e in edges)
    headline = (f"{orders}: run at the same time, each can wait for ever for the lock "
                "the other holds")
    return Timeline("deadlock", headline, tuple(lanes), tuple(rows), tuple(holds),
                    tuple(edges), text=text)


# ---------------------------------------------------------------------------------------
# Leaks and exceptions


def of_leaks(leaked: Sequence[LeakedThread], text: str) -> Timeline:
    """Threads that outlived their test: where each was started (its lane's first row)
    and, as its `LeakedLane`, where it is now."""
    lanes = tuple(leak.name for leak in leaked)
    rows = []
    lost = []
    for lane, leak in enumerate(leaked):
        started = leak.started_at
        function = f" in {started.function}" if started is not None else ""
        rows.append(Row(lane, _where(started), _code(started), f"started here{function}"))
        now = leak.now_at
        where_now = (f"{now.short} in {now.function}: {now.source}" if now is not None
                     else "outside your code (in a library or C call)")
        if leak.waiting is not None:
            where_now += f" (waiting for {leak.waiting})"
        started_text = (f"{started.short} in {started.function}: {started.source}"
                        if started is not None else "")
        lost.append(LeakedLane(lane, leak.daemon, started_text, where_now))
    count = len(leaked)
    names = ", ".join(repr(leak.name) for leak in leaked)
    headline = (f"{names} {'is' if count == 1 else 'are'} still running after the test "
                "ended: nothing stopped " + ("it" if count == 1 else "them"))
    return Timeline("leak", headline, lanes, tuple(rows), leaks=tuple(lost), text=text)


def _user_frames(tb: types.TracebackType | None) -> list[Site]:
    """The learner's frames an exception went through, outermost first."""
    found = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if is_user_file(code.co_filename):
            found.append(Site(code.co_filename, tb.tb_lineno, code.co_name))
        tb = tb.tb_next
    return found


def _raised_rows(lane: int, exc: BaseException, note: str) -> list[Row]:
    """The traceback in the learner's files as rows; the last one, where it was raised,
    highlighted."""
    frames = _user_frames(exc.__traceback__)
    try:
        message = str(exc).strip().splitlines()
    except Exception:  # the learner's __str__ failed: as the traceback module says it
        message = ["<exception str() failed>"]
    raised = f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__
    rows = [Row(lane, site.short, site.source, f"in {site.function}") for site in frames[:-1]]
    last = frames[-1] if frames else None
    rows.append(Row(lane, _where(last), _code(last), f"raises {raised}{note}", conflict=True))
    return rows


def of_thread_exception(thread: str, exc: BaseException, started_at: Site | None,
                        text: str) -> Timeline:
    """An exception that ended a thread: where it was started (in the starter's lane)
    and the thread's traceback in the learner's files."""
    lanes = ["the test", thread] if started_at is not None else [thread]
    rows = []
    if started_at is not None:
        rows.append(Row(0, started_at.short, started_at.source, f"starts {thread}"))
    rows.extend(_raised_rows(len(lanes) - 1, exc,
                             " and ends the thread; nobody sees it"))
    headline = (f"{thread} raised {type(exc).__name__} and ended; the code that started "
                "it went on as if all was well")
    return Timeline("lost-exception", headline, tuple(lanes), tuple(rows), text=text)


def of_unretrieved(items: Sequence[tuple[str, BaseException]], text: str) -> Timeline:
    """Futures whose exception nobody asked for: each in its worker's lane."""
    lanes: list[str] = []
    rows: list[Row] = []
    for thread, exc in items:
        rows.extend(_raised_rows(_lane(lanes, thread), exc,
                                 "; nobody calls result() or exception() on its future"))
    kinds = ", ".join(sorted({type(exc).__name__ for _, exc in items}))
    headline = f"a future's {kinds} was never retrieved: the failure vanished"
    return Timeline("lost-exception", headline, tuple(lanes), tuple(rows), text=text)


def of_text(diagnosis: str, text: str) -> Timeline:
    """A failure known only as text (a test's own error, a kata that does not run)."""
    return Timeline(diagnosis, headline_of(text, diagnosis), (), text=text)


def merged(timelines: Sequence[Timeline]) -> Timeline:
    """Several timelines of one diagnosis as one picture (exceptions in three threads:
    three lanes side by side, not three pages of one lane): lanes of the same name are
    one lane, rows follow each other, the texts are joined. A deadlock's cycles are kept
    apart: merge only timelines without one."""
    if len(timelines) == 1:
        return timelines[0]
    lanes: list[str] = []
    rows: list[Row] = []
    holds: list[Hold] = []
    leaks: list[LeakedLane] = []
    for timeline in timelines:
        lane_of = {n: _lane(lanes, name) for n, name in enumerate(timeline.lanes)}
        base = len(rows)
        rows.extend(dataclasses.replace(row, lane=lane_of.get(row.lane, row.lane))
                    for row in timeline.rows)
        holds.extend(dataclasses.replace(
            hold, lane=lane_of.get(hold.lane, hold.lane), start=hold.start + base,
            end=None if hold.end is None else hold.end + base) for hold in timeline.holds)
        leaks.extend(dataclasses.replace(leak, lane=lane_of.get(leak.lane, leak.lane))
                     for leak in timeline.leaks)
    first = timelines[0]
    headline = "; ".join(dict.fromkeys(t.headline for t in timelines))
    return Timeline(first.diagnosis, headline, tuple(lanes), tuple(rows), tuple(holds),
                    leaks=tuple(leaks), text="\n\n".join(t.text for t in timelines),
                    extra=dict(first.extra))
