"""What one step of a thread may touch: its footprint, for `dpor`'s dependency relation.

A step is what a thread does from one scheduling point to the next (docs/scheduling-
points.md): the shared byte-code or the primitive's operation it is paused at, then only
byte-codes local to its frame. Its footprint is computed when the thread announces the
step (paused at the point, before it runs): a tuple of accesses `(location, write)`.

Locations, and the over-approximations that keep this sound (docs/dpor.md):

- `("a", id(obj), name)`: an attribute of a known object. The object of `self.x`,
  `name.x`, `self.a.x` is found from the byte-codes that pushed it (a small symbolic
  stack per code object) and read from the paused frame. A module's attribute is its
  global. A data descriptor that is not a user property: the whole object, written.
- `("i", id(obj))`: every subscript of one container is one location.
- `("o", id(obj))`: the whole object: a call of a C method on it (`items.append`) is a
  write to it; a builtin function (`len`, `sum`) reads its arguments.
- `("g", id(globals), name)` a global; `("c", name)` a closure cell, keyed by its name.
- `("*",)`: any memory (an unknown object, a library's Python, an unknown byte-code);
  such a write also touches `("S",)`, every synchronisation object.
- `("s", key)`: a lock, condition, semaphore or thread (syncsteps.py).

A call into traced user code touches nothing itself: its byte-codes are steps. Accesses
conflict when one writes and their locations may be the same place (conflict.py).
"""

from __future__ import annotations

import builtins
import collections
import contextlib
import functools
import sys
import threading
import types
import weakref
from typing import Any

from ..frames import PACKAGE_DIR
from .conflict import ANY, NOTHING, UNKNOWN, Access, Loc, Op
from .iteration import bound_owner, consumed, iteration_footprint
from .libcalls import FIRST_LOCK, GETS_ONE, OWN_THREAD, POINT_FIRST, executor_class, fresh_executor
from .resolve import (
    ACTING_BUILTINS,
    CONTAINERS,
    MISSING,
    PLAIN,
    SCALARS,
    class_attr,
    instance_attr,
    place,
    resolve,
    type_attr,
    user_class,
    user_function,
)
from .symbols import CALLS, TWO, Sym, decoded
from .syncsteps import ANY_SYNC, is_ours
from .threadstart import thread_is_alive, threads

# Per run: (id(frame), offset of a with's entry) -> what its exit touches; at ~offset,
# NOTHING when that exit returns a plain bool (testing it touches nothing).
Memo = dict[tuple[int, int], "Op"]


def _ours_function(fn: Any) -> bool:
    code = getattr(fn, "__code__", None)
    return isinstance(code, types.CodeType) and code.co_filename.startswith(PACKAGE_DIR)


def attribute_loc(owner: Any, name: str) -> Loc:
    """Where `owner.name` is: `("k", id(cls), name)` for a class's attribute, else
    `("a", id(obj), name, id(obj.__dict__))` (0 for an object without one), so that a
    subscript of that dict (`vars(obj)["x"]`) meets it (conflict.py)."""
    if isinstance(owner, type):
        return ("k", id(owner), name)
    try:
        data = object.__getattribute__(owner, "__dict__")
    except Exception:  # no __dict__ (slots), or a library's own attribute lookup
        return ("a", id(owner), name, 0)
    return ("a", id(owner), name, id(data) if isinstance(data, dict) else 0)


def _attribute(owner: Any, name: str, write: bool) -> Op:
    if isinstance(owner, types.ModuleType):
        return ((("g", id(owner.__dict__), name), write),)
    if isinstance(owner, weakref.ProxyTypes):
        return ((ANY, write),)  # the referent's attribute: which object is not known
    if is_ours(owner) and instance_attr(owner, name) is not MISSING:
        # a primitive's own state (`sem._value`): its points change it, under locks
        # the primitive keeps: any synchronisation object
        return ((ANY_SYNC, write),)
    if _state_under_lock(owner) and instance_attr(owner, name) is not MISSING:
        # a standard queue's data (`q.queue`, `q.unfinished_tasks`): its methods change
        # it between their lock's points (unfinished.py's "u" locations)
        return ((attribute_loc(owner, name), write), (("o", id(owner)), write))
    where = class_attr(owner, name)
    if not write and isinstance(where, property) and where in GETS_ONE:
        return ((attribute_loc(owner, GETS_ONE[where]), False),)
    if where is not MISSING and hasattr(type(where), "__set__"):
        if isinstance(where, property) and all(
                f is None or user_function(f) for f in (where.fget, where.fset, where.fdel)):
            return ((attribute_loc(owner, name), write),)
        return ((("o", id(owner)), True),)  # a descriptor of a library: the whole object
    if not write and where is not MISSING and hasattr(type(where), "__get__") and \
            not isinstance(where, _PLAIN_GETS) and instance_attr(owner, name) is MISSING:
        if isinstance(where, functools.cached_property):
            return ((attribute_loc(owner, name), True),)  # looks, computes, stores it there
        if not user_function(getattr(type(where), "__get__", None)):
            return ((("o", id(owner)), True),)  # a library's descriptor: anything
    return ((attribute_loc(owner, name), write),)


def _state_under_lock(owner: Any) -> bool:
    """Is `owner` a standard queue, whose methods change its data between points?"""
    module = sys.modules.get("queue")
    return module is not None and isinstance(owner, module.Queue)


# Descriptors whose `__get__` only binds or returns what they hold.
_PLAIN_GETS = (types.FunctionType, types.BuiltinFunctionType, types.MethodDescriptorType,
               types.WrapperDescriptorType, types.ClassMethodDescriptorType,
               types.MethodWrapperType, staticmethod, classmethod, types.MethodType)


def _looked_up(args: list[Any]) -> Op:
    """`getattr(obj, name[, default])`, `hasattr(obj, name)`: reading that attribute."""
    if len(args) < 2 or args[0] is MISSING:
        return UNKNOWN
    if not isinstance(args[1], str):
        return ((("o", id(args[0])), True),)  # some attribute: any descriptor of it
    return (*_attribute(args[0], args[1], False), *_reads(args[2:]))


def _reads(values: list[Any]) -> Op:
    """A builtin reading its arguments: each object, or any memory when unknown."""
    out: list[Access] = []
    for v in values:
        if v is MISSING:
            return ((ANY, False),)
        owner = bound_owner(v)
        if owner is not None:  # `sorted(names, key=scores.get)`: the builtin calls it
            out.append((("o", place(owner)), True))
        elif not isinstance(v, SCALARS):
            run = consumed(v)  # an iterator: what running it reads
            out.extend(((("o", place(v)), False),) if run is None else run)
    return tuple(out)


# Builtin values whose methods cannot change them (`", ".join(parts)` reads the string).
_IMMUTABLE = (str, bytes, tuple, frozenset, int, float, complex, range)


def _method_of(owner: Any, args: list[Any]) -> Op:
    """A builtin method of `owner` called with `args`: writes its owner (reads it, when
    it cannot change) and reads its arguments."""
    return ((("o", place(owner)), not isinstance(owner, _IMMUTABLE)), *_reads(args))
_STORES = (list.append, list.insert, collections.deque.append, collections.deque.appendleft)


def _call(inputs: tuple[Sym, ...], frame: types.FrameType, memo: Memo, name: str) -> Op:
    meth = next((s for s in inputs[:2] if s is not None and s[0] == "meth"), None)
    if name in ("CALL_FUNCTION", "CALL_FUNCTION_KW"):  # 3.10: no slot for self or NULL
        inputs = (("null",), *inputs)
    if meth is not None and len(meth) == 3 and meth[2] in ("__enter__", "__exit__") and \
            sys.version_info >= (3, 14):  # 3.14's with: LOAD_SPECIAL, then the method's call
        enter, exit_, _ = _with(meth[1], frame)
        return enter if meth[2] == "__enter__" else exit_
    if meth is not None and len(meth) == 4:  # a with's exit (its arguments: three Nones)
        if all(s == ("const", None) for s in inputs[inputs.index(meth) + 1:]):
            return memo.get((id(frame), meth[3]), UNKNOWN)
        return UNKNOWN
    args = [resolve(s, frame) for s in inputs[2:] if s is None or s[0] != "null"]
    if meth is not None:
        owner = resolve(meth[1], frame)
        if owner is MISSING:
            return UNKNOWN
        if is_ours(owner):
            if _point_first(owner, meth[2]):
                return NOTHING  # it reaches its own point before it touches anything
            lock = instance_attr(owner, "_lock")  # a condition's wait releases its lock
            held = ((("s", id(lock)), True),) if is_ours(lock) else ()
            return ((("s", id(owner)), True), *held)  # a primitive: its own steps say more
        fn = instance_attr(owner, meth[2])
        if fn is not MISSING and not isinstance(owner, (types.ModuleType, type)):
            return _function(fn, args)  # a callable kept in the instance: called as it is
        if fn is MISSING:
            fn = class_attr(owner, meth[2])
        if user_function(fn):
            return ((attribute_loc(owner, meth[2]), False),)
        if _cm_helper(fn):
            return NOTHING  # a new context manager holding a new generator
        if _point_first(owner, meth[2]):
            return NOTHING  # a queue's method: its lock's points are its steps
        if isinstance(owner, types.ModuleType) or isinstance(owner, type):
            return _function(fn, args)
        if _ours_function(fn):  # patched by us (Thread.start): a point
            rec = threads.get(owner) if fn is thread_is_alive else None
            if rec is not None:  # `is_alive()` also reads whether the thread has ended
                return ((("s", id(owner)), True), (("s", ("thread", rec.idx)), False))
            return ((("s", id(owner)), True),)
        if fn in _STORES:
            return ((("o", id(owner)), True),)  # it keeps its argument, reads nothing of it
        if type(fn).__name__ in ("method_descriptor", "wrapper_descriptor",
                                 "builtin_function_or_method"):
            return _method_of(owner, args)
        return UNKNOWN
    first = next((s for s in inputs[:2] if s is None or s[0] != "null"), None)
    if first == ("made",):
        return NOTHING  # a function this code made (a comprehension, a lambda): traced
    return _function(resolve(first, frame), args)


def call_footprint(fn: Any, args: list[Any]) -> Op:
    """What calling `fn(*args)` touches by itself (user code: nothing, its steps say)."""
    return _function(fn, args)


def _function(fn: Any, args: list[Any]) -> Op:
    if fn is MISSING:
        return UNKNOWN
    if any(fn is f for f in OWN_THREAD):
        return NOTHING
    if user_function(fn):
        return NOTHING
    if _cm_helper(fn):
        return NOTHING  # a new context manager holding a new generator: nobody else has them
    if isinstance(fn, types.MethodType):
        owner = fn.__self__
        if user_function(fn.__func__):
            return NOTHING
        if is_ours(owner) or _ours_function(fn.__func__):
            return ((("s", id(owner)), True),)
        return UNKNOWN
    if isinstance(fn, type):
        if issubclass(fn, threading.Thread):
            return ((("s", "thread names"), True),)  # Thread.__init__ numbers its name
        if str(fn.__module__).startswith("pytest_threadlesson") or fn is object:
            return NOTHING  # a new primitive of ours: nobody else has it yet
        executor = executor_class(fn)
        if executor is not None:  # a new executor; its default name numbers executors
            return ((("o", id(executor)), True),)
        init, new = type_attr(fn, "__init__"), type_attr(fn, "__new__")
        if (init is object.__init__ or user_function(init)) and \
                (new is object.__new__ or user_function(new)):
            return NOTHING  # a new object of user code: its __init__ is traced
        if user_class(fn) and \
                _builtin(init) and _builtin(new):
            return _reads(args)  # a user class on a builtin base (an exception): C stores
        if fn.__module__ == "builtins":
            return _reads(args)  # list(shared), dict(shared): reads them
        return UNKNOWN
    if isinstance(fn, types.BuiltinFunctionType):
        owner = fn.__self__
        if owner is builtins:
            if fn is print:  # it writes the stream: `sys.stdout` now, or its `file=`
                return ((("o", id(sys.stdout)), True),
                        *(((ANY, True) if v is MISSING else (("o", id(v)), True))
                          for v in args if not isinstance(v, SCALARS)))
            if fn is getattr or fn is hasattr:  # the attribute's descriptor runs
                return _looked_up(args)
            return UNKNOWN if fn.__name__ in ACTING_BUILTINS else _reads(args)
        if owner is not None and not isinstance(owner, types.ModuleType):
            return _method_of(owner, args)
        return UNKNOWN
    if isinstance(fn, (types.MethodDescriptorType, types.WrapperDescriptorType)) and args \
            and args[0] is not MISSING and isinstance(args[0], fn.__objclass__):
        owner = args[0]  # `str.upper(title)`: the method of its first argument
        return _method_of(owner, args[1:])
    if is_ours(fn) or str(getattr(fn, "__module__", "")).startswith("pytest_threadlesson"):
        return ((ANY_SYNC, True),)
    return UNKNOWN


_CM_CODE = contextlib.contextmanager(lambda: iter(())).__code__


def _cm_helper(fn: Any) -> bool:
    """A function made by `contextlib.contextmanager` around a user generator function."""
    if isinstance(fn, types.MethodType):
        fn = fn.__func__
    return getattr(fn, "__code__", None) is _CM_CODE and \
        user_function(getattr(fn, "__wrapped__", None))


def _builtin(method: Any) -> bool:
    return type(method).__name__ in ("wrapper_descriptor", "builtin_function_or_method",
                                     "method_descriptor")


def _operands(values: list[Any], write: bool) -> Op:
    out: list[Access] = []
    for v in values:
        if v is MISSING:
            return ((ANY, write),)
        if isinstance(v, SCALARS):
            continue
        run = consumed(v)  # `x in it` runs the iterator
        if run is not None:
            out.extend(run)
        elif type(v) in CONTAINERS or not user_function(class_attr(v, "__eq__")):
            out.append((("o", place(v)), write))
        # an instance of a user class: its operators are traced code
    return tuple(out)


def _name_access(name: str, argval: Any, frame: types.FrameType) -> Op | None:
    if name in ("LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL"):
        return ((("g", id(frame.f_globals), argval), name != "LOAD_GLOBAL"),)
    if name in ("LOAD_DEREF", "STORE_DEREF", "DELETE_DEREF", "LOAD_CLASSDEREF",
                "LOAD_FROM_DICT_OR_DEREF"):
        return ((("c", argval), name.startswith(("STORE", "DELETE"))),)
    if name in ("LOAD_NAME", "STORE_NAME", "DELETE_NAME", "LOAD_FROM_DICT_OR_GLOBALS"):
        write = not name.startswith("LOAD")
        same = frame.f_code.co_flags & 0x0001 == 0 and \
            frame.f_locals is frame.f_globals
        g = (("g", id(frame.f_globals), argval), write)
        return (g,) if same else (g, (ANY, write))
    return None


def footprint(frame: types.FrameType, memo: Memo | None = None) -> Op:
    """The accesses of the step a thread is paused at (a shared byte-code of `frame`).
    `memo`, kept by the caller for one run: what each with statement entered, for its
    exit (the entry's frame is paused there, the exit's may not know its manager)."""
    dec = decoded(frame.f_code)
    entry = dec.at.get(frame.f_lasti)
    if entry is None:
        return UNKNOWN
    try:
        op = instruction_footprint(entry, frame, {} if memo is None else memo)
    except Exception:  # a footprint never breaks the run: when unsure, anything
        return UNKNOWN
    return op


def instruction_footprint(entry: tuple[str, Any, str, tuple[Sym, ...]],
                          frame: types.FrameType, memo: Memo) -> Op:
    """The accesses of the instruction `entry` (decoded.at's) where `frame` is paused."""
    name, argval, argrepr, inputs = entry
    found = _name_access(name, argval, frame)
    if found is not None:
        return found
    if name == "LOAD_SPECIAL" and _fresh_manager(inputs[-1], frame):
        return NOTHING  # 3.14's with, on a context manager only this frame has
    if name in ("LOAD_ATTR", "LOAD_METHOD", "LOAD_SPECIAL", "STORE_ATTR", "DELETE_ATTR"):
        owner = resolve(inputs[-1], frame)
        if owner is MISSING:
            return ((ANY, True), (ANY_SYNC, True))
        return _attribute(owner, str(argval), not name.startswith("LOAD"))
    if name in ("BINARY_SUBSCR", "STORE_SUBSCR", "DELETE_SUBSCR", "BINARY_SLICE",
                "STORE_SLICE") or (name == "BINARY_OP" and argrepr == "[]"):
        container = resolve(inputs[1] if name == "STORE_SUBSCR" else inputs[0], frame)
        if name in ("BINARY_SLICE", "STORE_SLICE") or container is MISSING:
            return ((ANY, True), (ANY_SYNC, True))
        write = not name.startswith("BINARY") or hasattr(type(container), "__missing__")
        if type(container) is types.MappingProxyType:
            return ((ANY, False),)  # `vars(cls)[name]`: a class's attribute, or any
        if type(container) in CONTAINERS or type(container).__name__ in ("deque",
                                                                         "defaultdict"):
            return ((("i", id(container)), write),)
        return ((("i", place(container)), write), (("o", place(container)), True))
    if name in CALLS:
        return _call(inputs, frame, memo, name)
    if name == "WITH_EXCEPT_START":
        exit_ = inputs[-1]
        if exit_ is not None and len(exit_) == 3:  # 3.14: its LOAD_SPECIAL's method
            return _with(exit_[1], frame)[1]
        return UNKNOWN if exit_ is None else memo.get((id(frame), exit_[3]), UNKNOWN)
    if name in ("GET_ITER", "FOR_ITER", "UNPACK_SEQUENCE", "UNPACK_EX", "LIST_EXTEND",
                "SET_UPDATE", "DICT_UPDATE", "DICT_MERGE", "GET_LEN"):
        return iteration_footprint(name, inputs[-1], frame)
    if name in ("BEFORE_WITH", "SETUP_WITH"):
        enter, exit_, plain = _with(inputs[-1], frame)
        memo[(id(frame), frame.f_lasti)] = exit_
        if plain:
            memo[(id(frame), ~frame.f_lasti)] = NOTHING
        else:
            memo.pop((id(frame), ~frame.f_lasti), None)
        return enter
    if name in ("FORMAT_VALUE", "FORMAT_SIMPLE", "CONVERT_VALUE") and \
            _formats_itself(_made_type(inputs[-1], frame)):
        return NOTHING  # a number or a string; a user object's dunders are traced code
    if inputs and inputs[-1] is not None and inputs[-1][0] == "exited" and \
            (id(frame), ~inputs[-1][1]) in memo:
        return NOTHING  # testing what our exit or contextmanager's returned: a bool
    if name in TWO or name.startswith(("BINARY_", "INPLACE_", "UNARY_", "COMPARE")) or \
            name in ("TO_BOOL", "CONTAINS_OP") or name.startswith("POP_JUMP") or \
            name.startswith("JUMP_IF"):
        write = name.startswith("INPLACE_") or (name == "BINARY_OP" and "=" in argrepr)
        n = 2 if name in TWO or name.startswith(("BINARY_", "INPLACE_")) else 1
        return _operands([resolve(s, frame) for s in inputs[-n:]], write)
    return UNKNOWN


_FORMATTING = ("__format__", "__str__", "__repr__")


def _made_type(sym: Sym, frame: types.FrameType) -> type | None:
    """The type of what `sym` stands for: of the object, or the class a call made it
    with (`f"{Point(x)}"`); None when unknown."""
    value = resolve(sym, frame)
    if value is not MISSING:
        return type(value)
    if sym is not None and sym[0] == "ret":
        made = resolve(sym[1], frame)
        if type(made) is type and type_attr(made, "__new__") is object.__new__ and \
                user_class(made):
            return made  # a plain user class: what it makes is an instance of it
    return None


def _formats_itself(kind: type | None) -> bool:
    """Does formatting an object of `kind` run no code but object's and the code under
    test's?"""
    if kind is None:
        return False
    if kind in PLAIN:
        return True
    return all((f := type_attr(kind, n)) is object.__dict__[n] or user_function(f)
               for n in _FORMATTING)


def _point_first(owner: Any, name: str) -> bool:
    if type(owner).__name__ == "Condition" and name in ("__enter__", "__exit__"):
        lock = instance_attr(owner, "_lock")  # it enters its lock: ours, or user code
        return lock is not MISSING and _point_first(lock, name)
    fn = class_attr(owner, name)
    module = str(getattr(fn, "__module__", ""))
    first = FIRST_LOCK.get(module)
    if module == "concurrent.futures._base" and name.startswith("__"):
        first = "_shutdown_lock"  # Executor's with: the executor's own lock
    if first is not None and not is_ours(instance_attr(owner, first)):
        return False  # made outside the scheduler: its lock has no points
    return getattr(fn, "__qualname__", None) in POINT_FIRST.get(module, ())


def _callee(sym: Sym, frame: types.FrameType) -> Any:
    """The function a call's callee symbol names (a method: the class's function)."""
    if sym is None or sym[0] != "meth":
        return resolve(sym, frame)
    owner = resolve(sym[1], frame)
    if owner is MISSING or instance_attr(owner, sym[2]) is not MISSING:
        return MISSING
    return class_attr(owner, sym[2])


def _fresh_cm(sym: Sym, frame: types.FrameType) -> bool:
    """`sym` is a context manager a `@contextmanager` function just made for this frame."""
    return sym is not None and sym[0] == "ret" and _cm_helper(_callee(sym[1], frame))


def _fresh_manager(sym: Sym, frame: types.FrameType) -> bool:
    """A context manager just made for this with statement: a `@contextmanager`'s (its
    generator is traced) or a new executor (`with ThreadPoolExecutor(...)`: its with
    returns it, and leaves through `shutdown`, which starts with its own lock)."""
    return _fresh_cm(sym, frame) or (sym is not None and sym[0] == "ret" and
                                     fresh_executor(_callee(sym[1], frame)))


def _with(sym: Sym, frame: types.FrameType) -> tuple[Op, Op, bool]:
    """What entering the with statement on `sym` touches, what its exit will, and whether
    that exit returns a plain bool or None (ours and contextmanager's do)."""
    if _fresh_manager(sym, frame):
        return NOTHING, NOTHING, True  # made for this with: nobody else has it yet
    mgr = resolve(sym, frame)
    if mgr is MISSING:
        return UNKNOWN, UNKNOWN, False
    if is_ours(mgr):
        if _point_first(mgr, "__enter__") and _point_first(mgr, "__exit__"):
            return NOTHING, NOTHING, True  # the lock's own points are its steps
        return ((("s", id(mgr)), True),), ((("s", id(mgr)), True),), True
    if _point_first(mgr, "__enter__") and _point_first(mgr, "__exit__"):
        return NOTHING, NOTHING, True  # an executor: its lock's points are its steps
    enter, exit_ = class_attr(mgr, "__enter__"), class_attr(mgr, "__exit__")
    return (NOTHING if user_function(enter) else UNKNOWN,
            NOTHING if user_function(exit_) else UNKNOWN, False)
