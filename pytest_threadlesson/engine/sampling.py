"""Is a test's thread getting anywhere? Judged from outside, by sampling where it is.

The deadlock-timeout backstop must stop a test whose threads are stuck where the wait-for
graph cannot see them (a busy loop, a C call that never returns), and must never stop a
long test whose threads are working. Operations on our primitives are one sign of work,
but real code also takes real locks, sleeps in small steps and calls C code. So the
backstop also samples every thread of the test (`sys._current_frames()`, a few times per
timeout) and counts as progress any sign that a thread moved through its code:

* its stack changed: a call or a return happened since the last sample;
* it was inside a call at the last sample (stopped at a call instruction: a C function,
  a real lock, a sleep, I/O) and is somewhere else now: the call returned;
* it was inside the same call at both samples and its CPU clock moved in between: it ran
  (an event loop returns from `select()` to run its callbacks and calls it again, and is
  found there each time; a long C computation works). A thread blocked in a lock, a sleep
  or a read uses no CPU.

What does not count: a thread that stays in one function and calls nothing, however fast
it runs (`while not done: pass`): that is the busy loop the backstop is for. Where the
platform gives no per-thread CPU clock (it is read on Linux only), a thread sampled
inside the same call twice may be blocked or may have returned and called again: the
sampler cannot tell, and the report says so.
"""

from __future__ import annotations

import dis
import sys
import threading
import time
import types
from collections.abc import Iterable
from dataclasses import dataclass

_LINUX = sys.platform.startswith("linux")
MAX_DEPTH = 64  # callers compared; deeper stacks are rare, and the innermost part moves

_CALL_OPS = frozenset(
    op for name, op in dis.opmap.items()
    # (3.11's specialised PRECALL runs a C function itself: the thread is found there)
    if name.startswith("CALL") or name in ("PRECALL", "BEFORE_WITH", "SETUP_WITH",
                                            "WITH_EXCEPT_START", "BEFORE_ASYNC_WITH",
                                            "FOR_ITER", "SEND", "IMPORT_NAME")
)


@dataclass(frozen=True)
class Position:
    """Where a thread is: the callers (code and instruction), the innermost function and
    instruction, and whether that instruction is a call that is still running."""

    callers: tuple[tuple[types.CodeType, int], ...]
    code: types.CodeType
    lasti: int
    in_call: bool
    cpu: int | None = None  # the thread's CPU clock in ns, where the platform gives one


def cpu_clock(ident: int) -> int | None:
    """Nanoseconds of CPU the thread `ident` has used, or None where that is unknown.

    Read by the thread's kernel id, never by its pthread handle: a handle of a thread that
    has just ended may point at freed memory, while a kernel id that has ended is only an
    error (a reused one at worst reads another thread's clock: a false "moved", the safe
    way to be wrong). The clock id is Linux's CPU clock of a thread,
    `MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)`, as glibc's `pthread_getcpuclockid` makes it.
    """
    if not _LINUX:
        return None
    thread = threading._active.get(ident)  # type: ignore[attr-defined]
    native = getattr(thread, "native_id", None)
    if not native:
        return None
    try:
        return time.clock_gettime_ns((~native << 3) | 6)
    except (OSError, OverflowError):
        return None  # it has just ended


def position_of(frame: types.FrameType, cpu: int | None = None) -> Position:
    code = frame.f_code
    lasti = frame.f_lasti
    raw = code.co_code
    in_call = 0 <= lasti < len(raw) and raw[lasti] in _CALL_OPS
    callers: list[tuple[types.CodeType, int]] = []
    caller = frame.f_back
    while caller is not None and len(callers) < MAX_DEPTH:
        callers.append((caller.f_code, caller.f_lasti))
        caller = caller.f_back
    return Position(tuple(callers), code, lasti, in_call, cpu)


def moved(before: Position | None, after: Position | None) -> bool:
    """Whether a thread sampled at `before` and then at `after` made progress between."""
    if before is None or after is None:
        return before is not after  # it entered or left Python code
    if before.callers != after.callers or before.code is not after.code:
        return True
    if not before.in_call:
        return False
    if after.lasti != before.lasti:
        return True
    return before.cpu is not None and after.cpu is not None and after.cpu > before.cpu


class ProgressSampler:
    """Samples a set of threads; `sample` says whether any of them moved since the last."""

    def __init__(self) -> None:
        self._last: dict[int, Position | None] = {}

    def sample(self, idents: Iterable[int]) -> bool:
        frames = sys._current_frames()
        now: dict[int, Position | None] = {}
        for ident in idents:
            frame = frames.get(ident)
            now[ident] = position_of(frame, cpu_clock(ident)) if frame is not None else None
        del frames
        last, self._last = self._last, now
        if now.keys() != last.keys():
            return True  # a thread started or ended
        return any(moved(last[ident], pos) for ident, pos in now.items())

    def in_call(self, ident: int) -> bool:
        """Whether the thread was inside a call (or outside Python code) at the last sample:
        it may be blocked there, or slow; the sampler cannot tell."""
        pos = self._last.get(ident)
        return pos is None or pos.in_call
