"""Where things happen, in the learner's terms: user frames, sites and their source lines.

Every report points at the learner's file, never at ours or at the standard library's
`threading.py`, so each recorded location is the innermost frame that belongs to
"user code": anything that is not this package, not the standard library and not an
installed third-party package.
"""

from __future__ import annotations

import dis
import linecache
import os
import sys
import sysconfig
import types
import weakref
from dataclasses import dataclass

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_dirs() -> tuple[str, ...]:
    dirs: set[str] = set()
    # "scripts": the console scripts' folder (`.venv/bin/pytest` is pytest, not the test)
    for name in ("stdlib", "platstdlib", "purelib", "platlib", "scripts"):
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
            real.startswith(PACKAGE_DIR + os.sep)
            or any(real.startswith(d + os.sep) for d in _LIBRARY_DIRS)
            or "site-packages" in real
        )
    _user_code_cache[filename] = result
    return result


# -- which code is the code under test (traced and preempted by `explore`) ----------------
# Code compiled at run time (`exec`, `eval`, `compile`) has a made-up file name such as
# `<string>`; it belongs to whoever compiled it, not to a file. `<frozen ...>` is the
# standard library's own code, frozen into the interpreter.
_CO_OPTIMIZED = 0x0001  # set on function code; not on a module's, `exec`'s or `eval`'s


class CodeSet:
    """Code objects, by identity. Code objects compare by value: a fresh compile of the
    same `exec` string equals the last one, and its first run under the tracer still
    needs what a first run needs (the 3.12/3.13 opcode-event gaps of engine/tracing.py),
    and the same text compiled by a library is not the same as compiled by user code."""

    def __init__(self) -> None:
        self._refs: dict[int, weakref.ref[types.CodeType]] = {}

    def __contains__(self, code: types.CodeType) -> bool:
        ref = self._refs.get(id(code))
        return ref is not None and ref() is code

    def add(self, code: types.CodeType) -> None:
        key = id(code)
        refs = self._refs

        def forget(ref: weakref.ref[types.CodeType]) -> None:
            if refs.get(key) is ref:
                del refs[key]

        refs[key] = weakref.ref(code, forget)


_compiled_by_user = CodeSet()


def compiled_at_run_time(filename: str) -> bool:
    return filename.startswith("<") and not filename.startswith(("<threadlesson", "<frozen"))


def _mark_compiled_by_user(code: types.CodeType) -> None:
    """`code` and every function defined in it (its nested code objects)."""
    _compiled_by_user.add(code)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _mark_compiled_by_user(const)


def is_user_code(frame: types.FrameType) -> bool:
    """True when `frame` runs code under test: code of a user file (`is_user_file`), or
    code user code compiled at run time, decided by who compiled it, not by its name.

    `exec`/`eval` run the top-level code of what they compile from the frame that called
    them: when that frame is user code, that code and every function defined in it are
    user code from then on, whoever calls them (a `threading.Thread` target defined in
    `exec`'d code is called by `threading`). A function compiled where we did not watch
    (before the test) is user code when user code calls it, or when its globals are a user
    module's: when unsure, it is traced. `<frozen ...>` code is the standard library's."""
    code = frame.f_code
    filename = code.co_filename
    if not compiled_at_run_time(filename):
        return is_user_file(filename)
    if code in _compiled_by_user:
        return True
    caller = frame.f_back
    by_user = caller is not None and is_user_code(caller)
    if by_user and not code.co_flags & _CO_OPTIMIZED:
        _mark_compiled_by_user(code)  # exec / eval of code compiled by user code
    if by_user:
        return True
    if caller is not None and caller.f_code.co_filename.startswith(PACKAGE_DIR + os.sep):
        return False  # the plugin's own calls (a user dataclass's __eq__ in a lookup)
    module = frame.f_globals.get("__file__")
    return isinstance(module, str) and is_user_file(module)


def user_code_is_settled(code: types.CodeType) -> bool:
    """Whether `is_user_code` answers the same for every frame of `code` from now on (so a
    tracer may cache the answer per code object): yes for code of a file, and for code
    known to be compiled by user code; no for other code compiled at run time, which is
    decided by its caller."""
    return not compiled_at_run_time(code.co_filename) or code in _compiled_by_user


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


_BACKWARD_JUMPS = frozenset(dis.opmap[name] for name in
                            ("JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT", "JUMP_ABSOLUTE")
                            if name in dis.opmap)
_loop_heads: dict[tuple[types.CodeType, int], int | None] = {}


def _loop_head(code: types.CodeType, offset: int) -> int | None:
    """The first line of the loop that the backward jump at `offset` closes."""
    key = (code, offset)
    if key not in _loop_heads:
        jump = next((i for i in dis.get_instructions(code) if i.offset == offset), None)
        target = jump.argval if jump is not None else None
        lines = [line for start, end, line in code.co_lines()
                 if isinstance(target, int) and line is not None
                 and start <= offset and end > target]
        _loop_heads[key] = min(lines) if lines else None
    return _loop_heads[key]


def line_of(frame: types.FrameType) -> int:
    """The line a learner would say `frame` is at.

    A thread stopped in a busy loop is usually stopped at the loop's backward jump, where
    the interpreter checks for signals and asynchronous exceptions. CPython 3.14 credits
    that jump to the last line of the body (the `pass` of `while not done: pass`), 3.13
    to the `while` line; both are reported at the loop's head, the line that spins.
    """
    code = frame.f_code
    lasti = frame.f_lasti
    if 0 <= lasti < len(code.co_code) and code.co_code[lasti] in _BACKWARD_JUMPS:
        head = _loop_head(code, lasti)
        if head is not None:
            return head
    return frame.f_lineno or code.co_firstlineno


def site_of(frame: types.FrameType | None) -> Site | None:
    found = user_frame(frame)
    if found is None:
        return None
    code = found.f_code
    return Site(code.co_filename, line_of(found), getattr(code, "co_qualname", code.co_name))


def caller_site(depth: int = 2) -> Site | None:
    """The user-code site that called into us (skips our frames and the library's)."""
    try:
        frame: types.FrameType | None = sys._getframe(depth)
    except ValueError:
        return None
    return site_of(frame)
