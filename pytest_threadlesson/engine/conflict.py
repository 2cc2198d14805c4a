"""When two steps of different threads are dependent: some of their accesses may touch the
same place and one of them writes (the locations: footprint.py). `dpor` asks this for
every pair of steps it compares, so each location's keys are computed once.

A location is filed under keys, and meets the keys of the places it may alias; two
accesses conflict when one meets a key the other is filed under (a symmetric relation:
each pair of aliasing kinds below has a key each way). The aliases: an object's
attribute and the whole object ("O"/"o"); any memory ("M"/"*"); an attribute and a
subscript of the object's `__dict__`, a global and a subscript of `globals()` ("AD"/
"ID"); a class's attribute and the same name of any object, which may find it ("AN"/
"CN"); a library's state changed under its own lock ("u", unfinished.py) and the whole
object or its items as the code under test touches them, but not itself ("UL"/"UR")."""

from __future__ import annotations

from typing import Any

from .syncsteps import ANY_SYNC

Loc = tuple[Any, ...]
Access = tuple[Loc, bool]  # (location, write)
Op = tuple[Access, ...]

ANY: Loc = ("*",)
UNKNOWN: Op = ((ANY, True), (ANY_SYNC, True))  # a step that may do anything
NOTHING: Op = ()


def _keys(loc: Loc) -> tuple[tuple[Loc, ...], tuple[Loc, ...]]:
    """(where an access to `loc` is filed, where the accesses it may meet are filed)."""
    tag = loc[0]
    if tag == "a":  # ("a", id(obj), name, id(obj.__dict__) or 0)
        filed = (loc, ("O", loc[1]), ("M",), ("AN", loc[2]))
        meets = (loc, ("o", loc[1]), ANY, ("CN", loc[2]))
        if loc[3]:  # a subscript of its __dict__ is the same place
            return (*filed, ("AD", loc[3])), (*meets, ("ID", loc[3]))
        return filed, meets
    if tag == "k":  # a class's attribute: what an instance's or a subclass's may find
        return ((loc, ("O", loc[1]), ("M",), ("AN", loc[2]), ("CN", loc[2])),
                (loc, ("o", loc[1]), ANY, ("AN", loc[2])))
    if tag == "i":
        return (loc, ("O", loc[1]), ("M",), ("ID", loc[1]), ("UR", loc[1])), \
            (loc, ("o", loc[1]), ANY, ("AD", loc[1]), ("UL", loc[1]))
    if tag == "o":
        return (loc, ("O", loc[1]), ("M",), ("ID", loc[1]), ("UR", loc[1])), \
            (("O", loc[1]), ANY, ("AD", loc[1]), ("UL", loc[1]))
    if tag == "u":  # a library's state, changed under a lock that orders its own steps:
        # it meets the whole object and its items as the code under test touches them
        # (not a method's lookup), and not itself
        return (("UL", loc[1]), ("M",)), (("UR", loc[1]), ANY)
    if tag == "g":  # ("g", id(globals), name): a subscript of globals() is the same place
        return (loc, ("M",), ("AD", loc[1])), (loc, ANY, ("ID", loc[1]))
    if tag == "c":
        return (loc, ("M",)), (loc, ANY)
    if tag == "*":
        return (ANY, ("M",)), (("M",),)
    if tag == "s":
        return (loc, ("SS",)), (loc, ANY_SYNC)
    return (ANY_SYNC, ("SS",)), (("SS",),)  # "S"


_key_cache: dict[Loc, tuple[tuple[Loc, ...], tuple[Loc, ...]]] = {}


def keys(loc: Loc) -> tuple[tuple[Loc, ...], tuple[Loc, ...]]:
    found = _key_cache.get(loc)
    if found is None:
        if len(_key_cache) > 100_000:
            _key_cache.clear()
        found = _key_cache[loc] = _keys(loc)
    return found


def conflicts(a: Access, b: Access) -> bool:
    """True when `a` and `b` may touch the same place and one of them writes."""
    if not (a[1] or b[1]):
        return False
    return not set(keys(a[0])[1]).isdisjoint(keys(b[0])[0])


def dependent(a: Op, b: Op) -> bool:
    """Two steps of different threads are dependent when some of their accesses conflict."""
    return any(conflicts(x, y) for x in a for y in b)
