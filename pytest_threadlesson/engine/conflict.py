"""When two steps of different threads are dependent: some of their accesses may touch the
same place and one of them writes (the locations: footprint.py). `dpor` asks this for
every pair of steps it compares, so each location's keys are computed once."""

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
    if tag == "a":
        return (loc, ("O", loc[1]), ("M",)), (loc, ("o", loc[1]), ANY)
    if tag == "i":
        return (loc, ("O", loc[1]), ("M",)), (loc, ("o", loc[1]), ANY)
    if tag == "o":
        return (loc, ("O", loc[1]), ("M",)), (("O", loc[1]), ANY)
    if tag in ("g", "c"):
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
