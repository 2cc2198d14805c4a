"""The curriculum: kata catalogue, lesson data, which file a kata name loads, progress.

Kata tests import their kata by module name (`from k03_lost_update import Counter`). A
meta-path finder decides which file that name loads: `katas/` (the learner's), `solutions/`
(`--threadlesson-solutions`) or any file (`--threadlesson-kata-file`, how our own proof runs
wrong fixes). It imports the kata with the instrumented primitives installed, so that locks
made at import time are instrumented too, and it turns a kata that does not even import
(a syntax error, a missing name) into a clear failure of that kata's tests, instead of a
collection error that would stop the whole run.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys
import threading
import traceback
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine import runtime as rt

CURRICULUM: tuple[tuple[str, str], ...] = (
    ("k01_join", "Threads that finish before you read"),
    ("k02_start_not_run", "start(), not run()"),
    ("k03_lost_update", "Lost update"),
    ("k04_check_then_act", "Check, then act"),
    ("k05_lazy_init", "Lazy initialisation, twice"),
    ("k06_wrong_lock", "A lock that guards nothing"),
    ("k07_dict_iteration", "Iterating while others write"),
    ("k08_reentrant", "The lock that locks you out"),
    ("k09_lock_ordering", "Lock ordering"),
    ("k10_dining_philosophers", "Dining philosophers"),
    ("k11_semaphore_pool", "A permit that never comes back"),
    ("k12_bounded_buffer", "Bounded buffer"),
    ("k13_lost_wakeup", "Lost wake-up"),
    ("k14_queue_join", "A queue.join() that never returns"),
    ("k15_pool_exceptions", "Exceptions lost in a pool"),
    ("k16_pool_starvation", "Pool starvation"),
    ("k17_leaked_worker", "A worker nothing can stop"),
    ("k18_daemon_shutdown", "Daemon threads at shutdown"),
    ("k19_lost_exception", "The exception nobody saw"),
    ("k20_sleep_is_not_sync", "sleep is not synchronisation"),
    ("k21_readers_writer", "Readers and a writer"),
    ("k22_ignored_timeout", "The ignored timeout"),
)
KATA_IDS = tuple(kata for kata, _ in CURRICULUM)
CORE_KATAS = KATA_IDS[:20]
_KATA_NAME = re.compile(r"k\d\d_[a-z0-9_]+")
_TEST_FILE = re.compile(r"test_(k\d\d_[a-z0-9_]+)\.py")


def is_kata_name(name: str) -> bool:
    """Whether `name` has a kata module's shape (k03_lost_update), known or not."""
    return _KATA_NAME.fullmatch(name) is not None


@dataclass(frozen=True)
class Lesson:
    kata: str
    title: str
    section: str
    diagnosis: str
    hints: tuple[str, ...]
    explanation: str
    page: str = ""  # the lesson page, from the repository root (docs/lessons/2-races.md)


def lesson(kata: str) -> Lesson:
    title = dict(CURRICULUM).get(kata, kata)
    try:
        data: Any = importlib.import_module(f"pytest_threadlesson.curriculum.lessons.{kata}")
    except ImportError:
        return Lesson(kata, title, "", "", (), "")
    return Lesson(kata, getattr(data, "TITLE", title), getattr(data, "SECTION", ""),
                  getattr(data, "DIAGNOSIS", ""), tuple(getattr(data, "HINTS", ())),
                  getattr(data, "EXPLANATION", ""), getattr(data, "PAGE", ""))


def kata_of_path(path: Path) -> str | None:
    """The kata id of a kata test file (`katas/test_k03_lost_update.py`), else None."""
    match = _TEST_FILE.fullmatch(path.name)
    if match is None or path.parent.name != "katas":
        return None
    return match.group(1)


def order_key(kata: str) -> int:
    try:
        return KATA_IDS.index(kata)
    except ValueError:
        return len(KATA_IDS)


# ---------------------------------------------------------------------------------------
# Which file a kata name loads


class KataImportProblem:
    """Why a kata module could not be imported, in the learner's terms."""

    def __init__(self, kata: str, path: str, exc: BaseException) -> None:
        self.kata = kata
        self.path = path
        self.exc = exc

    def render(self) -> str:
        exc = self.exc
        name = os.path.basename(self.path)
        if isinstance(exc, SyntaxError):
            where = f"{name}:{exc.lineno}" if exc.lineno else name
            lines = [f"threadlesson: {self.kata} does not compile: {where}: {exc.msg}"]
            if exc.text:
                lines.append(f"    {exc.text.rstrip()}")
                if exc.offset:
                    lines.append("    " + " " * (exc.offset - 1) + "^")
            return "\n".join(lines)
        tb = traceback.extract_tb(exc.__traceback__)
        frames = [f for f in tb if os.path.abspath(f.filename) == os.path.abspath(self.path)]
        where = f"{name}:{frames[-1].lineno}" if frames else name
        text = f"{type(exc).__name__}: {exc}"
        lines = [f"threadlesson: {self.kata} fails when it is imported, at {where}", f"  {text}"]
        if frames and frames[-1].line:
            lines.append(f"    {frames[-1].line}")
        return "\n".join(lines)


class KataBroken(Exception):
    """A kata module that cannot be used: the message says why, in the learner's terms."""

    threadlesson_diagnosis = "broken"


class _Missing:
    """Stands for a name a kata test needs but the kata module lacks (or cannot provide)."""

    def __init__(self, message: str) -> None:
        self._message = message

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise KataBroken(self._message)

    __call__ = _fail

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        self._fail()

    def __repr__(self) -> str:
        return f"<missing: {self._message.splitlines()[0]}>"


class KataFinder(importlib.abc.MetaPathFinder):
    """Maps kata module names to files; see the module docstring."""

    def __init__(self) -> None:
        self.dirs: list[Path] = []
        self.files: dict[str, Path] = {}
        self.problems: dict[str, KataImportProblem] = {}
        self.import_threads: dict[str, list[threading.Thread]] = {}
        self.scopes: dict[str, rt.Scope] = {}

    def path_for(self, name: str) -> Path | None:
        if name in self.files:
            return self.files[name]
        for directory in self.dirs:
            candidate = directory / f"{name}.py"
            if candidate.is_file():
                return candidate
        return None

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if "." in fullname or not _KATA_NAME.fullmatch(fullname):
            return None
        file = self.path_for(fullname)
        if file is None:
            return None
        return importlib.util.spec_from_file_location(fullname, file, loader=_KataLoader(self))


class _KataLoader(importlib.abc.Loader):
    def __init__(self, finder: KataFinder) -> None:
        self.finder = finder

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        from ..engine import primitives as prim
        from ..engine import runtime as rt

        name = module.__name__
        path = str(module.__file__)
        before = frozenset(threading.enumerate())
        main = rt.current()
        saved_arena = main.arena
        scope = rt.Scope(main, detect=False)
        main.arena = scope
        prim.patch.install()
        try:
            source = Path(path).read_bytes()
            code = compile(source, path, "exec", dont_inherit=True)
            exec(code, module.__dict__)
        except BaseException as exc:  # a kata that does not import is the learner's to fix
            if isinstance(exc, KeyboardInterrupt):
                raise
            self.finder.problems[name] = KataImportProblem(name, path, exc)
        finally:
            prim.patch.restore()
            main.arena = saved_arena
        started = [t for t in threading.enumerate() if t not in before]
        if started:
            self.finder.import_threads[name] = started
            self.finder.scopes[name] = scope
        _install_missing_hook(module, self.finder.problems.get(name))


def _install_missing_hook(module: types.ModuleType, problem: KataImportProblem | None) -> None:
    """`from kata import Name` never fails collection: a missing name fails its tests."""
    if "__getattr__" in module.__dict__:
        return
    filename = os.path.basename(str(module.__file__))

    def __getattr__(attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if problem is not None:
            return _Missing(problem.render())
        return _Missing(
            f"threadlesson: {filename} has no {attr!r}: the kata's tests use it "
            "(its name and signature are part of the exercise; see the module docstring)")

    setattr(module, "__getattr__", __getattr__)  # noqa: B010


finder = KataFinder()


def install_finder(dirs: list[Path], files: dict[str, Path]) -> None:
    finder.dirs = dirs
    finder.files = files
    if finder not in sys.meta_path:
        sys.meta_path.insert(0, finder)
    for name in list(sys.modules):
        if _KATA_NAME.fullmatch(name):
            del sys.modules[name]


def uninstall_finder() -> None:
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)


# ---------------------------------------------------------------------------------------
# Progress and hints: pure functions over plain data (the plugin keeps them in the cache)


def compact(katas: Sequence[str]) -> str:
    """`k01-k04, k07`: solved katas, compactly (runs of neighbours become ranges)."""
    numbers = sorted(order_key(k) for k in katas)
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    labels = [(KATA_IDS[r[0]][:3], KATA_IDS[r[-1]][:3]) for r in runs]
    return ", ".join(a if a == b else f"{a}-{b}" for a, b in labels)


def next_kata(status: dict[str, str]) -> str | None:
    """The first kata in curriculum order that is not solved."""
    for kata in CORE_KATAS:
        if status.get(kata) != "solved":
            return kata
    for kata in KATA_IDS[len(CORE_KATAS):]:
        if status.get(kata) == "red":
            return kata
    return None


def next_hint(kata: str, shown: int) -> tuple[int, str] | None:
    """The hint after the `shown` ones, as (level, text); the last one again at the end."""
    hints = lesson(kata).hints
    if not hints:
        return None
    level = min(shown + 1, len(hints))
    return level, hints[level - 1]
