"""Where things happen, in the learner's terms: user frames, sites and their source lines.

Every report points at the learner's file, never at ours or at the standard library's
`threading.py`, so each recorded location is the innermost frame that belongs to
"user code": anything that is not this package, not the standard library and not an
installed third-party package.
"""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
import types
from dataclasses import dataclass

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_dirs() -> tuple[str, ...]:
    dirs: set[str] = set()
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(name)
        if path:
            dirs.add(os.path.realpath(path))
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        dirs.add(os.path.realpath(os.path.join(prefix, "lib")))
    return tuple(sorted(dirs))


_LIBRARY_DIRS = _library_dirs()
_user_code_cache: dict[str, bool] = {}


def is_user_file(filename: str) -> bool:
    """True for a file of the code under test (not ours, not a library's)."""
    known = _user_code_cache.get(filename)
    if known is not None:
        return known
    if filename.startswith("<") and not filename.startswith("<threadlesson"):
        result = False
    else:
        real = os.path.realpath(filename)
        result = not (
            real.startswith(_PACKAGE_DIR + os.sep)
            or any(real.startswith(d + os.sep) for d in _LIBRARY_DIRS)
            or "site-packages" in real
        )
    _user_code_cache[filename] = result
    return result


@dataclass(frozen=True)
class Site:
    """A place in the learner's code: file, line, function and the source line."""

    filename: str
    lineno: int
    function: str

    @property
    def short(self) -> str:
        return f"{os.path.basename(self.filename)}:{self.lineno}"

    @property
    def source(self) -> str:
        if not self.lineno:
            return ""
        return linecache.getline(self.filename, self.lineno).strip()

    def __str__(self) -> str:
        return self.short


def user_frame(frame: types.FrameType | None) -> types.FrameType | None:
    """The innermost frame at or above `frame` that belongs to user code."""
    while frame is not None and not is_user_file(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def site_of(frame: types.FrameType | None) -> Site | None:
    found = user_frame(frame)
    if found is None:
        return None
    code = found.f_code
    return Site(code.co_filename, found.f_lineno or code.co_firstlineno,
                getattr(code, "co_qualname", code.co_name))


def caller_site(depth: int = 2) -> Site | None:
    """The user-code site that called into us (skips our frames and the library's)."""
    try:
        frame: types.FrameType | None = sys._getframe(depth)
    except ValueError:
        return None
    return site_of(frame)
