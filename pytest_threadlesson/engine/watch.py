"""Watching a controlled schedule from outside its threads: is it done, is its running
thread stuck in a call the scheduler cannot see (let the others run meanwhile), or has
nothing moved for the wall limit (abandon it, and let its threads unwind)."""

from __future__ import annotations

import os
import sys

from ..frames import PACKAGE_DIR
from . import runtime as rt
from .outcome import FailureKind

# How often the watch looks at a schedule, and how long the running thread may stand at
# the same instruction of code the scheduler cannot see (a lock taken inside a library,
# real I/O) before the others run meanwhile.
_WATCH_EVERY = 0.05
OUTSIDE_AFTER = 0.1


def watch(run: rt.ControlledRun, wall_limit: float) -> bool:
    """Wait for the schedule to end: True when it did. A thread that stands still in a
    call the scheduler cannot see is let go (`release_stuck`), so the others run; False
    when nothing moved at all for `wall_limit` seconds."""
    progress = (run.points, run.switches)
    quiet = still = rt.real_monotonic()
    spot: tuple[int, int] | None = None
    while not run.done.acquire(True, _WATCH_EVERY):
        now = rt.real_monotonic()
        if (run.points, run.switches) != progress:
            progress, quiet, still, spot = (run.points, run.switches), now, now, None
            continue
        if now - quiet >= wall_limit:
            return False
        with rt.mutex:
            here = _spot(run.running)
            if here is None or here != spot:
                spot, still = here, now
            elif now - still >= OUTSIDE_AFTER:
                run.release_stuck()
    return True


def _spot(rec: rt.ThreadRec | None) -> tuple[int, int] | None:
    """Where the running thread stands (its innermost frame and instruction), or None
    when it is in the plugin's own code (taking its turn: not stuck)."""
    if rec is None or rec.ident is None or rec.outside:
        return None
    frame = sys._current_frames().get(rec.ident)
    if frame is None or frame.f_code.co_filename.startswith(PACKAGE_DIR + os.sep):
        return None
    return id(frame), frame.f_lasti


def abandon(run: rt.ControlledRun, wall_limit: float) -> None:
    """Nothing moved for `wall_limit`: a managed thread is blocked where we cannot see (a C
    call, a foreign lock), for good. Abort the schedule and let every other thread unwind
    in turn, with the baton, as after any failure; what that frees may free the blocked
    one too. Nothing of this schedule may be left where it could disturb the next one."""
    with rt.mutex:
        run.release_stuck()
        stuck = [t for t in run.alive() if t.outside]
        places = [_stuck_at(t) for t in stuck] or ["  (no thread of the scenario is running)"]
        run.abort(f"blocked for {wall_limit:g} s outside the scheduler's view (a C call, real "
                  "I/O, or a lock created before the test and taken where the scheduler "
                  "cannot see):\n" + "\n".join(places), FailureKind.LIVELOCK,
                  stuck[0] if stuck else None)
        run.resume()
    if run.done.acquire(True, _UNWIND_GRACE):
        return
    with rt.mutex:
        left = run.alive()
    from . import leaks

    # A thread blocked in a C call takes no exception until the call returns; it has its
    # `pending` stop for then. Only threads that still run Python code are interrupted.
    for t in left:
        if t.thread is None and not t.outside:  # a `_thread` thread: nothing to join
            leaks.interrupt(t, t.ident)
    leaks.stop([t.thread for t in left if not t.outside and t.thread is not None], wait=0.5)
    leaks.give_up([t.thread for t in left if t.outside and t.thread is not None])


def _stuck_at(rec: rt.ThreadRec) -> str:
    """`  Thread-1 at test_x.py:12: with LOCK: in libx.py:6`: the line of the test's code it
    is on, and the innermost line when that is elsewhere (in a library)."""
    frame = sys._current_frames().get(rec.ident) if rec.ident is not None else None
    if frame is None:
        return f"  {rec.name}"
    from ..frames import site_of

    site = site_of(frame)
    code = frame.f_code
    inner = f"{os.path.basename(code.co_filename)}:{frame.f_lineno} ({code.co_name})"
    if site is None:
        return f"  {rec.name} in {inner}"
    if code.co_filename == site.filename:
        return f"  {rec.name} at {site.short}: {site.source}"
    return f"  {rec.name} at {site.short}: {site.source} in {inner}"


# How long the threads of an abandoned schedule get to unwind by themselves.
_UNWIND_GRACE = 2.0
