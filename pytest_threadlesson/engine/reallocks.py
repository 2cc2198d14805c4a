"""Locks the plugin did not make, met by a thread that the scheduler runs.

A lock created before the test (at import, by a library, as a default argument) is the
interpreter's own, not one of ours. Under `explore` only one thread runs at a time; if it
blocks in such a lock while the thread that holds it waits for its turn, nothing moves.
So before a traced thread runs an instruction that takes one (`with LOCK:`,
`self._lock.acquire()`, `EVENT.wait()`), the scheduler finds the object the instruction is
about to use, by doing again, without side effects, the loads that put it on the stack.
When it is a real lock that someone else holds, the thread waits for it as for one of
ours: blocked, while the scheduler runs the others, and ready once the lock is free. The
instruction then runs and takes the lock at once. Whether it is free is a fact of the
schedule (only the thread with the baton runs), so the same seed gives the same run.

What is recognised: `with X:`, `X.acquire()` and `X.wait()` with no arguments, where `X`
is a name, a global, a closure variable or a chain of plain attributes of one, and the
object is a real `threading.Lock`, `RLock`, `Condition` (its lock), `Semaphore`,
`BoundedSemaphore` or (for `wait`) `Event`. A real lock taken any other way (inside a
library, through a subscript or a call) is a wait the scheduler cannot see; `ControlledRun`
lets the others run while such a thread is blocked (see `ControlledRun.release_stuck`).
"""

from __future__ import annotations

import _thread
import dis
import inspect
import threading
import types
from dataclasses import dataclass
from typing import Any, Protocol

from ..frames import Site
from .threads import ThreadRec, Waitable, mutex
from .tracing import refresh_locals

# The originals, captured at import, before anything is patched.
_LOCK = _thread.LockType
_RLOCK = _thread.RLock
_CONDITION = threading.Condition
_SEMAPHORES = (threading.Semaphore, threading.BoundedSemaphore)
_EVENT = threading.Event

_MISSING = object()

# Loads that start an expression, by what they read: the frame's variables (locals,
# cells, free variables) or its globals (and builtins).
_ROOTS = {
    "LOAD_FAST": "local", "LOAD_FAST_CHECK": "local", "LOAD_FAST_BORROW": "local",
    "LOAD_DEREF": "local", "LOAD_CLASSDEREF": "local",
    "LOAD_GLOBAL": "global", "LOAD_NAME": "name",
}
_WITH = {"BEFORE_WITH", "SETUP_WITH"}  # 3.10: SETUP_WITH; 3.11 to 3.13: BEFORE_WITH
_CALL = {"CALL", "CALL_METHOD", "CALL_FUNCTION"}
_METHODS = {"LOAD_METHOD", "LOAD_ATTR"}


@dataclass(frozen=True)
class AcquireSite:
    """An instruction that takes (or waits for) the object the loads in `chain` name."""

    chain: tuple[tuple[str, str], ...]  # ("local" | "global" | "name" | "attr", name)
    method: str  # "acquire" (a with-statement too) or "wait"

    @property
    def text(self) -> str:
        return ".".join(name for _, name in self.chain)


def acquire_sites(code: types.CodeType) -> dict[int, AcquireSite]:
    """The instructions of `code` that may take a lock, by offset (as `frame.f_lasti`).
    The caller caches the answer per code object."""
    try:
        return _find_sites(code)
    except Exception:  # a byte-code shape `dis` does not know: no cooperation there
        return {}


def _find_sites(code: types.CodeType) -> dict[int, AcquireSite]:
    raw = list(dis.get_instructions(code))
    # An EXTENDED_ARG prefix is where the interpreter reports the instruction it extends.
    prefix: dict[int, list[int]] = {}
    ins: list[dis.Instruction] = []
    pending: list[int] = []
    for i in raw:
        if i.opname == "EXTENDED_ARG":
            pending.append(i.offset)
            continue
        if pending:
            prefix[i.offset] = pending
            pending = []
        ins.append(i)
    sites: dict[int, AcquireSite] = {}

    def add(at: dis.Instruction, chain: tuple[tuple[str, str], ...] | None,
            method: str) -> None:
        if chain is None:
            return
        site = AcquireSite(chain, method)
        for offset in (at.offset, *prefix.get(at.offset, ())):
            sites[offset] = site

    for j, i in enumerate(ins):
        if i.opname in _WITH:
            add(i, _chain_ending(ins, j - 1), "acquire")
        elif i.opname == "LOAD_SPECIAL" and i.argrepr == "__enter__":
            # 3.14: COPY 1; LOAD_SPECIAL __exit__; SWAP 2; SWAP 3; LOAD_SPECIAL __enter__; CALL 0
            if j >= 4 and ins[j - 4].opname == "COPY" and j + 1 < len(ins) \
                    and ins[j + 1].opname in _CALL:
                add(ins[j + 1], _chain_ending(ins, j - 5), "acquire")
        elif i.opname in _METHODS and i.argval in ("acquire", "wait"):
            k = j + 1
            if k < len(ins) and ins[k].opname == "PRECALL":  # 3.11
                k += 1
            if k < len(ins) and ins[k].opname in _CALL and ins[k].arg == 0:
                add(ins[k], _chain_ending(ins, j - 1), str(i.argval))
    return sites


def _chain_ending(ins: list[dis.Instruction], j: int) -> tuple[tuple[str, str], ...] | None:
    """The loads `name.attr.attr` that end at instruction `j`, or None if it is not one."""
    chain: list[tuple[str, str]] = []
    while j >= 0 and ins[j].opname == "LOAD_ATTR" and "NULL" not in ins[j].argrepr:
        chain.append(("attr", str(ins[j].argval)))
        j -= 1
    if j < 0 or ins[j].opname not in _ROOTS or not isinstance(ins[j].argval, str):
        return None
    chain.append((_ROOTS[ins[j].opname], ins[j].argval))
    return tuple(reversed(chain))


def resolve(frame: types.FrameType, site: AcquireSite) -> Any:
    """The object `site` is about to use in `frame`, found without running any code of the
    program (no property, no `__getattr__`), or None."""
    (kind, name), attrs = site.chain[0], site.chain[1:]
    if kind == "local":
        obj = frame.f_locals.get(name, _MISSING)
    else:
        obj = _MISSING
        if kind == "name":
            obj = frame.f_locals.get(name, _MISSING)
        if obj is _MISSING:
            obj = frame.f_globals.get(name, _MISSING)
        if obj is _MISSING:
            obj = frame.f_builtins.get(name, _MISSING)
    for _, attr in attrs:
        if obj is _MISSING:
            break
        obj = _static_attr(obj, attr)
    return None if obj is _MISSING else obj


def _static_attr(obj: Any, name: str) -> Any:
    try:
        value = inspect.getattr_static(obj, name, _MISSING)
    except Exception:
        return _MISSING
    if isinstance(value, types.MemberDescriptorType):  # a __slots__ attribute
        try:
            return value.__get__(obj, type(obj))
        except AttributeError:
            return _MISSING
    return value


class RealWait:
    """A wait for a real lock (or event) that the scheduler watches instead of blocking."""

    def __init__(self, obj: Any, site: AcquireSite,
                 owners: dict[int, tuple[Any, ThreadRec, Any]]) -> None:
        self.obj = obj
        self.site = site
        self.waiters: list[ThreadRec] = []
        self._owners = owners
        self._waiter = _thread.get_ident()

    def ready(self) -> bool:
        """Would the instruction go through at once, for the waiting thread? Asked only by
        a thread that runs with the baton (the waiter itself or another): nothing else
        changes the lock meanwhile."""
        lock = lock_of(self.obj)
        if type(lock) is _RLOCK and lock._is_owned():  # type: ignore[attr-defined]
            return _thread.get_ident() == self._waiter  # an RLock of the asking thread
        return is_free(self.obj)

    def owners(self) -> list[ThreadRec]:
        lock = lock_of(self.obj)
        entry = self._owners.get(id(lock)) if lock is not None else None
        return [entry[1]] if entry is not None and not entry[1].finished else []

    def describe(self) -> str:
        kind = type(self.obj).__name__
        what = "to be set" if self.site.method == "wait" else "to be released"
        return f"{self.site.text} {what} (a real {kind}, made before the test)"


class Host(Protocol):
    """The controlled run, as far as a wait for a real lock needs it."""

    real_owners: dict[int, tuple[Any, ThreadRec, Site]]
    real_waits: int

    def park(self, rec: ThreadRec, waitable: Waitable, ready: Any,
             timeout: float | None, site: Site | None) -> bool: ...


def wait_cooperatively(host: Host, rec: ThreadRec, frame: types.FrameType,
                       site: AcquireSite) -> None:
    """`frame` is about to take (or wait for) what `site` names: when that is a real lock
    someone else holds, `rec` waits for it here, parked in `host` while the others run."""
    obj = resolve(frame, site)
    if obj is None or not cooperative(obj, site.method):
        return
    code = frame.f_code
    where = Site(code.co_filename, frame.f_lineno or 0, code.co_name)
    with mutex:
        if not is_free(obj):
            wait = RealWait(obj, site, host.real_owners)
            host.real_waits += 1
            try:
                host.park(rec, wait, wait.ready, None, where)
            finally:
                host.real_waits -= 1
            refresh_locals(frame)
        lock = lock_of(obj)
        if lock is not None and site.method == "acquire":
            host.real_owners[id(lock)] = (lock, rec, where)


def cooperative(obj: Any, method: str) -> bool:
    """Is `obj` a real lock or event that `method` at a site would block on?"""
    kind = type(obj)
    if method == "wait":
        return kind is _EVENT
    if kind is _LOCK or kind is _RLOCK or kind in _SEMAPHORES:
        return True
    return kind is _CONDITION and lock_of(obj) is not None


def lock_of(obj: Any) -> Any:
    """The real lock that taking `obj` takes, or None (a semaphore, an event)."""
    kind = type(obj)
    if kind is _LOCK or kind is _RLOCK:
        return obj
    if kind is _CONDITION:
        inner = getattr(obj, "__dict__", {}).get("_lock")
        if type(inner) is _LOCK or type(inner) is _RLOCK:
            return inner
    return None


def is_free(obj: Any) -> bool:
    """Would the calling thread get `obj` (or pass its wait) without blocking?"""
    kind = type(obj)
    if kind is _EVENT:
        return bool(obj.is_set())
    if kind in _SEMAPHORES:
        return bool(obj.__dict__.get("_value", 1) > 0)
    lock = lock_of(obj)
    if lock is None:
        return True
    if type(lock) is _RLOCK:
        if lock._is_owned():  # type: ignore[attr-defined]  # ours already: taking it again goes through
            return True
        if lock.acquire(False):
            lock.release()
            return True
        return False
    return not lock.locked()


def is_held(lock: Any) -> bool:
    """Is the real `lock` held by anyone (the calling thread included)?"""
    if type(lock) is _RLOCK:
        if lock._is_owned():  # type: ignore[attr-defined]
            return True
        if lock.acquire(False):
            lock.release()
            return False
        return True
    return bool(lock.locked())
