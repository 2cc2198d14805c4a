"""The kernel under the instrumented primitives: who is waiting for what, and who runs.

Design note
-----------
Every instrumented primitive (primitives.py) keeps its state in plain Python, guarded by
one process-wide mutex, and blocks through a single function, `wait_until`, which asks
the calling thread's arena (`rec.arena`, threads.Arena) to park it. The primitives never
ask which arena it is; there are three, which is what lets one set of primitives serve
both halves of the plugin:

* **unwatched** threads (no test watches them: a session fixture's worker) wait on their
  own lock with real time and no detection (`threads.UNWATCHED`);

* **free** threads (`free.Scope`: a plain test with the `threadlesson` marker, every
  kata) are real OS threads. A thread that must wait parks on its own private lock.
  Before it parks, it looks at the wait-for graph: a cycle, or every thread of the test
  parked without a timeout, is a deadlock, reported at the moment it forms (this is Go's
  "all goroutines are asleep" and the classic wait-for-graph check of database lock
  managers);
* **controlled** threads (`controlled.ControlledRun`: inside `contention.explore`) are
  OS threads too, but only one of them holds the baton at a time, as in loom and shuttle.
  Waiting means handing the baton to a thread the strategy picks; time is virtual, so a
  timed wait expires only when nothing else can run.

The mutex is a raw `_thread` lock, never one of ours, and it is never held while a
thread is parked, so the engine's correctness does not lean on the GIL.

Prior art: trio's ParkingLot (one FIFO of parked tasks per primitive), CPython's
`threading.Condition` (waiter locks), shuttle's `ExecutionState` (the baton).

The kernel is split by job: threads.py (the thread records, the Arena interface and its
unwatched base, the mutex, the exceptions),
free.py (free mode), controlled.py (controlled mode, with what a schedule ends with in
outcome.py and its tracing helpers in tracing.py) and vclock.py (time and scheduling
points). This module is their facade: the names the rest of the plugin reads as `rt.X`.
"""

from __future__ import annotations

from .controlled import ControlledRun
from .free import (
    Scope,
    interrupt,
    note_acquired,
    note_acquiring,
    note_released,
    others_may_act,
    wait_until,
)
from .outcome import Failure, RunOutcome, ScheduleAborted, Step
from .threads import (
    SLEEP,
    UNWATCHED,
    Arena,
    DeadlockError,
    DeadlockTimeout,
    Held,
    ThreadException,
    ThreadlessonStop,
    ThreadRec,
    Waitable,
    bind,
    current,
    fixture_scopes,
    foreign_threads,
    mutex,
    next_serial,
    notify,
    outliving,
    real_monotonic,
    real_sleep,
    reset_serials,
    service_threads,
    tls,
    unbind,
)
from .vclock import monotonic, perf_counter, scheduling_point, sleep, wall_time

__all__ = [
    "SLEEP",
    "UNWATCHED",
    "Arena",
    "ControlledRun",
    "DeadlockError",
    "DeadlockTimeout",
    "Failure",
    "Held",
    "RunOutcome",
    "ScheduleAborted",
    "Scope",
    "Step",
    "ThreadException",
    "ThreadRec",
    "ThreadlessonStop",
    "Waitable",
    "bind",
    "current",
    "fixture_scopes",
    "foreign_threads",
    "interrupt",
    "monotonic",
    "mutex",
    "next_serial",
    "note_acquired",
    "note_acquiring",
    "note_released",
    "notify",
    "others_may_act",
    "outliving",
    "perf_counter",
    "real_monotonic",
    "real_sleep",
    "reset_serials",
    "scheduling_point",
    "service_threads",
    "sleep",
    "tls",
    "unbind",
    "wait_until",
    "wall_time",
]
