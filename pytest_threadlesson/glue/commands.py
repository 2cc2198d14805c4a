"""The commands the plugin prints (run one kata, ask for a hint, replay a race), written so
that they work when pasted into the shell they were run from: the same pytest that is
running (`.venv/bin/pytest`, `python3 -m pytest`, the interpreter's path), not whatever
`pytest` the PATH finds; paths relative to the directory pytest was run in when they are
inside it; quoted for a POSIX shell where needed.

An xdist worker runs elsewhere, in a process execnet started: it prints the controller's
command (`for_workers` hands it over in the worker's input)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

# Python's options that take a value as the next argument (`python -X dev -m pytest`).
_OPTIONS_WITH_VALUE = frozenset({"-W", "-X", "-Q"})
_SAFE = re.compile(r"[\w@%+=:,./-]+")
_DOUBLE_QUOTE_UNSAFE = re.compile(r'[$`\\"!]')


@dataclass(frozen=True)
class Invocation:
    words: tuple[str, ...]  # the shell words that start this pytest, quoted
    cwd: str  # the directory pytest was run in: printed paths are relative to it


invocation_key = pytest.StashKey[Invocation]()


def quote(word: str) -> str:
    """`word` as one POSIX shell word. A node id is always quoted (it reads as one
    argument, as in `pytest "katas/test_k03_lost_update.py::test_x"`)."""
    if _SAFE.fullmatch(word) and "::" not in word:
        return word
    if not _DOUBLE_QUOTE_UNSAFE.search(word):
        return f'"{word}"'
    return shlex.quote(word)


def _module_options(orig_argv: Sequence[str]) -> list[str] | None:
    """The interpreter's options before `-m pytest`, or None if pytest was not run as a
    module (`pytest`, a script; `python -c ...`)."""
    options: list[str] = []
    args = list(orig_argv[1:])
    while args:
        arg = args.pop(0)
        if arg == "-mpytest" or (arg == "-m" and args[:1] == ["pytest"]):
            return options
        if not arg.startswith("-") or arg.startswith(("-m", "-c")) or arg == "-":
            return None
        options.append(arg)
        if arg in _OPTIONS_WITH_VALUE and args:
            options.append(args.pop(0))
    return None


def _program(typed: str, actual: str, cwd: str,
             which: Callable[[str], str | None]) -> str:
    """How to name the program `actual` (typed as `typed`) for the shell in `cwd`: bare
    if the PATH finds this very file under that name, else its path (relative when it is
    inside `cwd`, always with a slash)."""
    name = os.path.basename(typed)
    found = which(name)
    if found is not None and os.path.abspath(found) == os.path.abspath(actual):
        return quote(name)
    path = os.path.normpath(os.path.join(cwd, typed if os.sep in typed else actual))
    shown = shown_path(path, cwd)
    return quote(shown if os.sep in shown else f".{os.sep}{shown}")  # not a PATH search


def shown_path(path: str | os.PathLike[str], cwd: str) -> str:
    """`path` relative to `cwd` when it is inside it, else as an absolute path."""
    full = os.path.abspath(os.path.join(cwd, path))
    inside = os.path.commonpath([full, os.path.abspath(cwd)]) == os.path.abspath(cwd)
    if not inside or full == os.path.abspath(cwd):
        return full
    return os.path.relpath(full, cwd)


def words_of(argv: Sequence[str], orig_argv: Sequence[str], executable: str, cwd: str,
             which: Callable[[str], str | None] = shutil.which) -> tuple[str, ...]:
    """The shell words that run the pytest this process is (pure: for tests)."""
    options = _module_options(orig_argv)
    if options is not None and orig_argv:
        return (_program(orig_argv[0], executable, cwd, which),
                *map(quote, options), "-m", "pytest")
    script = argv[0] if argv else ""
    if script and not script.endswith(".py") and os.path.isfile(os.path.join(cwd, script)):
        return (_program(script, os.path.join(cwd, script), cwd, which),)
    return (_program(executable, executable, cwd, which), "-m", "pytest")


def invocation(config: pytest.Config) -> Invocation:
    """This session's pytest command (the controller's, on an xdist worker)."""
    found = config.stash.get(invocation_key, None)
    if found is None:
        given = getattr(config, "workerinput", {}).get("threadlesson_command")
        cwd = str(config.invocation_params.dir)
        if given is not None:
            found = Invocation(tuple(given[1:]), str(given[0]))
        else:
            found = Invocation(words_of(sys.argv, getattr(sys, "orig_argv", sys.argv),
                                        sys.executable, cwd), cwd)
        config.stash[invocation_key] = found
    return found


def for_workers(config: pytest.Config) -> dict[str, list[str]]:
    """What an xdist worker needs to print the controller's commands."""
    run = invocation(config)
    return {"threadlesson_command": [run.cwd, *run.words]}


def pytest_command(config: pytest.Config, *args: str) -> str:
    """`.venv/bin/pytest katas/test_k01_join.py --threadlesson-hints`: the running pytest
    with `args` (plain words; quoted here)."""
    return " ".join([*invocation(config).words, *map(quote, args)])


def file_arg(config: pytest.Config, path: Path | str) -> str:
    """A path as the printed commands give it (a test file, a kata file, a page)."""
    return shown_path(path, invocation(config).cwd)


def node_id(config: pytest.Config, path: Path | str, nodeid: str) -> str:
    """`nodeid` with its file part as the printed commands give it."""
    _, sep, rest = nodeid.partition("::")
    return file_arg(config, path) + sep + rest
