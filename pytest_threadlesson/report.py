"""Learner-facing text: pure functions from data to strings.

Every report starts with `threadlesson: <diagnosis>`, names threads stably (`Thread-1`,
never CPython's drifting numbers), and points at lines of the learner's own files.
"""

from __future__ import annotations

import gc
import sys
import traceback
import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .frames import Site, is_user_file, site_of

if TYPE_CHECKING:
    from .engine.runtime import Step
    from .engine.waits import DeadlockReport, Inversion

MAX_STEPS = 40


def locate(obj: Any) -> tuple[Any, str] | None:
    """The object and attribute that hold `obj` (`account`, "lock"), found without running
    any of the learner's code: safe under the engine's mutex."""
    return locate_all([obj]).get(id(obj))


def locate_all(objs: list[Any]) -> dict[int, tuple[Any, str] | None]:
    """`locate` for many objects at once: two scans of the heap in all, not two each (a
    deadlock report names every lock it shows, and it is built while threads wait)."""
    wanted = {id(o): o for o in objs}
    found: dict[int, tuple[Any, str] | None] = dict.fromkeys(wanted)
    via_dict: dict[int, list[tuple[int, str]]] = {}
    dicts: list[dict[Any, Any]] = []
    for ref in gc.get_referrers(*wanted.values()):
        if isinstance(ref, (types.FrameType, type)):
            continue
        if isinstance(ref, dict):
            hits = [(id(v), k) for k, v in ref.items()
                    if isinstance(k, str) and id(v) in wanted and v is wanted[id(v)]]
            if hits:
                via_dict[id(ref)] = hits
                dicts.append(ref)
            continue
        inst = _instance_dict(ref)
        if inst is None or type(ref).__module__.startswith("pytest_threadlesson"):
            continue
        for k, v in inst.items():
            if id(v) in wanted and v is wanted[id(v)] and found[id(v)] is None:
                found[id(v)] = (ref, k)
    if dicts:
        for owner in gc.get_referrers(*dicts):
            if isinstance(owner, type):
                continue
            owned = owner.__dict__ if isinstance(owner, types.ModuleType) else \
                _instance_dict(owner)
            if owned is None or id(owned) not in via_dict:
                continue
            if type(owner).__module__.startswith("pytest_threadlesson"):
                continue
            for target, attr in via_dict[id(owned)]:
                if found[target] is None:
                    found[target] = (owner, attr)
    return found


def _instance_dict(obj: Any) -> dict[str, Any] | None:
    try:
        found = object.__getattribute__(obj, "__dict__")
    except (AttributeError, TypeError):
        return None
    return found if isinstance(found, dict) else None


def waited_object(waitable: Any) -> Any:
    """The primitive a learner would name for what a thread waits on."""
    condition = getattr(waitable, "condition", None)
    if condition is not None:
        described = getattr(condition, "_described_by", None)
        return described if described is not None else condition
    if hasattr(waitable, "_locked"):
        return waitable
    return None


def object_name(obj: Any, owners: dict[int, Any] | None = None) -> str:
    """How the learner would name `obj`: `Account('alice').lock`, else kind and birthplace."""
    entry = owners.get(id(obj)) if owners else None
    located = entry[1] if entry is not None else locate(obj)
    if located is not None:
        owner, attr = located
        label = _owner_label(owner)
        if label is not None:
            return f"{label}.{attr}"
    created: Site | None = getattr(obj, "_created_at", None)
    where = f" ({created.short})" if created is not None else ""
    serial = getattr(obj, "_serial", None)
    number = f" #{serial}" if serial else ""
    return f"{_kind(obj)}{number}{where}"


def _kind(obj: Any) -> str:
    return type(obj).__name__


def _owner_label(owner: Any) -> str | None:
    if isinstance(owner, types.ModuleType):
        return owner.__name__.rsplit(".", 1)[-1]
    cls = type(owner)
    module = getattr(cls, "__module__", "")
    if module in ("queue", "concurrent.futures._base"):
        return f"{module.rsplit('.', 1)[-1]}.{cls.__name__}"
    if cls.__repr__ is not object.__repr__:  # type: ignore[comparison-overlap]
        try:
            text = repr(owner)
        except BaseException:
            return cls.__name__
        if " at 0x" not in text and len(text) <= 40:
            return text
    return cls.__name__


def describe_wait(waitable: Any, owners: dict[int, Any] | None = None) -> str:
    """What a thread waits for, in words: `Account('bob').lock`, `thread 'w' to finish`."""
    obj = waited_object(waitable)
    if obj is not None:
        return object_name(obj, owners)
    describe = getattr(waitable, "describe", None)
    return str(describe()) if describe is not None else type(waitable).__name__


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


@dataclass
class LeakedThread:
    name: str
    daemon: bool
    target: str | None
    started_at: Site | None
    now_at: Site | None
    waiting: str | None = None


def describe_leak(thread: Any, name: str, started_at: Site | None,
                  waiting_on: Any = None) -> LeakedThread:
    frame = sys._current_frames().get(thread.ident) if thread.ident else None
    target = getattr(thread, "_target", None)
    target_name = getattr(target, "__qualname__", None) if target is not None else None
    waiting = describe_wait(waiting_on) if waiting_on is not None else None
    return LeakedThread(name, bool(thread.daemon), target_name, started_at, site_of(frame),
                        waiting)


def render_leaks(leaks: Sequence[LeakedThread], accept: Sequence[str] = ()) -> str:
    """`accept`: the ignore rules that would accept these threads, shown last, pasteable
    (none for katas: there the lesson is to end the thread)."""
    count = len(leaks)
    lines = [f"threadlesson: leak: {count} thread{'s' if count != 1 else ''} "
             "outlived the test"]
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


def render_steps(steps: Sequence[Step], names: Sequence[str]) -> list[str]:
    """The interleaving as one column per thread (or one row per step when too wide).

    Trimmed to the steps that matter: after the other threads' last step, the scenario's
    own thread only joins and checks, so only its last two steps (the check) stay."""
    steps = list(steps)
    others = [i for i, step in enumerate(steps) if step.thread != 0]
    if others and len(steps) - others[-1] > 3:
        steps = steps[:others[-1] + 1] + steps[-2:]
    shown = steps[-MAX_STEPS:]
    hidden = len(steps) - len(shown)
    if not shown:
        return []
    order: list[int] = []
    for step in shown:
        if step.thread not in order:
            order.append(step.thread)

    def cell(step: Step) -> str:
        return f"{step.site.short}  {step.site.source}"

    width = min(max(len(cell(s)) for s in shown), 52) + 2
    lines = []
    if hidden:
        lines.append(f"  ({hidden} earlier steps not shown)")
    if len(order) <= 3 and 8 + width * len(order) <= 120:
        header = "  step  " + "".join(f"{names[t]:<{width}}" for t in order)
        lines.append(header.rstrip())
        for n, step in enumerate(shown, hidden + 1):
            col = order.index(step.thread)
            text = cell(step)
            if len(text) > width - 2:
                text = text[: width - 5] + "..."
            lines.append(f"  {n:>4}  " + " " * (width * col) + text)
        return lines
    name_width = max(len(names[t]) for t in order)
    for n, step in enumerate(shown, hidden + 1):
        lines.append(f"  {n:>4}  {names[step.thread]:<{name_width}}  {cell(step)}")
    return lines


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
            "hang": "a hang"}.get(diagnosis or "", "a failing test")
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
    }.get(diagnosis or "", "")


def signature_site(exc: BaseException) -> Site | None:
    """Where the learner defined the function that a TypeError says was badly called:
    `Counter.increment() missing 1 required positional argument` -> its `def` line."""
    import inspect
    import re

    match = re.match(r"([A-Za-z_][\w.]*)\(\)", str(exc))
    if match is None:
        return None
    parts = match.group(1).split(".")
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if not filename or not is_user_file(filename):
            continue
        obj: Any = vars(module).get(parts[0])  # never a module __getattr__'s stand-in
        try:
            for part in parts[1:]:
                obj = inspect.getattr_static(obj, part, None)
            if obj is None:
                continue
            func = inspect.unwrap(obj)
            source_file = inspect.getsourcefile(func)
            _, lineno = inspect.getsourcelines(func)
        except (TypeError, OSError, ValueError):
            continue
        if source_file and is_user_file(source_file):
            return Site(source_file, lineno, match.group(1))
    return None


def render_signature_error(exc: BaseException) -> str:
    site = signature_site(exc)
    lines = ["threadlesson: the tests call your code in a way its definition does not accept",
             f"  TypeError: {exc}"]
    if site is not None:
        lines.append(f"  defined at {site.short}: {site.source}")
    lines.append("  (the kata's docstring names its API: keep the names and signatures)")
    return "\n".join(lines)
