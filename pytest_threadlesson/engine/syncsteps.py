"""What a step at one of our primitives' scheduling points touches, for `dpor`
(`footprint.py` says it for byte-codes): the primitive, found from its frames above the
point; a thread's start, join and end; or any synchronisation object when not found."""

from __future__ import annotations

import types
from typing import Any

from ..frames import PACKAGE_DIR

Op = tuple[tuple[tuple[Any, ...], bool], ...]
ANY_SYNC: tuple[Any, ...] = ("S",)  # any synchronisation object


def is_ours(obj: Any) -> bool:
    return str(getattr(type(obj), "__module__", "")).startswith("pytest_threadlesson")


# -- the primitive a synchronisation point works on ------------------------------------

_SKIP = {"controlled.py", "oracle.py", "vclock.py", "runtime.py", "dpor.py", "footprint.py",
         "syncsteps.py",
         "threads.py"}
_LIFECYCLE = {"start", "join", "exit"}


def sync_footprint(kind: str, thread: int, frame: types.FrameType | None) -> Op:
    """The step a thread announces at a primitive's point of `kind` (its own thread id
    `thread`), found from the primitive's frames above `frame`."""
    if kind == "exit":
        return ((("s", ("thread", thread)), True),)
    depth = 0
    while frame is not None and depth < 16:
        depth += 1
        code = frame.f_code
        if code.co_filename.startswith(PACKAGE_DIR):
            skipped = code.co_filename.rsplit("/", 1)[-1] in _SKIP
            parking = code.co_name == "park"
            if parking or not skipped:  # f_locals only where needed: it is not free
                local = frame.f_locals
                if parking and "waitable" in local:
                    return _waitable(local["waitable"])
                if not skipped:
                    if kind in _LIFECYCLE and hasattr(local.get("rec"), "idx"):
                        return ((("s", ("thread", local["rec"].idx)), True),)
                    owner = local.get("self")
                    if owner is not None and is_ours(owner):
                        return ((("s", id(owner)), True),)
        frame = frame.f_back
    return ((ANY_SYNC, True),)


def _waitable(w: Any) -> Op:
    condition = getattr(w, "condition", None)
    if condition is not None:
        return ((("s", id(condition)), True),)
    if hasattr(w, "idx") and hasattr(w, "finished"):
        return ((("s", ("thread", w.idx)), True),)
    if type(w).__name__ == "_Sleep" or not is_ours(w):
        return ((ANY_SYNC, True),)
    return ((("s", id(w)), True),)


# -- steps that would only park ----------------------------------------------------------

def would_park(kind: str, thread: int, frame: types.FrameType | None) -> Any:
    """For a step that can only wait while another thread holds something (a blocking
    acquire of a lock another thread owns; a parked thread's retry that is not ready and
    not timed out), a predicate that says so now; else None. A step for which it is true
    changes nothing when it runs (the thread parks again), so dpor does not run it then:
    the thread is not enabled, as in the model DPOR is defined on. A try-acquire
    (`blocking=False`) or one with a timeout runs when chosen: its False is an outcome."""
    if kind != "block" and kind != "acquire":
        return None
    depth = 0
    while frame is not None and depth < 16:
        depth += 1
        name = frame.f_code.co_name
        if (name == "park" or name == "acquire") and \
                frame.f_code.co_filename.startswith(PACKAGE_DIR):
            local = frame.f_locals
            if kind == "block" and name == "park" and "ready" in local and "rec" in local:
                ready, rec = local["ready"], local["rec"]
                # A sleeper is offered while still parked: choosing it lets time pass.
                return lambda: not rec.blocked and not ready() and not rec.timed_out
            owner = local.get("self")
            if kind == "acquire" and name == "acquire" and is_ours(owner):
                owners = getattr(owner, "owners", None)
                if owners is None or not local.get("blocking", False) or \
                        local.get("timeout", None) != -1:
                    return None
                return lambda: any(o.idx != thread for o in owners())
        frame = frame.f_back
    return None


def sleeping(frame: types.FrameType | None) -> bool:
    """Is the thread parking at this point in a `time.sleep`? A sleeper waits, besides its
    deadline, for the threads that could run when it began to sleep to have had a turn
    (controlled.py's fairness): a constraint on the order of steps that no footprint
    states, so a search through runs with sleeps proves nothing (it still finds bugs)."""
    depth = 0
    while frame is not None and depth < 16:
        depth += 1
        if frame.f_code.co_name == "park" and frame.f_code.co_filename.startswith(PACKAGE_DIR):
            return type(frame.f_locals.get("waitable")).__name__ == "_Sleep"
        frame = frame.f_back
    return False
