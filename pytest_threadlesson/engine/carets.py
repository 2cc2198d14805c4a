"""Tracebacks formatted off the main thread get no `^^^^` carets (3.11 to 3.13).

To place its carets, `traceback` parses the line's source with `ast.parse`. CPython 3.11
counts the depth of AST construction in one per-interpreter counter, so two threads
building ASTs at once make one of them fail with "SystemError: AST constructor recursion
depth mismatch". pytest formats an unhandled thread exception in the dying thread
(`_pytest/threadexception.py`), and a kata's threads die with exceptions while the main
thread formats a failure for the report, also with `ast.parse`: seen twice in a full run
of our tests on 3.11.7, as an INTERNALERROR that ended a kata run in the middle. So for
the session, a thread other than the main one skips the carets (the traceback is the
same otherwise); `tracing.assert_lines` avoids `ast` for the same reason.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any

_NAME = "_extract_caret_anchors_from_line_segment"
_original = getattr(traceback, _NAME, None)
_depth = [0]


def _on_the_main_thread_only(*args: Any, **kwargs: Any) -> Any:
    if threading.current_thread() is not threading.main_thread():
        return None  # no carets: the line is shown as it is
    return _original(*args, **kwargs) if _original is not None else None


def install() -> None:
    """Counted, like starts.install: a nested pytest run keeps the outer one's."""
    _depth[0] += 1
    if _depth[0] == 1 and _original is not None and getattr(traceback, _NAME) is _original:
        setattr(traceback, _NAME, _on_the_main_thread_only)


def restore() -> None:
    if _depth[0] == 0:
        return
    _depth[0] -= 1
    if _depth[0] == 0 and getattr(traceback, _NAME, None) is _on_the_main_thread_only:
        setattr(traceback, _NAME, _original)
