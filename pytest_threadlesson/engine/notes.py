"""What a step did to shared state, for the report: `read Counter._value → 1`,
`write Counter._value ← 2`, `acquire(timeout=1) → False`, `sleeps 0.1 s`.

Only the run that is reported is noted (a `Replay`: the shrunk schedule, or a replay by
hand); exploring pays nothing. A step is a stretch of one line run by one thread between
two scheduling decisions. When it begins, the reads its line may still do are looked at
(the value a read will see is the value now: no other thread runs until the step ends);
when it ends, the byte-codes it ran are known (from its first offset up to where the
frame stands), and its writes are looked at (the value written is the value now).

The byte-code is decoded once per code object: a small symbolic stack per line finds,
for each LOAD_ATTR, STORE_ATTR, subscript, global or closure access, the expression of
its object (`self`, a global, `self.items`). Values are read without running user code:
an instance's `__dict__`, a plain dict or list, a module's globals; anything else is
noted without its value.

Which locks each thread holds is looked at too, whenever one of its steps begins or ends:
a lock it took since is noted on that step as `acquires NAME`, one it let go of as
`releases NAME` (`HOLD_NOTES`: not for the text, for the picture's lock-hold bars).
"""

from __future__ import annotations

import dis
import re
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..timeline import HOLD_NOTES
from .resolve import MISSING, instance_attr

if TYPE_CHECKING:
    from .outcome import Step

Symbol = tuple[Any, ...] | None  # ("local", name) ("global", name) ("attr", sym, name) ...


@dataclass(frozen=True)
class Access:
    kind: str  # "read" | "write"
    owner: Symbol  # the object (attribute, subscript); None for a global or closure
    name: str  # the attribute, global or closure name
    key: Symbol = None  # a subscript's key
    space: str = "attr"  # "attr" | "item" | "global" | "deref"


_LOADS_LOCAL = {"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_BORROW", "LOAD_FAST_AND_CLEAR"}
_PAIRS = {"LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW"}
_BINARY = {"BINARY_OP", "BINARY_ADD", "BINARY_SUBTRACT", "BINARY_MULTIPLY", "INPLACE_ADD",
           "INPLACE_SUBTRACT", "INPLACE_MULTIPLY", "COMPARE_OP", "IS_OP", "CONTAINS_OP"}
_cache: dict[types.CodeType, dict[int, Access]] = {}
sys_version = sys.version_info[:2]


def accesses(code: types.CodeType) -> dict[int, Access]:
    """The shared-state accesses of `code`, by offset (cached per code object)."""
    found = _cache.get(code)
    if found is None:
        found = _cache[code] = _decode(code)
    return found


def _decode(code: types.CodeType) -> dict[int, Access]:
    out: dict[int, Access] = {}
    stack: list[Symbol] = []
    in_init = code.co_name == "__init__"
    for ins in dis.get_instructions(code):
        if ins.starts_line:
            stack = []
        op, arg, val = ins.opname, ins.arg or 0, ins.argval
        if op in _LOADS_LOCAL:
            stack.append(("local", val))
        elif op in _PAIRS:
            stack.extend(("local", name) for name in val)
        elif op == "LOAD_CONST":
            stack.append(("const", val))
        elif op in ("LOAD_GLOBAL", "LOAD_NAME"):
            if op == "LOAD_GLOBAL" and sys_version >= (3, 11) and arg & 1:
                stack.append(None)
            out[ins.offset] = Access("read", None, str(val), space="global")
            stack.append(("global", val))
        elif op in ("LOAD_DEREF", "LOAD_CLASSDEREF"):
            out[ins.offset] = Access("read", None, str(val), space="deref")
            stack.append(("deref", val))
        elif op in ("STORE_GLOBAL", "STORE_NAME", "STORE_DEREF"):
            _pop(stack)
            if op != "STORE_NAME":
                space = "global" if op == "STORE_GLOBAL" else "deref"
                out[ins.offset] = Access("write", None, str(val), space=space)
        elif op in ("LOAD_ATTR", "LOAD_METHOD"):
            owner = _pop(stack)
            method = op == "LOAD_METHOD" or (sys_version >= (3, 12) and arg & 1)
            if not method:
                out[ins.offset] = Access("read", owner, str(val))
                stack.append(("attr", owner, val))
            else:
                stack.extend((None, None))
        elif op == "STORE_ATTR":
            owner = _pop(stack)
            _pop(stack)
            if not (in_init and owner == ("local", "self")):  # building an object: not shared
                out[ins.offset] = Access("write", owner, str(val))
        elif op == "BINARY_SUBSCR" or (op == "BINARY_OP" and ins.argrepr == "[]"):
            key, container = _pop(stack), _pop(stack)
            out[ins.offset] = Access("read", container, "", key, "item")
            stack.append(None)
        elif op == "STORE_SUBSCR":
            key, container = _pop(stack), _pop(stack)
            _pop(stack)
            out[ins.offset] = Access("write", container, "", key, "item")
        elif op in ("COPY", "DUP_TOP"):
            n = arg if op == "COPY" else 1
            stack.append(stack[-n] if len(stack) >= n else None)
        elif op in ("SWAP", "ROT_TWO"):
            n = arg if op == "SWAP" else 2
            if len(stack) >= n:
                stack[-1], stack[-n] = stack[-n], stack[-1]
        elif op in _BINARY:
            _pop(stack)
            _pop(stack)
            stack.append(None)
        else:
            try:
                effect = dis.stack_effect(ins.opcode, ins.arg if ins.opcode >= dis.HAVE_ARGUMENT
                                          else None, jump=False)
            except ValueError:
                effect = 0
            for _ in range(-effect):
                _pop(stack)
            stack.extend([None] * max(effect, 0))
            if effect <= 0 and stack and op not in ("NOP", "RESUME", "CACHE"):
                stack[-1] = None  # what it left on the stack is not what was there
    return out


def _pop(stack: list[Symbol]) -> Symbol:
    return stack.pop() if stack else None


def _resolve(sym: Symbol, frame: types.FrameType, depth: int = 0) -> Any:
    """The object `sym` stands for in `frame`, without running user code; MISSING when
    it cannot be known so."""
    if sym is None or depth > 3:
        return MISSING
    kind = sym[0]
    if kind == "const":
        return sym[1]
    if kind == "local":
        return frame.f_locals.get(sym[1], MISSING)
    if kind == "global":
        return _global(frame, sym[1])
    if kind == "deref":
        return frame.f_locals.get(sym[1], MISSING)
    if kind == "attr":
        owner = _resolve(sym[1], frame, depth + 1)
        return MISSING if owner is MISSING else instance_attr(owner, sym[2])
    return MISSING


def _global(frame: types.FrameType, name: str) -> Any:
    return frame.f_globals.get(name, MISSING)


def _item(container: Any, key: Any) -> Any:
    if type(container) is dict and type(key) in (int, str, float, bool, tuple, bytes):
        return container.get(key, MISSING)
    if type(container) is list and type(key) is int and -len(container) <= key < len(container):
        return container[key]
    return MISSING


_DATA = (int, float, bool, str, bytes, type(None))


def shown(value: Any) -> str | None:
    """A value as a note shows it: short, never cut mid-token; None for an object that is
    no data (a lock, a function: no note)."""
    if isinstance(value, _DATA):
        text = repr(value)
        if len(text) <= 24:
            return text
        return f"a {type(value).__name__} of length {len(value)}" \
            if isinstance(value, (str, bytes)) else None
    if type(value) in (list, dict, set, tuple):
        text = repr(value)
        if len(text) <= 24:
            return text
        return f"a {type(value).__name__} of {len(value)}"
    return None


def _owner_name(owner: Any) -> str:
    if isinstance(owner, types.ModuleType):
        return owner.__name__
    if isinstance(owner, type):
        return owner.__name__
    return type(owner).__name__


def target(access: Access, frame: types.FrameType) -> tuple[str, Any] | None:
    """(the name a learner knows it by, its value now) of what `access` touches; None
    when it touches no shared data (a local, a function, a class)."""
    if access.space in ("global", "deref"):
        # a plain value (a counter); a variable that holds a list or dict is noted where
        # its items are read or written, not each time the list is looked up
        value = _global(frame, access.name) if access.space == "global" else \
            frame.f_locals.get(access.name, MISSING)
        if value is MISSING or not isinstance(value, _DATA):
            return None
        return access.name, value
    owner = _resolve(access.owner, frame)
    if owner is MISSING:
        return None
    if access.space == "item":
        key = _resolve(access.key, frame)
        if key is MISSING or shown(key) is None or type(owner) not in (dict, list):
            return None
        base = _sym_name(access.owner, frame) or type(owner).__name__
        value = _item(owner, key)
        return None if value is MISSING else (f"{base}[{key!r}]", value)
    value = instance_attr(owner, access.name)
    if value is MISSING or shown(value) is None:
        return None  # a method, a property, a lock: no data of its own here
    return f"{_owner_name(owner)}.{access.name}", value


def _sym_name(sym: Symbol, frame: types.FrameType) -> str | None:
    if sym is None:
        return None
    if sym[0] in ("local", "global", "deref"):
        return str(sym[1])
    if sym[0] == "attr":
        owner = _resolve(sym[1], frame)
        return None if owner is MISSING else f"{_owner_name(owner)}.{sym[2]}"
    return None


_span_cache: dict[tuple[types.CodeType, int], frozenset[int]] = {}


def _line_span(code: types.CodeType, line: int | None) -> frozenset[int]:
    key = (code, line or 0)
    found = _span_cache.get(key)
    if found is None:
        found = _span_cache[key] = frozenset(
            offset for offset, at in _lines(code) if at == line)
    return found


def _lines(code: types.CodeType) -> list[tuple[int, int | None]]:
    """Each instruction's offset and line (3.10 marks only where a line starts)."""
    out: list[tuple[int, int | None]] = []
    current: int | None = None
    for ins in dis.get_instructions(code):
        positions = getattr(ins, "positions", None)
        if positions is not None:
            current = positions.lineno
        elif isinstance(ins.starts_line, int) and not isinstance(ins.starts_line, bool):
            current = ins.starts_line
        out.append((ins.offset, current))
    return out


_CALL = re.compile(r"\b(acquire|wait|wait_for|get|put|join|sleep|result)\(([^()]*)\)")


def call_on(source: str, fallback: str) -> str:
    """`acquire(timeout=1)`: the blocking call on a line of source, as the learner wrote it."""
    match = _CALL.search(source)
    return match.group(0) if match else fallback


def _last_of(log: Sequence[Step], idx: int) -> Step | None:
    for step in reversed(log):
        if step.thread == idx:
            return step
    return None


def _wait_note(rec: Any, waitable: Any, timeout: float | None) -> str:
    from .naming import describe_wait
    from .threads import SLEEP

    if waitable is SLEEP:
        return f"sleeps {timeout:g} s" if timeout is not None else "sleeps"
    name = describe_wait(waitable)
    if getattr(waitable, "condition", None) is not None:
        return f"wait on {name} (no notify pending)"
    timed = f", timeout {timeout:g} s" if timeout is not None else ""
    return f"waits for {name}{timed}"


class _Hooks:
    """The run's calls into its notes (mutex held: no user code runs from here)."""

    def started(self, log: Sequence[Step], running: Any, rec: Any) -> None:
        step = _last_of(log, running.idx) if running is not None else None
        if step is not None:
            step.note(f"starts {rec.name}")

    waits: list[tuple[Step, Any, float | None]]

    def parks(self, log: Sequence[Step], rec: Any, waitable: Any,
              timeout: float | None) -> None:
        """Named later (`named_waits`): naming may call the learner's `__repr__`, which
        must not run here, in the middle of a scheduling decision."""
        step = _last_of(log, rec.idx)
        if step is not None:
            self.waits.append((step, waitable, timeout))

    def named_waits(self) -> None:
        """After the run: the waits, named."""
        for step, waitable, timeout in self.waits:
            try:
                step.note(_wait_note(None, waitable, timeout))
            except Exception:  # a note is a courtesy
                pass
        self.waits = []

    def timed_out(self, log: Sequence[Step], rec: Any) -> None:
        step = _last_of(log, rec.idx)
        if step is not None and not rec.sleeping:  # a sleep's end is no failure
            source = rec.wait_site.source if rec.wait_site is not None else ""
            step.note(f"{call_on(source, 'wait')} → False (timed out)")


class _Holds:
    """Which locks each thread holds, looked at as its steps begin and end: what changed
    since it was last looked at is put down on the step (named after the run)."""

    def __init__(self) -> None:
        self.held: dict[int, list[Any]] = {}  # thread -> its locks when last looked at
        self.changes: list[tuple[Step, str, Any]] = []
        self.rec: Any = None  # the thread of the open step

    def look(self, step: Step, rec: Any) -> None:
        if rec is None or rec.idx != step.thread:
            return
        try:
            now = [h.lock for h in rec.held]
        except Exception:  # a note is a courtesy
            return
        before = self.held.get(rec.idx, [])
        self.changes += [(step, HOLD_NOTES[1], lock) for lock in before
                         if not any(lock is other for other in now)]
        self.changes += [(step, HOLD_NOTES[0], lock) for lock in now
                         if not any(lock is other for other in before)]
        self.held[rec.idx] = now

    def named_holds(self) -> None:
        from .naming import object_name

        for step, verb, lock in self.changes:
            try:
                step.note(verb + object_name(lock))
            except Exception:  # a note is a courtesy
                pass
        self.changes = []


class Notes(_Hooks, _Holds):
    """The notes of one run: opened when a step begins, closed when the next begins."""

    def __init__(self) -> None:
        _Holds.__init__(self)
        self.waits = []
        self.open: Step | None = None
        self.frame: types.FrameType | None = None
        self.start = 0
        self.reads: dict[int, tuple[str, Any]] = {}

    def opened(self, step: Step, frame: types.FrameType) -> None:
        from .threads import current

        self.close()
        self.open, self.frame, self.start = step, frame, frame.f_lasti
        # in the step's own thread: what it took or let go of since its last step
        self.rec = current()
        self.look(step, self.rec)
        self.reads = {}
        try:
            lines = _line_span(frame.f_code, frame.f_lineno)
            for offset, access in accesses(frame.f_code).items():
                if access.kind == "read" and offset >= self.start and offset in lines:
                    found = target(access, frame)
                    if found is not None:
                        self.reads[offset] = found
        except Exception:  # a note is a courtesy: never break the run for one
            self.reads = {}

    def finish(self) -> None:
        """After the run (no thread of it runs): the last step's notes, the waits and the
        locks named. (Not what the threads held when they ended: a failure unwinds them,
        and the locks the `with` blocks let go of then are no step's.)"""
        self.rec = None
        self.close()
        self.named_waits()
        self.named_holds()

    def close(self) -> None:
        step, frame = self.open, self.frame
        self.open = self.frame = None
        if step is None or frame is None:
            return
        self.look(step, self.rec)
        end = frame.f_lasti
        if end < self.start:
            end = 1 << 30  # it jumped back (a loop): the rest of its line ran
        try:
            lines = _line_span(frame.f_code, step.site.lineno)
            for offset, access in sorted(accesses(frame.f_code).items()):
                if not self.start <= offset < end or offset not in lines:
                    continue
                if access.kind == "read":
                    found = self.reads.get(offset)
                else:
                    found = target(access, frame)
                if found is not None:
                    step.add(access.kind, found[0], shown(found[1]))
        except Exception:  # a note is a courtesy: never break the run for one
            pass
        self.reads = {}
