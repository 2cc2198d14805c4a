"""Engine modules imported on first use: pytest imports the plugin for every session, and an
installed plugin that no test uses must not load the engine (BENCHMARKS.md section 5)."""

from __future__ import annotations

import importlib
import sys
from typing import Any


class Lazy:
    """Stands for module `pytest_threadlesson.<name>` and imports it on first attribute use."""

    def __init__(self, name: str) -> None:
        self._full = f"pytest_threadlesson.{name}"

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr.startswith("_mock"):
            raise AttributeError(attr)  # pytest probes module globals: stay asleep
        module = sys.modules.get(self._full) or importlib.import_module(self._full)
        return getattr(module, attr)

    def loaded(self) -> bool:
        """Whether the module was imported (by anyone): what there is to clean up."""
        return self._full in sys.modules
