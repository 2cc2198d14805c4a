"""Controlled mode (`explore`): one thread at a time holds the baton, a strategy picks
who goes next, byte-codes are scheduling points and time is virtual."""

from __future__ import annotations

import math
import sys
import types
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..frames import CodeSet, Site, is_user_code, user_code_is_settled
from . import reallocks
from .free import display_name
from .oracle import SCHEDULE_SIZE, Oracle
from .outcome import Failure, FailureKind, RunOutcome, ScheduleAborted, Step, still_running
from .threads import (
    SLEEP,
    Arena,
    DeadlockError,
    ThreadRec,
    Waitable,
    allocate_raw_lock,
    bind,
    mutex,
    notify,
    raise_pending,
    real_time,
    unbind,
)
from .tracing import (
    assert_lines,
    chain_traces,
    opcodes_off,
    private_offsets,
    refresh_locals,
)
from .waits import DeadlockReport, LockOrderGraph, ThreadState, find_cycle

if TYPE_CHECKING:
    from .notes import Notes
    from .strategies.base import Strategy


class ControlledRun(Arena):
    """One schedule of one scenario: the threads, the baton, the virtual clock. As an
    arena: a thread parks by handing the baton on, and a timed wait ends in virtual time."""

    schedules = True

    def __init__(self, strategy: Strategy, *, max_points: int, log_size: int = 400,
                 schedule_size: int = SCHEDULE_SIZE) -> None:
        self.strategy = strategy
        self.oracle = Oracle(strategy, self, schedule_size)  # asks it, in thread ids
        self.threads: list[ThreadRec] = []
        self.running: ThreadRec | None = None
        self.now = 0.0
        self.epoch = real_time()
        self.max_points = max_points
        self.points = 0
        self.switches = 0
        self.log: deque[Step] = deque(maxlen=log_size)
        self.done = allocate_raw_lock()
        self.done.acquire()
        self.failures: list[Failure] = []
        self.deadlock: DeadlockReport | None = None
        self.main: ThreadRec | None = None
        self.main_done_at: int | None = None
        self.aborted: str | None = None
        self.order: LockOrderGraph = LockOrderGraph()
        self.futures: list[Any] = []
        self._trace_cache: dict[types.CodeType, bool] = {}
        # Code whose opcode events this run armed (the 3.12/3.13 gaps, _install_trace)
        self._opcode_ready, self._opcode_seen = CodeSet(), CodeSet()
        # Real locks (made before the test) taken where the scheduler saw (reallocks.py).
        self.real_owners: dict[int, tuple[Any, ThreadRec, Site]] = {}
        self.real_waits = 0  # threads blocked on a RealWait right now
        self.closed = False  # run_schedule is over: late threads only finish
        self.notes: Notes | None = None  # what each step did, in a noted run (notes.py)

    # -- threads ----------------------------------------------------------------------

    @property
    def takes_threads(self) -> bool:
        return True  # also once closed: a late thread is numbered, and only finishes

    def adopt(self, rec: ThreadRec) -> bool:
        rec.arena = self
        rec.idx = len(self.threads)
        self.threads.append(rec)
        if rec.thread is not None and rec.idx > 0:
            rec.name = display_name(rec.thread, rec.idx)
        if self.notes is not None:
            self.notes.started(self.log, self.running, rec)
        return True

    def failed(self, rec: ThreadRec, exc: BaseException) -> bool:
        self.failures.append(Failure(rec.name, exc, FailureKind.EXCEPTION))
        return True

    def enter(self, rec: ThreadRec) -> None:
        """First thing a managed thread does: wait for its turn, then trace its code."""
        bind(rec)
        rec.baton.acquire()
        with mutex:
            rec.entered = True
        self._install_trace(rec)

    def exit(self, rec: ThreadRec) -> None:
        """Last thing a managed thread does: finish, and hand the baton on without waiting."""
        sys.settrace(None)
        with mutex:
            if rec.outside:
                self._come_back(rec)
            rec.finished = True
            if rec is self.main:
                self.main_done_at = self.points
            notify(rec)
            if not self.closed:
                nxt = self._choose(rec, "exit")
                if nxt is None:
                    self.running = None
                    self.done.release()
                else:
                    self._give(nxt)
        unbind()

    def alive(self) -> list[ThreadRec]:
        return [t for t in self.threads if not t.finished]

    # -- scheduling points ------------------------------------------------------------

    def point(self, rec: ThreadRec, kind: str) -> None:
        """A place where another thread may run (mutex not held)."""
        with mutex:
            if rec.outside:
                self._come_back(rec)
            self._count_point()
            nxt = self._choose(rec, kind)
            if nxt is not None and nxt is not rec:
                self._switch(rec, nxt)
            raise_pending(rec)

    def park(self, rec: ThreadRec, waitable: Waitable, ready: Callable[[], bool],
             timeout: float | None, site: Site | None) -> bool:
        if rec.outside:
            self._come_back(rec)
        rec.waiting_on = waitable
        rec.wait_site = site
        rec.timed = timeout is not None
        rec.sleeping = waitable is SLEEP
        rec.deadline = None if timeout is None else self.now + timeout
        rec.timed_out = False
        if rec.sleeping:
            rec.yields_to = {t.idx for t in self.threads if t is not rec and not t.finished
                             and not t.blocked and not t.outside}
        waitable.waiters.append(rec)
        if self.notes is not None:
            self.notes.parks(self.log, rec, waitable, timeout)
        try:
            while True:
                raise_pending(rec)
                rec.blocked = True
                self._count_point()
                nxt = self._choose(rec, "block")
                if nxt is not None and nxt is not rec:
                    self._switch(rec, nxt)
                raise_pending(rec)
                if ready():
                    return True
                if rec.timed_out:
                    if self.notes is not None:
                        self.notes.timed_out(self.log, rec)
                    return False
        finally:
            rec.blocked = False
            waitable.waiters.remove(rec)
            rec.waiting_on = None
            rec.wait_site = None
            rec.timed = False
            rec.sleeping = False
            rec.yields_to.clear()
            rec.deadline = None

    def wake(self, rec: ThreadRec) -> None:
        rec.blocked = False  # runnable again: the strategy decides when it runs

    def parked(self, rec: ThreadRec) -> bool:
        return rec.blocked

    def sleep(self, rec: ThreadRec, seconds: float, site: Site | None) -> None:
        with mutex:
            self.park(rec, SLEEP, lambda: False, seconds, site)

    def _leak_check(self) -> None:
        """After the scenario returned, its threads get a grace of steps to finish."""
        if self.main_done_at is not None and self.aborted is None and \
                self.points - self.main_done_at > LEAK_GRACE_POINTS:
            self._report_leak()

    def _report_leak(self) -> None:
        self.abort(still_running(self.alive()), FailureKind.LEAK)

    def _count_point(self) -> None:
        self.points += 1
        self._leak_check()
        if self.points > self.max_points and (self.aborted is None or  # again, long after:
                                              self.points > 2 * self.max_points):  # unwind
            self.abort(f"the scenario did not finish within {self.max_points} scheduling "
                       "steps (an endless loop, or a thread spinning while it waits?)",
                       FailureKind.LIVELOCK)

    def abort(self, why: str, kind: FailureKind, who: ThreadRec | None = None) -> None:
        self.aborted = why
        who = who or self.running
        self.failures.append(Failure(who.name if who else "?", ScheduleAborted(why), kind))
        for t in self.alive():
            t.pending = ScheduleAborted(why)
            t.blocked = False

    def _switch(self, rec: ThreadRec, nxt: ThreadRec) -> None:
        """Hand the baton to `nxt` (or to nobody: IDLE) and wait for it to come back."""
        self.switches += 1
        self._give(nxt)
        mutex.release()
        try:
            rec.baton.acquire()
        finally:
            mutex.acquire()

    def _give(self, nxt: ThreadRec) -> None:
        if nxt is IDLE:
            self.running = None  # the next thread to come back from outside takes it
            return
        self.running = nxt
        if nxt.frame is not None:
            self._log(nxt, nxt.frame)
        nxt.baton.release()

    def release_stuck(self) -> ThreadRec | None:
        """The running thread is blocked where the scheduler cannot see (a lock taken inside
        a library, real I/O): let the others run meanwhile (mutex held). It is outside until
        its next step, where it waits for its turn. Who runs next is still the strategy's
        choice; when it comes back is the OS's: such a schedule may not replay exactly."""
        rec = self.running
        if rec is None or rec.finished or rec.outside or self.closed:
            return None
        rec.outside = True
        nxt = self._choose(None, "outside")
        self._give(IDLE if nxt is None else nxt)
        return rec

    def resume(self) -> None:
        """After `abort` from outside the threads (mutex held): when nobody holds the
        baton, give it to a thread, which then unwinds and hands it on."""
        if self.running is None:
            nxt = self._choose(None, "abort")
            if nxt is not None:
                self._give(nxt)

    def _come_back(self, rec: ThreadRec) -> None:
        """A thread that was outside is at a step again (mutex held): its turn first."""
        rec.outside = False
        if self.closed:
            return
        if self.running is None:
            self.running = rec
            return
        mutex.release()
        try:
            rec.baton.acquire()
        finally:
            mutex.acquire()

    def _choose(self, rec: ThreadRec | None, kind: str) -> ThreadRec | None:
        while True:
            if self.real_waits:
                for t in self.threads:
                    if t.blocked and isinstance(t.waiting_on, reallocks.RealWait) \
                            and t.waiting_on.ready():
                        t.blocked = False
            runnable = [t for t in self.threads
                        if not t.finished and not t.blocked and not t.outside]
            # A sleeper may wake before a runnable thread has run (a sleep guarantees
            # nothing), but not again and again while one waits: it yields to the threads
            # that could run when it began to sleep, until each has had a turn (CHESS's
            # fair scheduler, Musuvathi & Qadeer 2008), lest a loop polling with sleeps
            # starve a thread in virtual time.
            # Waking a sleeper lets time pass until its deadline: never past a timed wait's
            # deadline, which then comes first (it times out, and its thread may run).
            ready = {t.idx for t in runnable}
            first_timeout = min((t.deadline for t in self.threads
                                 if not t.finished and t.blocked and t.timed
                                 and not t.sleeping and t.deadline is not None),
                                default=math.inf)
            sleepers = [t for t in self.threads
                        if not t.finished and t.blocked and t.sleeping
                        and not t.yields_to & ready and (t.deadline or 0.0) <= first_timeout]
            options = list(runnable)
            if sleepers:
                options.append(min(sleepers, key=lambda t: (t.deadline or 0.0, t.idx)))
            if options:
                current_ = rec if rec in runnable else None
                pick = options[0] if len(options) == 1 and self.oracle.observe is None \
                    else self.oracle.choose(options, current_, kind)
                if pick.blocked:
                    self._advance(pick.deadline or self.now)
                for t in self.threads:
                    t.yields_to.discard(pick.idx)
                return pick
            timed = [t for t in self.threads if not t.finished and t.blocked and t.timed]
            if timed:
                self._advance(min(t.deadline or self.now for t in timed))
                continue
            live = self.alive()
            if not live:
                return None
            if any(t.outside for t in live):
                return IDLE  # nothing to run until a thread comes back from outside
            self._declare_deadlock(live)

    def _advance(self, until: float) -> None:
        self.now = max(self.now, until)
        for t in self.threads:
            if t.blocked and t.deadline is not None and t.deadline <= self.now:
                t.blocked = False
                t.timed_out = True

    def _declare_deadlock(self, live: list[ThreadRec]) -> None:
        if self.main is not None and self.main.finished:
            if self.aborted is None:
                self._report_leak()  # nothing can move, and the scenario already returned
            for t in live:  # unwind, also a thread that waits again after its abort
                t.blocked, t.pending = False, t.pending or ScheduleAborted(self.aborted or "")
            return
        states = [self._state(t) for t in live]
        cycle = None
        for t in live:
            cycle = find_cycle(t)
            if cycle is not None:
                break
        report = (DeadlockReport.cycle([self._state(t) for t in cycle]) if cycle
                  else DeadlockReport.all_blocked(states))
        if self.deadlock is None:
            self.deadlock = report
            self.failures.append(Failure(live[0].name, DeadlockError(report), FailureKind.DEADLOCK))
        for t in live:
            t.pending = DeadlockError(self.deadlock)
            t.blocked = False

    def _state(self, rec: ThreadRec) -> ThreadState:
        """`rec.state()`, with the real locks it took where the scheduler saw it."""
        state = rec.state()
        for lock, owner, site in self.real_owners.values():
            if owner is rec and reallocks.is_held(lock):
                state.held.append((lock, site))
        return state

    # -- byte-code preemption -----------------------------------------------------------

    def _install_trace(self, rec: ThreadRec) -> None:
        previous = sys.gettrace()
        run = self
        cache, opcode_ready, opcode_seen = self._trace_cache, self._opcode_ready, self._opcode_seen

        def local(frame: types.FrameType, event: str, arg: Any) -> Any:
            if event == "opcode":
                try:
                    run._on_opcode(rec, frame)
                except BaseException:
                    opcodes_off(frame)
                    raise
            elif event == "line":
                rec.frame = frame
                run._log(rec, frame)
                if frame.f_code not in opcode_ready:
                    # 3.13: a code object's first run under settrace (in each run: code
                    # that ran untraced since is cold again) gets no opcode events when
                    # f_trace_opcodes is set in its 'call' event; switching it off and on
                    # at its first line does. Else a replay differs from its run.
                    opcode_ready.add(frame.f_code)
                    frame.f_trace_opcodes = False
                    frame.f_trace_opcodes = True
            return local

        def global_trace(frame: types.FrameType, event: str, arg: Any) -> Any:
            code = frame.f_code
            traced = cache.get(code)
            if traced is None:
                # code compiled at run time (`exec`) is decided by who compiled it
                traced = is_user_code(frame)
                if user_code_is_settled(code):
                    cache[code] = traced
            chained = None
            if previous is not None:
                chained = previous(frame, event, arg)  # type: ignore[arg-type]
                if sys.gettrace() is not global_trace:
                    # coverage's C tracer re-installs itself when called from Python; put
                    # ours back in front, or the scheduler would go blind for new frames.
                    sys.settrace(global_trace)
            if not traced:
                return chained
            frame.f_trace_opcodes = True  # after the previous tracer, which may reset it
            if code not in opcode_seen:
                # 3.12: the same first-run gap; re-installing the tracer makes the
                # interpreter instrument this code object before it runs on.
                opcode_seen.add(code)
                sys.settrace(global_trace)
            return chain_traces(local, chained) if chained is not None else local

        rec.traced = True
        sys.settrace(global_trace)

    def _on_opcode(self, rec: ThreadRec, frame: types.FrameType) -> None:
        if rec.outside:
            with mutex:
                self._come_back(rec)
        error = rec.pending
        if error is not None:
            # The schedule was aborted (a step limit): unwind this thread now. Raising in a
            # trace function ends tracing for the thread, which is over anyway.
            rec.pending = None
            raise error
        if self.aborted is not None:
            return
        rec.frame = frame
        self.points += 1
        if self.main_done_at is not None:
            with mutex:
                self._leak_check()
        if self.points > self.max_points:
            with mutex:
                if self.aborted is None:
                    self._count_point()
            error = rec.pending
            if error is not None:
                rec.pending = None
                raise error
            return
        if frame.f_lineno in assert_lines(frame.f_code):  # no point: its message must show
            self.oracle.in_assert(rec.idx, frame)  # the values it compared; dpor: in the step
            return
        code = frame.f_code
        if frame.f_lasti in private_offsets(code):
            return
        if self.oracle.preempt(frame):
            with mutex:
                nxt = self._choose(rec, "opcode")
                switch = nxt is not None and nxt is not rec
                if switch:
                    self._switch(rec, nxt)  # type: ignore[arg-type]
            if switch:
                refresh_locals(frame)
        sites = _real_sites.get(code)
        if sites is None:
            sites = _real_sites[code] = reallocks.acquire_sites(code)
        if sites:
            site = sites.get(frame.f_lasti)
            if site is not None:
                reallocks.wait_cooperatively(self, rec, frame, site)

    def _log(self, rec: ThreadRec, frame: types.FrameType) -> None:
        if self.failures or frame.f_lineno is None or rec.outside:
            return  # what happens while threads unwind from a failure is noise
        code = frame.f_code
        site = Site(code.co_filename, frame.f_lineno,
                    getattr(code, "co_qualname", code.co_name))
        log = self.log
        if log and log[-1].thread == rec.idx and log[-1].site == site:
            return
        log.append(Step(rec.idx, site))
        if self.notes is not None:
            self.notes.opened(log[-1], frame)

    # -- virtual time -------------------------------------------------------------------

    def monotonic(self) -> float:
        return 1000.0 + self.now

    def time(self) -> float:
        return self.epoch + self.now

    perf_counter = monotonic

    def outcome(self) -> RunOutcome:
        return RunOutcome(
            failures=list(self.failures),
            steps=list(self.log),
            names=[t.name for t in self.threads],
            threads_started=max(0, len(self.threads) - 1),
            switches=self.switches,
            points=self.points,
            schedule=list(self.oracle.schedule),
        )

# `_choose`'s answer when nothing can run until a thread comes back from outside.
IDLE = ThreadRec("(idle)")
LEAK_GRACE_POINTS = 2000
_real_sites: dict[types.CodeType, dict[int, reallocks.AcquireSite]] = {}
