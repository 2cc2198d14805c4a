"""Time for the threads we know: `time.sleep` and the clocks, virtual under `explore`
and wakeable in free mode, and the scheduling point every primitive passes."""

from __future__ import annotations

from ..frames import caller_site
from .free import raise_pending, wait_until
from .threads import (
    ThreadRec,
    mutex,
    real_monotonic,
    real_perf_counter,
    real_sleep,
    real_time,
    tls,
)


class _Sleep:
    """The waitable of `time.sleep`: nobody owns it, nobody notifies it."""

    waiters: list[ThreadRec]

    def __init__(self) -> None:
        self.waiters = []

    def owners(self) -> list[ThreadRec]:
        return []

    def describe(self) -> str:
        return "time.sleep to end"


SLEEP = _Sleep()


def sleep(seconds: float) -> None:
    """`time.sleep` for threads we know: virtual when controlled, wakeable when free."""
    rec = tls.rec
    if rec is None or (rec.run is None and rec.scope is None):
        real_sleep(seconds)
        return
    if seconds != seconds:
        raise ValueError("Invalid value NaN (not a number)")
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    site = caller_site(2)
    with mutex:
        if rec.run is not None:
            rec.run.block(rec, SLEEP, lambda: False, seconds, site)
            return
        SLEEP.waiters.append(rec)
        try:
            raise_pending(rec)
        finally:
            SLEEP.waiters.remove(rec)
        if seconds == 0:
            return
        wait_until(SLEEP, lambda: False, seconds, site)


def monotonic() -> float:
    rec = tls.rec
    if rec is not None and rec.run is not None:
        return rec.run.monotonic()
    return real_monotonic()


def wall_time() -> float:
    rec = tls.rec
    if rec is not None and rec.run is not None:
        return rec.run.time()
    return real_time()


def perf_counter() -> float:
    rec = tls.rec
    if rec is not None and rec.run is not None:
        return rec.run.monotonic()
    return real_perf_counter()


def scheduling_point(kind: str) -> None:
    """Called by every primitive before it acts: in controlled mode, a thread may switch."""
    rec = tls.rec
    if rec is not None and rec.run is not None and rec.entered and not rec.finished:
        rec.run.point(rec, kind)

