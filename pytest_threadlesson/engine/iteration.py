"""What iterating touches, for `dpor`: the footprint of `GET_ITER`, `FOR_ITER`, unpacking
and the builders that extend from an iterable (footprint.py asks; docs/dpor.md).

A list, a dict or a tuple is read; an iterator of one reads its container; resuming a
generator of the code under test writes it (its steps run inside, unfinished.py). An
object whose iteration is the code under test's own (`__iter__` returning itself with a
Python `__next__`, or a generator `__iter__`) touches nothing at the instruction: the
code it runs is traced, and its steps say what they touch.
"""

from __future__ import annotations

import builtins
import dis
import functools
import gc
import types
from typing import Any

from ..frames import is_user_file
from .conflict import NOTHING, UNKNOWN, Op
from .resolve import (
    ACTING_BUILTINS,
    MISSING,
    SCALARS,
    place,
    resolve,
    type_attr,
    user_class,
    user_function,
)
from .symbols import Sym

_ITERATORS = {"list_iterator", "tuple_iterator", "range_iterator", "longrange_iterator",
              "set_iterator",
              "str_iterator", "str_ascii_iterator", "dict_keyiterator", "dict_valueiterator",
              "dict_itemiterator", "list_reverseiterator", "bytes_iterator",
              "_deque_iterator"}
_CONTAINER_ITER: tuple[type, ...] = (
    list, tuple, dict, set, frozenset, str, bytes, bytearray, range,
    type({}.keys()), type({}.values()), type({}.items()))

# Builtins whose result is a new container or a range: iterating or unpacking it reads
# nothing another thread has (the call itself has its own footprint).
_FRESH = (range, sorted, list, tuple)
_GENERATOR_FUNCTION = 0x20  # CO_GENERATOR: calling it makes a new generator

# The instructions that run the iteration protocol on their operand (`iter`, then `next`
# until it ends, but GET_ITER: only `iter`). GET_LEN and the dict merges call other
# methods (`__len__`, `keys`): they keep the plain rule.
_PROTOCOL = ("GET_ITER", "FOR_ITER", "UNPACK_SEQUENCE", "UNPACK_EX", "LIST_EXTEND",
             "SET_UPDATE")


def iteration_footprint(name: str, sym: Sym, frame: types.FrameType) -> Op:
    """The accesses of the iterating instruction `name` on the operand `sym`."""
    if sym is not None and sym[0] == "iter":
        sym = sym[1]
    if sym == ("built",):
        return NOTHING  # a tuple or list this frame just built: nobody else has it
    if sym is not None and sym[0] == "ret":
        made = resolve(sym[1], frame)
        if any(made is f for f in _FRESH) or (
                user_function(made) and made.__code__.co_flags & _GENERATOR_FUNCTION):
            return NOTHING  # a new list, or a new generator of user code: only ours
        if type(made) is type and type_attr(made, "__new__") is object.__new__ and \
                _traced(made, name):
            return NOTHING  # a new object of a user class that iterates itself
        return UNKNOWN
    obj = resolve(sym, frame)
    if obj is MISSING:
        return UNKNOWN
    if isinstance(obj, _CONTAINER_ITER) or type(obj).__name__ == "deque":
        return ((("o", place(obj)), False),)  # a dict's view reads the dict
    if isinstance(obj, types.GeneratorType) and is_user_file(obj.gi_code.co_filename):
        return ((("o", id(obj)), True),)  # resumes it: its steps run inside (unfinished.py)
    if type(obj).__name__ in _ITERATORS:  # it reads its container, found through the gc
        held = [r for r in gc.get_referents(obj) if not isinstance(r, SCALARS)]
        return (*((("o", id(r)), False) for r in held), (("o", id(obj)), True))
    return NOTHING if _traced(type(obj), name) else UNKNOWN


def _traced(kind: type, name: str) -> bool:
    """Does the instruction `name` on an object of `kind` run only the code under test
    (which is traced), besides the interpreter's own calls of it?"""
    if name not in _PROTOCOL:
        return False
    start = type_attr(kind, "__iter__")
    if not user_function(start):
        return False
    code = start.__code__
    if name == "GET_ITER" or code.co_flags & _GENERATOR_FUNCTION:
        return True  # only `__iter__` runs; or what it returns is a new user generator
    return _returns_self(code) and user_function(type_attr(kind, "__next__"))


@functools.lru_cache(maxsize=1024)
def _returns_self(code: types.CodeType) -> bool:
    """Is `code` a method whose body is `return self`?"""
    body = [i for i in dis.get_instructions(code)
            if i.opname not in ("RESUME", "NOP", "CACHE", "EXTENDED_ARG")]
    return (code.co_argcount >= 1 and len(body) == 2
            and body[0].opname.startswith("LOAD_FAST") and body[0].argval == code.co_varnames[0]
            and body[1].opname == "RETURN_VALUE")


_HELD: tuple[type, ...] = (list, dict, set, bytearray, type({}.keys()), type({}.values()),
                           type({}.items()))


def consumed(obj: Any) -> Op | None:
    """What a builtin taking the iterator `obj` (`dict(pairs)`, `items.extend(it)`, kept
    from before) touches by running it: it advances the iterator (a write) and reads the
    containers it reads from, found through the gc, through the iterators it wraps (`zip`,
    `map`, `reversed`); None when `obj` is not an iterator. A user generator runs traced
    code (its steps say more); anything not known: any memory."""
    if not hasattr(type(obj), "__next__"):
        return None
    if isinstance(obj, types.GeneratorType) and is_user_file(obj.gi_code.co_filename):
        return ((("o", id(obj)), True),)
    out: list[tuple[Any, bool]] = []
    todo, seen = [obj], set()
    while todo:
        item = todo.pop()
        owner = bound_owner(item)
        if owner is not None:  # `map(scores.get, names)`: it calls a method of `owner`
            out.append((("o", place(owner)), True))
            continue
        if callable(item) and not isinstance(item, _HELD) and \
                not hasattr(type(item), "__next__"):
            if _runs_known(item):
                continue  # what it reads are its arguments, found with the iterators
            return UNKNOWN  # a library's function, `print`, a method of a mutable type
        if id(item) in seen or isinstance(item, SCALARS):
            continue
        seen.add(id(item))
        if len(seen) > 32:
            return UNKNOWN
        if isinstance(item, _HELD) or type(item).__name__ == "deque":
            out.append((("o", place(item)), False))
        elif type(item) is tuple:
            todo.extend(item)
        elif hasattr(type(item), "__next__") and type(item).__module__ in ("builtins",
                                                                           "itertools"):
            out.append((("o", id(item)), True))
            todo.extend(gc.get_referents(item))
        else:
            return UNKNOWN
    return tuple(out)


_PLAIN_TYPES = (str, bytes, int, float, complex, bool, tuple, frozenset)


def _runs_known(fn: Any) -> bool:
    """Does calling `fn` (which an iterator calls for each item: `map(fn, ...)`) run only
    traced code or a builtin that reads its arguments?"""
    if user_function(fn) or (isinstance(fn, type) and (
            fn.__module__ == "builtins" or user_class(fn))):
        return True  # the code under test (traced), or a builtin type made from them
    if isinstance(fn, types.BuiltinFunctionType):  # not print (its stream), nor iter
        return fn.__self__ is builtins and fn.__name__ not in ACTING_BUILTINS and \
            fn is not print and fn is not iter
    if isinstance(fn, (types.MethodDescriptorType, types.WrapperDescriptorType)):
        return fn.__objclass__ in _PLAIN_TYPES  # `str.upper`: it reads its argument
    return False


def bound_owner(fn: Any) -> Any:
    """The object a builtin method is bound to (`scores.get`: `scores`), when it is not
    a module nor a plain value; else None."""
    if not isinstance(fn, (types.BuiltinMethodType, types.MethodWrapperType)):
        return None
    owner = getattr(fn, "__self__", None)
    if owner is None or isinstance(owner, (types.ModuleType, *SCALARS)):
        return None
    return owner
