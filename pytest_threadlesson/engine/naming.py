"""How a learner would name an object, a wait, a leaked thread: found by looking at the
running program (the heap, `sys.modules`, the threads' frames), never by running the learner's
code while the engine's mutex may be held.

The renderers in `report.py` are pure: they take what this module found, as data.
"""

from __future__ import annotations

import gc
import inspect
import re
import sys
import types
from dataclasses import dataclass
from typing import Any

from ..frames import Site, is_user_file, site_of
from .ignore import stoppable


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
        described = getattr(condition, "threadlesson_described_by", None)
        return described if described is not None else condition
    if hasattr(waitable, "threadlesson_serial"):
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
    created: Site | None = getattr(obj, "threadlesson_created_at", None)
    where = f" ({created.short})" if created is not None else ""
    serial = getattr(obj, "threadlesson_serial", None)
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


@dataclass
class LeakedThread:
    name: str
    daemon: bool
    target: str | None
    started_at: Site | None
    now_at: Site | None
    waiting: str | None = None
    left_running: bool = False  # machinery of another process: not stopped (ignore.py)


def describe_leak(thread: Any, name: str, started_at: Site | None,
                  waiting_on: Any = None) -> LeakedThread:
    frame = sys._current_frames().get(thread.ident) if thread.ident else None
    target = getattr(thread, "_target", None)
    target_name = getattr(target, "__qualname__", None) if target is not None else None
    waiting = describe_wait(waiting_on) if waiting_on is not None else None
    return LeakedThread(name, bool(thread.daemon), target_name, started_at, site_of(frame),
                        waiting, left_running=not stoppable(thread))


def signature_site(exc: BaseException) -> Site | None:
    """Where the learner defined the function that a TypeError says was badly called:
    `Counter.increment() missing 1 required positional argument` -> its `def` line."""
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
