"""Time for the threads we know: `time.sleep` and the clocks, as the calling thread's
arena keeps them (virtual under `explore`, wakeable in free mode), and the scheduling
point every primitive passes."""

from __future__ import annotations

from ..frames import caller_site
from .threads import real_monotonic, real_perf_counter, real_sleep, real_time, tls


def sleep(seconds: float) -> None:
    """`time.sleep` for threads we know: virtual when controlled, wakeable when free."""
    rec = tls.rec
    if rec is None:
        real_sleep(seconds)
        return
    if seconds != seconds:
        raise ValueError("Invalid value NaN (not a number)")
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    rec.arena.sleep(rec, seconds, caller_site(2))


def monotonic() -> float:
    rec = tls.rec
    return real_monotonic() if rec is None else rec.arena.monotonic()


def wall_time() -> float:
    rec = tls.rec
    return real_time() if rec is None else rec.arena.time()


def perf_counter() -> float:
    rec = tls.rec
    return real_perf_counter() if rec is None else rec.arena.perf_counter()


def scheduling_point(kind: str) -> None:
    """Called by every primitive before it acts: in controlled mode, a thread may switch."""
    rec = tls.rec
    if rec is not None and rec.entered and not rec.finished:
        rec.arena.point(rec, kind)
