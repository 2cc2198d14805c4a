"""Where controlled mode never preempts: the lines of assert statements."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from pytest_threadlesson.engine import tracing

SOURCE = '''\
def f(x, y):
    a = 1
    assert x == \\
        y, (
        "msg")
    assert (x
            < y)
    b = 2
    if a: assert b; c = 3
    def g():
        assert all(v for v in
                   [x])
    return "assert"  # a string, not a statement
'''


def test_the_lines_of_every_assert_statement_and_no_others(tmp_path: Path) -> None:
    path = tmp_path / "asserts.py"
    path.write_text(SOURCE)
    code = compile(SOURCE, str(path), "exec")
    assert tracing.assert_lines(code) == {3, 4, 5, 6, 7, 9, 11, 12}


def test_found_without_building_an_ast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scenario's threads call this while pytest's main thread may build an AST for a
    traceback: CPython's one AST depth counter makes two builders at once fail with
    "SystemError: AST constructor recursion depth mismatch" (seen on 3.11 under load)."""
    calls: list[object] = []
    parse = ast.parse

    def recorded(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return parse(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", recorded)
    path = tmp_path / "other.py"
    path.write_text("assert True\n")
    lines = tracing.assert_lines(compile("pass", str(path), "exec"))
    monkeypatch.undo()
    assert lines == {1}
    assert calls == []


def test_a_file_that_cannot_be_read_has_no_assert_lines(tmp_path: Path) -> None:
    code = compile("pass", str(tmp_path / "gone.py"), "exec")
    assert tracing.assert_lines(code) == frozenset()
