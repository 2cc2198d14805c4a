"""Resolving the symbols of `symbols.py` in a paused frame, without running user code:
what object a step's operand is, for `footprint.py` and `unfinished.py`."""

from __future__ import annotations

import builtins
import gc
import sys
import types
from typing import Any

from ..frames import is_user_file
from .symbols import Sym

MISSING = object()
PLAIN = (int, float, str, bool, type(None), complex)
SCALARS = (int, float, complex, str, bytes, bool, type(None), range, types.FunctionType,
           types.BuiltinFunctionType, type)
CONTAINERS = (list, tuple, dict, set, frozenset, str, bytes, bytearray, range)


def resolve(sym: Sym, frame: types.FrameType, depth: int = 0) -> Any:
    if sym is None or depth > 4:
        return MISSING
    tag = sym[0]
    if tag == "const":
        return sym[1]
    if tag == "built":
        return ()  # a tuple or list the frame just built: it stands for nothing shared
    if tag == "made":
        return _made  # a function the frame just made (a lambda): nobody else has it
    if tag in ("local", "deref"):
        return frame.f_locals.get(sym[1], MISSING)
    if tag == "global":
        found = frame.f_globals.get(sym[1], MISSING)
        if found is MISSING:
            found = getattr(builtins, sym[1], MISSING)
        return found
    if tag == "attr":
        owner = resolve(sym[1], frame, depth + 1)
        return MISSING if owner is MISSING else instance_attr(owner, sym[2])
    if tag == "ret" and any(resolve(sym[1], frame, depth + 1) is f for f in _SCALAR_RESULTS):
        return 0  # what len(...) returned: an int, whatever it was
    if tag in ("cmp", "binop") and \
            all(type(resolve(s, frame, depth + 1)) in PLAIN for s in sym[1:]):
        return True  # comparing or adding numbers or strings gives a plain value
    if tag == "item":  # an item of a list, tuple or dict, by a plain key
        box, key = resolve(sym[1], frame, depth + 1), resolve(sym[2], frame, depth + 1)
        if type(box) in (list, tuple) and type(key) is int and -len(box) <= key < len(box):
            return box[key]
        if type(box) is dict and type(key) in PLAIN:
            return box.get(key, MISSING)
    return MISSING


_VIEWS: tuple[type, ...] = (type({}.keys()), type({}.values()), type({}.items()),
                            types.MappingProxyType)


def place(obj: Any) -> int:
    """The id of the object whose contents `obj` reads: a dict's view (`d.keys()`, kept
    in a variable) or a mapping proxy reads its dict, a memoryview its buffer; anything
    else is its own."""
    if isinstance(obj, _VIEWS):
        for held in gc.get_referents(obj):
            if isinstance(held, dict):
                return id(held)
    if isinstance(obj, memoryview) and obj.obj is not None:
        return id(obj.obj)  # a memoryview's items are its buffer's
    return id(obj)


def _made() -> None:
    """A function a frame just made (a lambda): a plain value to a builtin taking it."""


# Builtins that always return an exact int, bool or str.
_SCALAR_RESULTS = (len, isinstance, issubclass, id, callable, hash, ord, chr)


def instance_attr(owner: Any, name: str) -> Any:
    """`owner.name` when it is plain data of the instance (or a module's global)."""
    try:
        data = object.__getattribute__(owner, "__dict__")
    except AttributeError:
        return MISSING
    if isinstance(data, dict):
        return data.get(name, MISSING)
    return MISSING


def class_attr(owner: Any, name: str) -> Any:
    """`type(owner)`'s own `name` (a method, a descriptor), not the instance's."""
    for klass in type(owner).__mro__:
        found = klass.__dict__.get(name, MISSING)
        if found is not MISSING:
            return found
    return MISSING


def type_attr(klass: type, name: str) -> Any:
    """`klass`'s own `name`, from its MRO (not a metaclass's)."""
    for k in klass.__mro__:
        if name in k.__dict__:
            return k.__dict__[name]
    return MISSING


def user_class(cls: type) -> bool:
    """Is `cls` defined in a file of the code under test (its module's file)?"""
    return is_user_file(str(getattr(sys.modules.get(cls.__module__), "__file__", "")))


# Builtins that change something besides returning a value, or run code of their own
# choosing (`setattr`, `exec`, `next`): a call of one may touch anything.
ACTING_BUILTINS = {"setattr", "delattr", "next", "exec", "eval", "compile", "__import__",
                   "vars", "locals", "globals", "open", "input", "breakpoint", "anext"}


def user_function(fn: Any) -> bool:
    """Is `fn` a function of the code under test (traced: its steps say what it does)?"""
    code = getattr(fn, "__code__", None)
    return isinstance(code, types.CodeType) and is_user_file(code.co_filename) \
        and not code.co_filename.startswith("<")
