"""Shared helpers for our own tests: the repository, and pytest in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run_pytest(args: list[str], *, cwd: Path = REPO, timeout: float = 600,
               extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """pytest in a fresh interpreter (anything that can hang runs this way, bounded)."""
    env = dict(os.environ)
    env.update(extra_env or {})
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env,
        stdin=subprocess.DEVNULL,
    )


def line_of(path: Path, text: str) -> int:
    """The 1-based number of the one line of `path` that contains `text`."""
    found = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(found) == 1, f"{text!r} is on lines {found} of {path.name}"
    return found[0]


def run_isolated(pytester: pytest.Pytester, *args: str, timeout: float = 60) -> pytest.RunResult:
    """pytester's run in a fresh interpreter, bounded: for anything that can hang."""
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly",
                                         *args, timeout=timeout)


def report_lines(result: pytest.RunResult) -> list[str]:
    """The run's output up to pytest's short summary, which repeats whole messages when the
    environment says it is a CI (`CI` or `BUILD_NUMBER` set): count a report's lines once."""
    lines = result.outlines
    ends = [n for n, line in enumerate(lines) if "short test summary info" in line]
    return lines[:ends[0]] if ends else lines


def run_threads(*targets: Callable[[], object]) -> None:
    """Start a thread per target, then join them all (test code: traced by explore)."""
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
