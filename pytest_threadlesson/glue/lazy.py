"""Engine modules imported on first use: pytest imports the plugin for every session, and an
installed plugin that no test uses must not load the engine (BENCHMARKS.md section 5)."""

from __future__ import annotations

import importlib
import sys
from typing import Any


class Lazy:
    """Stands for module `pytest_threadlesson.<name>` in `namespace[alias]`: the first
    attribute use imports it and puts the module itself there, so that later uses cost a
    plain global lookup (the per-test hooks read these names thousands of times)."""

    def __init__(self, name: str, namespace: dict[str, Any], alias: str) -> None:
        self._full = f"pytest_threadlesson.{name}"
        self._namespace = namespace
        self._alias = alias

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr.startswith("_mock"):
            raise AttributeError(attr)  # pytest probes module globals: stay asleep
        module = sys.modules.get(self._full) or importlib.import_module(self._full)
        self._namespace[self._alias] = module
        return getattr(module, attr)


def lazy_modules(namespace: dict[str, Any], **modules: str) -> None:
    """Bind each `alias=name` in `namespace` (a module's globals()) to a `Lazy` stand-in."""
    for alias, name in modules.items():
        namespace[alias] = Lazy(name, namespace, alias)
