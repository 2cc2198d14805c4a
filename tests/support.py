"""Shared helpers for our own tests: the repository, and pytest in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
