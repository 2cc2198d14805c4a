"""Tracebacks formatted off the main thread get no carets, so that no thread but the main
one builds an AST while pytest's main thread formats a failure with `ast.parse` (CPython
3.11 counts AST construction depth in one per-interpreter counter: engine/carets.py)."""

from __future__ import annotations

import subprocess
import sys
import threading
import traceback
from typing import Any

import pytest

NAME = "_extract_caret_anchors_from_line_segment"
needs_carets = pytest.mark.skipif(not hasattr(traceback, NAME),
                                  reason="this Python places no carets with ast")


def _anchors_in_a_thread(segment: str) -> list[Any]:
    found: list[Any] = []
    worker = threading.Thread(target=lambda: found.append(getattr(traceback, NAME)(segment)))
    worker.start()
    worker.join()
    return found


@needs_carets
def test_a_traceback_formatted_off_the_main_thread_parses_nothing_for_its_carets(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ast

    parsed: list[str] = []
    real_parse = ast.parse

    def parse(source: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(source)
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", parse)
    assert _anchors_in_a_thread("items[index] + offset") == [None]
    assert parsed == []
    assert getattr(traceback, NAME)("items[index] + offset") is not None  # main: as before
    assert len(parsed) == 1 and "items[index] + offset" in parsed[0], parsed  # 3.13: (...)


@needs_carets
def test_the_caret_patch_is_restored_when_the_session_ends() -> None:
    code = (
        "import traceback\n"
        "from pytest_threadlesson.engine import carets\n"
        f"before = traceback.{NAME}\n"
        "carets.install(); carets.install(); carets.restore()\n"
        f"assert traceback.{NAME} is not before, 'a nested run kept the outer patch'\n"
        "carets.restore()\n"
        f"assert traceback.{NAME} is before, 'restored'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
