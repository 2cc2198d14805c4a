"""A corpus of small racy and safe programs for tests/test_soundness.py.

Each module is one program: a `scenario()` to explore and its expected verdict,
`VERDICT = RACY` (some interleaving fails) or `VERDICT = SAFE` (none does). They are
plain modules, not tests (pytest collects only `test_*.py`), and user code: they live
outside the package and the standard library, so `explore` traces and preempts them as
it would a learner's code. docs/scheduling-points.md says which step of each is the
scheduling point a sound search needs.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

from support import run_threads

__all__ = ["RACY", "SAFE", "programs", "run_threads"]

RACY = "racy"
SAFE = "safe"


def programs() -> list[types.ModuleType]:
    """Every program of the corpus, in name order."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]
