"""Learner-facing text: pure functions from data to strings.

Every report starts with `threadlesson: <diagnosis>`, names threads stably (`Thread-1`,
never CPython's drifting numbers), and points at lines of the learner's own files.
"""

from __future__ import annotations

import os
import traceback
import types
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import interleaving
from .engine.naming import describe_wait, object_name
from .frames import Site, is_user_file
from .timeline import Timeline

if TYPE_CHECKING:
    from .engine.naming import LeakedThread
    from .engine.outcome import Step
    from .engine.waits import DeadlockReport, Inversion

MAX_STEPS = 40


# ---------------------------------------------------------------------------------------
# Deadlocks


_TITLES = {
    "cycle": "deadlock: threads wait for each other in a cycle, and none can move",
    "all-blocked": "deadlock: every thread is waiting and none can move",
    "self": "deadlock: a thread waits for a lock it already holds",
    "timeout": "no progress before the deadlock timeout: every thread, where it is now",
    "interrupted": "interrupted (Ctrl-C): every thread of the test, where it was",
}


def render_deadlock(report: DeadlockReport) -> str:
    lines = [f"threadlesson: {_TITLES.get(report.kind, 'deadlock')}"]
    width = max((len(t.name) for t in report.threads), default=8)
    for t in report.threads:
        pad = " " * width
        held = [(object_name(lock, report.owners), site) for lock, site in t.held]
        holds = [f"holds {name}" + (f"   (acquired {site.short})" if site else "")
                 for name, site in held]
        if not holds:
            holds = ["holds nothing"]
        lines.append(f"  {t.name:<{width}} {holds[0]}")
        lines.extend(f"  {pad} {h}" for h in holds[1:])
        if t.waiting_on is not None:
            what = describe_wait(t.waiting_on, report.owners)
            where = f"   ({t.wait_site.short})" if t.wait_site is not None else ""
            timed = " with a timeout" if t.timed else ""
            lines.append(f"  {pad} waits  {what}{timed}{where}")
            if t.wait_site is not None and t.wait_site.source:
                lines.append(f"  {pad}        {t.wait_site.source}")
        stack = report.stacks.get(t.name)
        if stack:
            lines.extend(f"  {pad} {line}" for line in stack)
    if report.kind == "self":
        lines.append("  (a threading.Lock can be held once: taking it again waits forever)")
    return "\n".join(lines)


def render_inversion(inversion: Inversion) -> str:
    lines = ["threadlesson: deadlock: lock-order inversion: locks taken in opposite orders",
             "  (this run did not hang; when these paths run in two threads at once, "
             "they will)"]
    for edge in inversion.edges:
        first = object_name(edge.first, inversion.owners) + (
            f" ({edge.first_site.short})" if edge.first_site else "")
        second = object_name(edge.second, inversion.owners) + (
            f" ({edge.second_site.short})" if edge.second_site else "")
        lines.append(f"  {edge.thread} took {first}")
        lines.append(f"  {' ' * len(edge.thread)}  then {second}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Leaks and exceptions in threads


def render_leaks(leaks: Sequence[LeakedThread], accept: Sequence[str] = (),
                 at_import: bool = False) -> str:
    """`accept`: the ignore rules that would accept these threads, shown last, pasteable
    (none for katas: there the lesson is to end the thread). `at_import`: the threads were
    started when the kata module was imported, not by the test."""
    count = len(leaks)
    what = "started when the kata module was imported" if at_import else "outlived the test"
    lines = [f"threadlesson: leak: {count} thread{'s' if count != 1 else ''} {what}"]
    for leak in leaks:
        flag = "daemon" if leak.daemon else "non-daemon"
        target = f", target {leak.target}" if leak.target else ""
        started = (f" started at {leak.started_at.short} in {leak.started_at.function}"
                   if leak.started_at else "")
        lines.append(f"  {leak.name!r} ({flag}{target}){started}")
        if leak.now_at is not None:
            lines.append(f"  now at {leak.now_at.short} in {leak.now_at.function}: "
                         f"{leak.now_at.source}")
        elif leak.waiting is None:
            lines.append("  now outside your code (in a library or C call)")
        if leak.waiting is not None:
            lines.append(f"  waiting for {leak.waiting}")
    if any(leak.left_running for leak in leaks):
        lines.append("  (a multiprocessing pool's or queue's threads are left running: stopping "
                     "them would hang its clean-up; close the pool in the test, `with Pool() "
                     "as pool:` or pool.close() and pool.join())")
    if any(leak.daemon for leak in leaks):
        lines.append("  (daemon=True does not stop a thread: it only stops Python "
                     "from waiting for it)")
    if accept:
        rules = ", ".join(f'"{rule}"' for rule in accept)
        these = "this one" if count == 1 else "these"
        lines.append(f"  to accept threads like {these}: "
                     f"@pytest.mark.threadlesson(leak_ignore=[{rules}])")
        if len(accept) == 1:
            lines.append(f"  (or for every test, in the ini file: "
                         f"threadlesson_leak_ignore = {accept[0]})")
        else:
            lines.append("  (or for every test, in the ini file, one rule a line:")
            lines.append("      threadlesson_leak_ignore =")
            lines.extend(f"          {rule}" for rule in accept)
            lines.append("  )")
    if at_import:
        lines.append("  (start threads inside functions, not at import time)")
    return "\n".join(lines)


def render_thread_exception(thread: str, exc: BaseException,
                            started_at: Site | None = None) -> str:
    where = f" (started at {started_at.short})" if started_at else ""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    body = "\n".join("  " + line for line in _user_traceback(tb).rstrip().splitlines())
    return (f"threadlesson: lost-exception: an exception in thread {thread!r}{where} "
            f"that the caller never saw\n{body}")


# Pasteable: how a test says it drops failing futures on purpose.
DROPPED_OK = "@pytest.mark.threadlesson(dropped_exceptions_ok=True)"


def render_unretrieved(items: Sequence[tuple[str, BaseException]], *,
                       hint: bool = True) -> str:
    """`hint`: end with how to say the test means it (not for katas: there the lesson is
    to handle the failure, not to declare it fine)."""
    lines = ["threadlesson: lost-exception: a Future's exception was never retrieved"]
    for thread, exc in items:
        lines.append(f"  in {thread}: {type(exc).__name__}: {exc}")
        site = innermost_user_site(exc.__traceback__)
        if site is not None:
            lines.append(f"    raised at {site.short} in {site.function}: {site.source}")
    lines.append("  (nobody called result() or exception() on its future)")
    if hint:
        lines.append(f"  to say the test means it: {DROPPED_OK}")
    return "\n".join(lines)


def _user_traceback(text: str) -> str:
    """Keep the learner's own frames of a traceback; drop ours and the library's."""
    out: list[str] = []
    skip = False
    for line in text.splitlines(keepends=True):
        if line.startswith('  File "'):
            skip = not is_user_file(line.split('"', 2)[1])
        elif not line.startswith("    "):
            skip = False
        if not skip:
            out.append(line)
    return "".join(out)


def innermost_user_site(tb: types.TracebackType | None) -> Site | None:
    """The last line of the learner's code an exception went through."""
    found: Site | None = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if is_user_file(code.co_filename):
            found = Site(code.co_filename, tb.tb_lineno, code.co_name)
        tb = tb.tb_next
    return found


# ---------------------------------------------------------------------------------------
# Races: the interleaving that broke the scenario


def describe_failure(thread: str, exc: BaseException) -> list[str]:
    """The failing statement and its message: `assert c.value == 3  ->  2 == 3`."""
    site = innermost_user_site(exc.__traceback__)
    message = str(exc).strip().splitlines()
    first = message[0] if message else ""
    if isinstance(exc, AssertionError):
        if first.startswith("assert "):
            first = first[len("assert "):]
        source = site.source if site is not None else "assert ..."
        line = f"{source}  ->  {first}" if first else source
    else:
        line = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    lines = [f"  {line}"]
    if site is not None:
        lines.append(f"  in {thread} at {site.short} in {site.function}")
    return lines


def shown_steps(steps: Sequence[Step], names: Sequence[str]) -> int:
    """How many steps a run took, as shrinking counts them (its runs are not noted, so
    which of them the report would show is not known yet)."""
    return len(steps)


def failing_site(exc: BaseException | None) -> tuple[str, int] | None:
    """The file (base name) and line where `exc` was raised in the learner's code."""
    site = innermost_user_site(exc.__traceback__) if exc is not None else None
    return None if site is None else (os.path.basename(site.filename), site.lineno)


def traceback_lines(exc: BaseException) -> list[str]:
    """The frames of the learner's own files an exception went through."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    kept = _user_traceback(tb).rstrip().splitlines()
    return ["  " + line for line in kept if not line.startswith("Traceback")
            and line.strip() and not line.startswith(type(exc).__name__)]


def render_steps(steps: Sequence[Step], names: Sequence[str],
                 failing: tuple[str, int] | None = None) -> list[str]:
    """The interleaving: one column per thread, each step with its line of code and what
    it did to shared state, the conflict named first (`interleaving.py`)."""
    rows, named = interleaving.rows_of(steps, failing)
    lines = interleaving.render(rows, names)
    if named and lines:
        lines.insert(0, "  " + interleaving.headline(named, names))
        lines.insert(1, "")
    return lines


def build_timeline(diagnosis: str, lines: Sequence[str], steps: Sequence[Step],
                   names: Sequence[str], text: str,
                   extra: dict[str, str] | None = None,
                   failing: tuple[str, int] | None = None) -> Timeline:
    """A failure as data: one lane per thread, the rows the report shows, the conflict
    named (or the report's first line of detail) as the headline."""
    rows, named, holds = interleaving.picture_of(steps, failing)
    head = interleaving.headline(named, names) if named else \
        next((line.strip() for line in lines if line.strip()), diagnosis)
    return Timeline(diagnosis, head, tuple(names), tuple(rows), holds, text=text,
                    extra=dict(extra or {}))


# ---------------------------------------------------------------------------------------
# The learner's closing summary


def wrap(text: str, indent: str = "  ", width: int = 78) -> list[str]:
    import textwrap

    out: list[str] = []
    for paragraph in text.split("\n\n"):
        joined = " ".join(line.strip() for line in paragraph.splitlines())
        if out:
            out.append("")
        out.extend(textwrap.wrap(joined, width=width, initial_indent=indent,
                                 subsequent_indent=indent) or [indent.rstrip()])
    return out


def render_explanation(kata: str, title: str, diagnosis: str | None, what: str,
                       explanation: str) -> str:
    """Under a failing kata: what went wrong in this run, and the bug class, never the fix."""
    name = {"race": "a race condition", "deadlock": "a deadlock", "leak": "a leaked thread",
            "lost-exception": "a lost exception", "broken": "code that does not run",
            "hang": "a hang", "exception": "an exception that is no race"}.get(
                diagnosis or "", "a failing test")
    lines = [f"{kata} ({title}): {name}."]
    if what:
        lines.extend(wrap(what, indent=""))
    if explanation and diagnosis != "broken":
        lines.append("")
        lines.extend(wrap(explanation, indent=""))
    return "\n".join(lines)


def what_went_wrong(diagnosis: str | None) -> str:
    return {
        "race": "In the interleaving shown above, the threads ran in an order your code did "
                "not expect, and the result came out wrong.",
        "deadlock": "The threads above each wait for something that only another waiting "
                    "thread could give: none of them can ever move again.",
        "leak": "A thread your code started was still running when the test ended: nothing "
                "stopped it, or nobody waited for it to stop.",
        "lost-exception": "A thread raised an exception, but the code that started it went "
                          "on as if all was well: the caller never saw the error.",
        "broken": "The kata file does not run as it is: fix what the message names first.",
        "hang": "A thread never finished: an endless loop, or a wait nothing ends.",
        "exception": "A thread raised an exception that has nothing to do with timing: it "
                     "happens in every interleaving. Fix what the traceback above names "
                     "first.",
    }.get(diagnosis or "", "")


def render_signature_error(exc: BaseException, site: Site | None) -> str:
    """`site`: where the badly called function is defined (`naming.signature_site`)."""
    lines = ["threadlesson: the tests call your code in a way its definition does not accept",
             f"  TypeError: {exc}"]
    if site is not None:
        lines.append(f"  defined at {site.short}: {site.source}")
    lines.append("  (the kata's docstring names its API: keep the names and signatures)")
    return "\n".join(lines)
