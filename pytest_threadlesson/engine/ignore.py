"""Ignore rules for the leak check: threads a suite means to outlive a test.

As goleak's `IgnoreTopFunction` and `IgnoreAnyFunction`: the default stays strict, and a
rule names the threads that are fine, by what they run. Three forms, each an fnmatch glob:

- `target:GLOB`  the thread's target function, `module.qualname` (`mypkg.pool._worker`);
- `name:GLOB`    the thread's name (`shared-pool_*`);
- `stack:GLOB`   any function `module.qualname` on the thread's current stack.

Plain Python, cheap to import: the plugin parses the ini key's rules at start-up without
loading the engine.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from types import FrameType
from typing import Any

KINDS = ("target", "name", "stack")

FORMS = (
    "  target:GLOB  the thread's target function, module.qualname "
    "(target:mypkg.pool._worker)\n"
    "  name:GLOB    the thread's name (name:shared-pool_*)\n"
    "  stack:GLOB   any function module.qualname on the thread's current stack "
    "(stack:mypkg.server.serve_forever)"
)


@dataclass(frozen=True)
class IgnoreRule:
    kind: str
    glob: str

    @classmethod
    def parse(cls, text: str) -> IgnoreRule:
        """`target:GLOB`, `name:GLOB` or `stack:GLOB`; ValueError with the three forms."""
        kind, sep, glob = text.strip().partition(":")
        if not sep or kind not in KINDS or not glob:
            raise ValueError(f"rule {text!r} is not one of:\n{FORMS}")
        return cls(kind, glob)

    def __str__(self) -> str:
        return f"{self.kind}:{self.glob}"

    def matches(self, thread: threading.Thread, names: Iterable[str],
                frame: FrameType | None) -> bool:
        if self.kind == "target":
            target = target_name(thread)
            return target is not None and fnmatchcase(target, self.glob)
        if self.kind == "name":
            return any(fnmatchcase(name, self.glob) for name in names)
        return any(fnmatchcase(function, self.glob) for function in stack_names(frame))


def parse_all(texts: Iterable[str]) -> tuple[IgnoreRule, ...]:
    return tuple(IgnoreRule.parse(text) for text in texts if text.strip())


def _qualified(function: Any) -> str | None:
    while isinstance(function, functools.partial):
        function = function.func
    function = getattr(function, "__func__", function)  # a bound method: its function
    qualname = getattr(function, "__qualname__", None)
    if not isinstance(qualname, str):
        return None
    module = getattr(function, "__module__", None)
    return f"{module}.{qualname}" if isinstance(module, str) else qualname


def target_name(thread: threading.Thread) -> str | None:
    """`module.qualname` of what the thread runs: its target, or its class's `run`."""
    target = getattr(thread, "_target", None)
    if target is None:
        run = getattr(type(thread), "run", None)
        if run is None or run is threading.Thread.run:
            return None
        target = run
    return _qualified(target)


# Threads that run another process's protocol: a multiprocessing pool's handlers, a
# queue's feeder thread. Stopped half-way, they leave their object's finalizer waiting on
# the other process for ever (a pool's `_terminate_pool` hung pytest's main thread at the
# next garbage collection): they are reported, and left running as without the plugin.
MACHINERY = ("multiprocessing.",)


def stoppable(thread: threading.Thread) -> bool:
    """Whether stopping `thread` leaves the objects it serves usable (MACHINERY)."""
    return not (target_name(thread) or "").startswith(MACHINERY)


def stack_names(frame: FrameType | None) -> Iterator[str]:
    """`module.qualname` of every function on a stack, innermost first."""
    while frame is not None:
        code = frame.f_code
        qualname = getattr(code, "co_qualname", code.co_name)  # co_qualname: 3.11+
        module = frame.f_globals.get("__name__")
        yield f"{module}.{qualname}" if isinstance(module, str) else qualname
        frame = frame.f_back


def accepts(rules: Iterable[IgnoreRule], thread: threading.Thread,
            names: Iterable[str]) -> bool:
    """Whether any rule accepts `thread` (`names`: its name and the name reports use)."""
    rules = tuple(rules)
    if not rules:
        return False
    frame = sys._current_frames().get(thread.ident) if thread.ident is not None else None
    names = tuple(names)
    return any(rule.matches(thread, names, frame) for rule in rules)


_OURS = ("threading.", "pytest_threadlesson.")


def suggest(thread: threading.Thread, name: str) -> str:
    """The rule that would accept threads like this one: by target, when the target is
    code of the user's or a library's (not ours or `threading`'s); else by name."""
    target = target_name(thread)
    if target is not None and not target.startswith(_OURS):
        return f"target:{target}"
    return f"name:{name}"
