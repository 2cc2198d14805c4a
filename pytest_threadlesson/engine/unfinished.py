"""Steps inside a call that is not finished, for `dpor` and `systematic`.

A builtin that calls back into traced code (`items.sort(key=f)`, `sorted`, `max(key=)`,
`heapq.heappush` comparing with a user `__lt__`, a dict calling a user `__eq__`), or a
library function that does (`functools.cached_property`, `Counter.update` pulling from a
user generator), is not done when its callbacks' steps run: it may touch memory between
them and after the last one, and other threads can see its half-done state meanwhile
(`list.sort` empties the list until it ends). Its footprint, announced with the step that
called it, is only the first of the steps it spans: every step of its callbacks touches
it too, and a callback's start is a step of its own (docs/scheduling-points.md,
"Callbacks"; docs/dpor.md).
"""

from __future__ import annotations

import functools
import threading
import types
from collections.abc import Callable
from typing import Any

from ..frames import PACKAGE_DIR, compiled_at_run_time, is_user_code, is_user_file
from .conflict import NOTHING, Op
from .footprint import Memo, call_footprint, instruction_footprint
from .resolve import MISSING, class_attr, instance_attr, resolve
from .symbols import CALLS, Sym, decoded

_FRAMES_ABOVE = 64


def unfinished_calls(frame: types.FrameType | None, below: types.CodeType | None,
                     memo: Memo) -> Op:
    """What the paused instructions of the user frames from `frame` upwards may still
    touch: each one that runs the code below it through something else (a builtin), or
    whose callee is not traced (a library's Python, ours), adds its footprint. `below`:
    the code of the frame under `frame`, the step's own (traced) frame; None for a
    synchronisation point, whose frame is ours."""
    out: Op = NOTHING
    depth = 0
    under = _USER if below is not None else _OURS  # what the frame below `frame` runs
    while frame is not None and depth < _FRAMES_ABOVE:
        depth += 1
        code = frame.f_code
        known = _code_kinds.get(id(code))  # by id: a code object hashes its contents
        kind = known[1] if known is not None and known[0] is code else _code_kind(code)
        if kind == _RUN_TIME:
            kind = _USER if is_user_code(frame) else _LIBRARY
        elif kind == _LIBRARY and id(code) in _CALLERS:  # a pool runs what it was given
            caller, footprint_of = _CALLERS[id(code)]
            if caller is code:
                out += footprint_of(frame.f_locals.get("self"))
        # Below a user frame: traced code says what it does itself, unless a builtin ran
        # it; a library's Python is not traced, so what it does until it returns is the
        # call's footprint; our primitives do their shared work at their own points.
        if kind == _USER and below is not None and under != _OURS:
            entry = decoded(code).at.get(frame.f_lasti)
            if entry is not None and not (under == _USER and
                                          _calls_directly(entry, frame, below)):
                out += instruction_footprint(entry, frame, memo)
        below, under = code, kind
        frame = frame.f_back
    return out


# What a code object is: a library's, a user file's, compiled at run time (whose it is
# depends on who compiled it: `is_user_code`), or ours. By id(code): (code, kind), the
# code kept so that its id is not reused.
_LIBRARY, _USER, _RUN_TIME, _OURS = range(4)
_code_kinds: dict[int, tuple[types.CodeType, int]] = {}


def _code_kind(code: types.CodeType) -> int:
    name = code.co_filename
    if name.startswith(PACKAGE_DIR):
        kind = _OURS
    elif compiled_at_run_time(name):
        kind = _RUN_TIME
    else:
        kind = _USER if is_user_file(name) else _LIBRARY
    if kind != _RUN_TIME:
        if len(_code_kinds) > 100_000:
            _code_kinds.clear()
        _code_kinds[id(code)] = (code, kind)
    return kind


def _calls_directly(entry: tuple[str, Any, str, tuple[Sym, ...]], frame: types.FrameType,
                    callee: types.CodeType) -> bool:
    """Is `callee` run by the paused instruction itself: a call of that Python function
    (or of a class whose `__init__` it is), a generator resumed by `for` or `yield from`,
    a user property read? Then nothing of the instruction is left when it returns. A call
    whose callee cannot be resolved from the frame (an item of a list, a call's result,
    `f(*args)`) is taken as a call of the user function it runs (docs/dpor.md)."""
    name, _, _, inputs = entry
    if name in ("FOR_ITER", "SEND", "YIELD_FROM", "GET_ITER", "GET_AWAITABLE"):
        return False  # resuming a generator: its steps touch it (another thread may too)
    if name == "CALL_FUNCTION_EX":
        return is_user_file(callee.co_filename)
    if name not in CALLS:
        return name in ("LOAD_ATTR", "STORE_ATTR") and is_user_file(callee.co_filename)
    if name in ("CALL_FUNCTION", "CALL_FUNCTION_KW"):
        inputs = (("null",), *inputs)
    meth = next((s for s in inputs[:2] if s is not None and s[0] == "meth"), None)
    if meth is not None:
        owner = resolve(meth[1], frame)
        fn = MISSING if owner is MISSING else instance_attr(owner, meth[2])
        if owner is not MISSING and fn is MISSING:
            fn = class_attr(owner, meth[2])
    else:
        first = next((s for s in inputs[:2] if s is None or s[0] != "null"), None)
        if first == ("made",):
            return True  # a function this frame made (a comprehension, a lambda)
        fn = resolve(first, frame)
    if fn is MISSING:
        return is_user_file(callee.co_filename)
    return _runs(fn, callee)


def _runs(fn: Any, code: types.CodeType) -> bool:
    """Does calling `fn` run `code` first, from Python (no builtin in between)?"""
    if isinstance(fn, (types.MethodType, staticmethod, classmethod)):
        fn = fn.__func__
    if getattr(fn, "__code__", None) is code:
        return True
    if isinstance(fn, type):  # its instance's __new__ or __init__, called by type
        return any(getattr(k.__dict__.get(n), "__code__", None) is code
                   for k in fn.__mro__ for n in ("__new__", "__init__"))
    call = class_attr(fn, "__call__")
    return getattr(call, "__code__", None) is code


# The standard library's code that calls what a test gave it, in a thread of its own (a
# pool's worker runs the submitted callable, then the future's done-callbacks) between
# our points: a builtin given there runs in the worker's steps. By the caller's code.
def _work_item(item: Any) -> Op:
    task = getattr(item, "task", None)  # 3.14: (fn, args, kwargs); before: its attributes
    if isinstance(task, tuple) and len(task) == 3:
        return _target(task[0], list(task[1]))
    return _target(getattr(item, "fn", None), list(getattr(item, "args", ())))


def _done_callbacks(future: Any) -> Op:
    return tuple(a for fn in list(getattr(future, "_done_callbacks", ()))
                 for a in _target(fn, [future]))


def _queue_state(q: Any) -> Op:
    """A standard queue's method changes (or reads) its items and counters between its
    lock's points: each of its steps writes the queue and the container it keeps
    (`q.queue`), which code reading them without the lock (`len(q.queue)`,
    `q.unfinished_tasks`) meets. Its own steps are ordered by its lock: as "u"
    locations (conflict.py) they do not meet each other."""
    if q is None:
        return NOTHING
    held = instance_attr(q, "queue")
    mine: Op = ((("u", id(q)), True),)  # not a dependency between its own steps
    return mine if held is MISSING else (*mine, (("u", id(held)), True))


def _callers() -> dict[int, tuple[types.CodeType, Callable[[Any], Op]]]:
    import concurrent.futures._base as base
    import concurrent.futures.thread as pool
    import queue

    found = [(pool._WorkItem.run.__code__, _work_item),
             (base.Future._invoke_callbacks.__code__,  # type: ignore[attr-defined]
              _done_callbacks)]
    found += [(fn.__code__, _queue_state) for fn in vars(queue.Queue).values()
              if isinstance(fn, types.FunctionType)]
    return {id(code): (code, footprint_of) for code, footprint_of in found}


# -- threads whose body is not traced -----------------------------------------------------
# A thread whose target is a builtin (`Thread(target=log.append, args=(x,))`) runs it
# between its start and its end with no point in between: its first step is that call.
# A library's body between its points is not traced either; only the bodies below are
# known to touch nothing shared but through our primitives (a pool worker starts at its
# queue's get). So each step of such a thread touches what its body may touch.
_KNOWN_BODIES = {"concurrent.futures.thread._worker"}


def thread_root(frame: types.FrameType | None) -> tuple[int, Op] | None:
    """At a thread's start (our `Thread.start` or `_thread.start_new_thread`, on the
    stack above `frame`): the new thread's number, and what each of its steps touches
    besides its own accesses."""
    depth = 0
    while frame is not None and depth < 16:
        depth += 1
        local = frame.f_locals if frame.f_code.co_filename.startswith(PACKAGE_DIR) else {}
        idx = getattr(local.get("rec"), "idx", None)
        if isinstance(idx, int) and "body" in local and "self" in local:
            return idx, _body(local["body"], local["self"])
        if isinstance(idx, int) and "function" in local:
            return idx, _target(local["function"], list(local.get("args") or ()))
        frame = frame.f_back
    return None


def _body(body: Any, thread: Any) -> Op:
    run = getattr(body, "__func__", None)
    if run is threading.Thread.run:
        return _target(getattr(thread, "_target", None), list(getattr(thread, "_args", ())))
    if run is threading.Timer.run:  # waits on its Event (ours), then calls the function
        return _target(getattr(thread, "function", None), list(getattr(thread, "args", ())))
    return _target(body, [])


def _target(fn: Any, args: list[Any]) -> Op:
    while isinstance(fn, functools.partial):
        args = [*fn.args, *args]
        fn = fn.func
    call = class_attr(fn, "__call__")
    if isinstance(call, types.FunctionType) and not isinstance(fn, type):
        fn = call  # an object of a class with a Python __call__: that is what runs
    code = getattr(getattr(fn, "__func__", fn), "__code__", None)
    if fn is None or (isinstance(code, types.CodeType) and is_user_file(code.co_filename)):
        return NOTHING  # the code under test: its own steps say what it touches
    name = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}"
    return NOTHING if name in _KNOWN_BODIES else call_footprint(fn, args)


_CALLERS = _callers()
