"""pytest glue: options, ini keys, markers, fixtures, and the hooks that turn engine findings
into test outcomes. Thin on purpose: the engine (runtime, primitives, waits, scheduler,
leaks, report) knows nothing of pytest.
"""

from __future__ import annotations

import _thread
import difflib
import functools
import importlib
import linecache
import os
import random
import re
import sys
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .defaults import DEFAULT_SCHEDULES, STRATEGIES
from .engine import starts
from .engine.ignore import FORMS as _RULE_FORMS
from .engine.ignore import IgnoreRule, parse_all
from .engine.kick import main_thread_kick

if TYPE_CHECKING:
    from . import frames as _frames
    from . import report as _report
    from .curriculum import catalogue as kt
    from .engine import contention as _contention
    from .engine import leaks
    from .engine import naming as _naming
    from .engine import primitives as prim
    from .engine import runtime as rt
    from .engine import sampling as _sampling
    from .engine import waits as _waits
else:
    class _Lazy:
        """A module imported on first use: the engine loads only when a test needs it."""

        def __init__(self, name: str, alias: str) -> None:
            self._name = name
            self._alias = alias

        def __getattr__(self, attr: str) -> Any:
            if attr.startswith("__") or attr.startswith("_mock"):
                raise AttributeError(attr)  # pytest probes module globals: stay asleep
            module = importlib.import_module(f"pytest_threadlesson.{self._name}")
            globals()[self._alias] = module  # later uses go straight to the module
            return getattr(module, attr)

    _contention, _frames = _Lazy("engine.contention", "_contention"), _Lazy("frames", "_frames")
    kt, leaks = _Lazy("curriculum.catalogue", "kt"), _Lazy("engine.leaks", "leaks")
    prim, _report = _Lazy("engine.primitives", "prim"), _Lazy("report", "_report")
    rt, _waits = _Lazy("engine.runtime", "rt"), _Lazy("engine.waits", "_waits")
    _sampling = _Lazy("engine.sampling", "_sampling")
    _naming = _Lazy("engine.naming", "_naming")

# ---------------------------------------------------------------------------------------
# Settings: one frozen object, precedence marker > command line > ini > default.

_HELP = {
    "seed": "session seed for schedule exploration: a number, 'random' (default) or "
            "'last' to replay the previous session's seed",
    "schedules": f"schedules `contention.explore` tries per scenario (default "
                 f"{DEFAULT_SCHEDULES})",
    "strategy": f"scheduling strategy for explore: {', '.join(STRATEGIES)} (default random)",
    "instrument": "instrument threading primitives (deadlock detection) for every test, "
                  "not only those marked threadlesson (default false)",
    "leak_check": "fail every test that leaves a thread running (default false; always on "
                  "for katas and tests marked threadlesson)",
    "leak_grace": "seconds a thread may take to finish after its test before it counts as "
                  "leaked (default 0.5)",
    "leak_ignore": "threads that may outlive a test, one rule a line: target:GLOB (its "
                   "target function, module.qualname), name:GLOB (its name) or stack:GLOB "
                   "(a function module.qualname on its current stack)",
    "deadlock_timeout": "backstop, in seconds, for blocking the plugin cannot see (a busy "
                        "loop, a C call): report every thread and unwind (default 10)",
}


@dataclass(frozen=True)
class Settings:
    seed: int
    schedules: int = DEFAULT_SCHEDULES
    strategy: str = "random"
    instrument: bool = False
    leak_check: bool = False
    leak_grace: float = 0.5
    leak_ignore: tuple[IgnoreRule, ...] = ()
    deadlock_timeout: float = 10.0
    solutions: bool = False
    hints: str | None = None
    full_reports: bool = False
    kata_files: dict[str, Path] = field(default_factory=dict)
    seed_source: str = "random"


settings_key = pytest.StashKey[Settings]()


def _parse(raw: Any, kind: str, source: str) -> Any:
    text = str(raw).strip()
    try:
        if kind == "count":
            value = int(text)
            if value < 1:
                raise ValueError
            return value
        if kind == "seconds":
            seconds = float(text)
            if seconds < 0 or seconds != seconds:
                raise ValueError
            return seconds
        if kind == "bool":
            lowered = text.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off", ""):
                return False
            raise ValueError
        if kind == "strategy":
            if text not in STRATEGIES:
                raise ValueError
            return text
    except ValueError:
        pass
    expected = {
        "count": "a whole number of at least 1",
        "seconds": "a number of seconds, 0 or more",
        "bool": "true or false",
        "strategy": f"one of {', '.join(STRATEGIES)}",
    }[kind]
    raise pytest.UsageError(f"threadlesson: {source} is {text!r}: expected {expected}")


def _setting(config: pytest.Config, name: str, kind: str, default: Any) -> Any:
    cli = getattr(config.option, f"threadlesson_{name}", None)
    if cli is not None:
        return _parse(cli, kind, f"--threadlesson-{name.replace('_', '-')} (command line)")
    ini = config.getini(f"threadlesson_{name}")
    if ini not in (None, "", []):
        where = config.inipath.name if config.inipath else "ini file"
        return _parse(ini, kind, f"threadlesson_{name} in {where}")
    return default


def _seed(config: pytest.Config) -> tuple[int, str]:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "threadlesson_seed" in workerinput:
        return int(workerinput["threadlesson_seed"]), "controller"
    raw = config.option.threadlesson_seed
    if raw in (None, "random"):
        return random.Random().randrange(10**6), "random"
    if raw == "last":
        cache = getattr(config, "cache", None)
        cached = cache.get("threadlesson/seed", None) if cache is not None else None
        if cached is None:
            raise pytest.UsageError("threadlesson: --threadlesson-seed=last, but no previous "
                               "session left a seed in pytest's cache")
        return int(cached), "last"
    try:
        return int(raw), "given"
    except ValueError:
        raise pytest.UsageError(f"threadlesson: --threadlesson-seed (command line) is {raw!r}: "
                           "expected a whole number, 'random' or 'last'")


def _kata_files(config: pytest.Config) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for entry in config.option.threadlesson_kata_file or ():
        kata, sep, path = entry.partition("=")
        if not sep or not kt._KATA_NAME.fullmatch(kata):
            raise pytest.UsageError(f"threadlesson: --threadlesson-kata-file={entry!r}: expected "
                               "KATA=PATH, for example k03_lost_update=my_fix.py")
        file = Path(path)
        if not file.is_absolute():
            file = Path(config.invocation_params.dir) / file
        if not file.is_file():
            raise pytest.UsageError(f"threadlesson: --threadlesson-kata-file: no file {path!r}")
        files[kata] = file
    return files


def _leak_ignore(config: pytest.Config) -> tuple[IgnoreRule, ...]:
    lines = config.getini("threadlesson_leak_ignore") or []
    try:
        return parse_all(lines)
    except ValueError as error:
        where = config.inipath.name if config.inipath else "ini file"
        raise pytest.UsageError(f"threadlesson: threadlesson_leak_ignore in {where}: {error}")


def make_settings(config: pytest.Config) -> Settings:
    seed, source = _seed(config)
    return Settings(
        seed=seed,
        seed_source=source,
        schedules=_setting(config, "schedules", "count", DEFAULT_SCHEDULES),
        strategy=_setting(config, "strategy", "strategy", "random"),
        instrument=_setting(config, "instrument", "bool", False),
        leak_check=_setting(config, "leak_check", "bool", False),
        leak_grace=_setting(config, "leak_grace", "seconds", 0.5),
        leak_ignore=_leak_ignore(config),
        deadlock_timeout=_setting(config, "deadlock_timeout", "seconds", 10.0),
        solutions=bool(config.option.threadlesson_solutions),
        hints=config.option.threadlesson_hints,
        full_reports=bool(config.option.threadlesson_full),
        kata_files=_kata_files(config),
    )


# ---------------------------------------------------------------------------------------
# Options, ini keys, markers


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("threadlesson", "threadlesson: concurrency bugs, every time")
    group.addoption("--threadlesson-seed", dest="threadlesson_seed", default=None,
                    metavar="N|last|random", help=_HELP["seed"])
    group.addoption("--threadlesson-schedules", dest="threadlesson_schedules", default=None,
                    metavar="N", help=_HELP["schedules"])
    group.addoption("--threadlesson-strategy", dest="threadlesson_strategy", default=None,
                    metavar="NAME", help=_HELP["strategy"])
    group.addoption("--threadlesson-leak-grace", dest="threadlesson_leak_grace",
                    default=None, metavar="SECONDS", help=_HELP["leak_grace"])
    group.addoption("--threadlesson-deadlock-timeout", dest="threadlesson_deadlock_timeout",
                    default=None, metavar="SECONDS", help=_HELP["deadlock_timeout"])
    group.addoption("--threadlesson-solutions", dest="threadlesson_solutions",
                    action="store_true", default=False,
                    help="run the kata tests against solutions/ (for facilitators and "
                         "our own checks), not against your katas/")
    group.addoption("--threadlesson-hints", dest="threadlesson_hints", nargs="?",
                    const="next", default=None, choices=("next", "reset"),
                    help="show the next hint for each failing kata ('reset' starts over)")
    group.addoption("--threadlesson-full", dest="threadlesson_full", action="store_true",
                    default=False,
                    help="show every failing kata's report in full, not only the first")
    group.addoption("--threadlesson-kata-file", dest="threadlesson_kata_file",
                    action="append", default=None, metavar="KATA=PATH",
                    help="load kata KATA from PATH (to try a variant against the kata's "
                         "tests)")
    for name in ("schedules", "strategy", "instrument", "leak_check", "leak_grace",
                 "deadlock_timeout"):
        parser.addini(f"threadlesson_{name}", _HELP[name], type="string", default="")
    parser.addini("threadlesson_leak_ignore", _HELP["leak_ignore"], type="linelist",
                  default=[])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "threadlesson: instrument this test's threads: deadlocks, leaked "
                   "threads and exceptions in threads fail it; keywords: "
                   "dropped_exceptions_ok=True (failing futures nobody asks are meant), "
                   "leak_ignore=[rules] (threads meant to outlive the test)")
    config.addinivalue_line(
        "markers", "deadlock_timeout(seconds): backstop for blocking the plugin cannot "
                   "see; on expiry report every thread and unwind")
    settings = make_settings(config)
    config.stash[settings_key] = settings
    cache = getattr(config, "cache", None)
    if cache is not None and getattr(config, "workerinput", None) is None:
        cache.set("threadlesson/seed", settings.seed)
    root = config.rootpath
    dirs = [root / ("solutions" if settings.solutions else "katas")]
    kt.install_finder(dirs, settings.kata_files)
    config.add_cleanup(kt.uninstall_finder)
    starts.install()
    config.add_cleanup(starts.restore)
    config.stash[progress_key] = Progress()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker explores with the controller's seed."""
    node.workerinput["threadlesson_seed"] = node.config.stash[settings_key].seed


def pytest_report_header(config: pytest.Config) -> list[str]:
    s = config.stash[settings_key]
    lines = [f"threadlesson: seed {s.seed} (replay with --threadlesson-seed={s.seed}), "
             f"{s.schedules} schedules per scenario, strategy {s.strategy}"]
    if s.solutions:
        lines.append("threadlesson: SOLUTIONS MODE: kata tests run against solutions/, "
                     "not your katas/ (this is not your progress)")
    for kata, path in s.kata_files.items():
        lines.append(f"threadlesson: {kata} loaded from {path}")
    return lines


# ---------------------------------------------------------------------------------------
# Activation: which tests are instrumented, and the life of one instrumented test.


@dataclass(frozen=True)
class MarkOptions:
    """The keywords of `@pytest.mark.threadlesson(...)` for one test."""

    dropped_exceptions_ok: bool = False  # futures that fail and nobody asks are meant
    leak_ignore: tuple[IgnoreRule, ...] = ()  # threads meant to outlive the test


# Each keyword the marker takes, as the error for an unknown one shows it.
_MARK_KEYWORDS = {
    "dropped_exceptions_ok": "dropped_exceptions_ok=True",
    "leak_ignore": 'leak_ignore=["target:GLOB", "name:GLOB", "stack:GLOB"]',
}


class _MarkError(Exception):
    """A threadlesson marker the plugin cannot follow: an error for its test alone."""


def _mark_options(item: pytest.Item) -> MarkOptions:
    where = f"threadlesson: @pytest.mark.threadlesson on {item.nodeid}"
    forms = ", ".join(_MARK_KEYWORDS.values())
    values: dict[str, Any] = {}
    rules: list[IgnoreRule] = []  # every level's rules count, the module's and the test's
    # Farthest first (a module's pytestmark), so the test's own marker has the last word.
    for marker in reversed(list(item.iter_markers("threadlesson"))):
        if marker.args:
            raise _MarkError(f"{where}: takes keywords only, not {marker.args!r}\n"
                             f"  the keywords are: {forms}")
        for key, value in marker.kwargs.items():
            if key not in _MARK_KEYWORDS:
                close = difflib.get_close_matches(key, _MARK_KEYWORDS, n=1)
                mean = f" (did you mean {close[0]!r}?)" if close else ""
                raise _MarkError(f"{where}: unknown keyword {key!r}{mean}\n"
                                 f"  the keywords are: {forms}")
            values[key] = value
            if key == "leak_ignore":
                rules.extend(_mark_rules(where, value))
    dropped_ok = values.get("dropped_exceptions_ok", False)
    if not isinstance(dropped_ok, bool):
        raise _MarkError(f"{where}: dropped_exceptions_ok must be True or False, "
                         f"not {dropped_ok!r}")
    return MarkOptions(dropped_exceptions_ok=dropped_ok, leak_ignore=tuple(rules))


def _mark_rules(where: str, value: Any) -> list[IgnoreRule]:
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
        raise _MarkError(f'{where}: leak_ignore must be a list of rules such as '
                         f'["target:mypkg.pool._worker"], not {value!r}; each rule one of:\n'
                         f"{_RULE_FORMS}")
    try:
        return list(parse_all(texts))
    except ValueError as error:
        raise _MarkError(f"{where}: leak_ignore {error}")


@dataclass
class TestState:
    kata: str | None
    instrument: bool
    leak_check: bool
    options: MarkOptions = MarkOptions()
    mark_error: str | None = None  # a bad threadlesson marker: the test errors at set-up
    watch: bool = False  # the deadlock_timeout backstop runs
    scope: rt.Scope | None = None
    main: rt.ThreadRec | None = None
    before: frozenset[threading.Thread] = frozenset()
    starts: int = 0  # prim.start_count when `before` was taken
    # What the end of the call already reported, so that teardown adds only what is new.
    exceptions_judged: int = 0
    futures_judged: bool = False
    deadlock_judged: _waits.DeadlockReport | None = None
    saved_scope: rt.Scope | None = None
    diagnosis: str | None = None
    installed: bool = False


state_key = pytest.StashKey[TestState]()


def _test_state(item: pytest.Item) -> TestState:
    settings = item.config.stash[settings_key]
    facts = item.stash.get(_facts_key, None) or _item_facts(item)
    kata = facts.kata
    marked = "threadlesson" in facts.markers
    instrument = marked or settings.instrument or kata is not None
    leak_check = (instrument and (marked or kata is not None)) or settings.leak_check \
        or "no_leaked_threads" in getattr(item, "fixturenames", ())
    # The backstop marker alone is a request for the backstop, instrumented or not.
    watch = instrument or "deadlock_timeout" in facts.markers
    state = TestState(kata=kata, instrument=instrument, leak_check=leak_check, watch=watch)
    if marked:
        try:
            state.options = _mark_options(item)
        except _MarkError as error:
            state.mark_error = str(error)
    return state


def _deadlock_timeout(item: pytest.Item) -> float:
    marker = item.get_closest_marker("deadlock_timeout")
    if marker is not None:
        if len(marker.args) != 1 or marker.kwargs:
            raise pytest.UsageError(
                f"threadlesson: @pytest.mark.deadlock_timeout on {item.nodeid}: "
                "expected one number of seconds, e.g. deadlock_timeout(2)")
        return float(_parse(marker.args[0], "seconds", f"deadlock_timeout marker on "
                                                       f"{item.nodeid}"))
    return item.config.stash[settings_key].deadlock_timeout


@pytest.hookimpl(wrapper=True, tryfirst=True)
def _runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[Any]:
    state = _test_state(item)
    item.stash[state_key] = state
    if not (state.instrument or state.leak_check or state.watch):
        return (yield)
    main = rt.current()
    main.pending = None
    main.held.clear()  # a lock a previous test left held is not this test's
    main.gates.clear()
    rt.reset_serials()
    state.main = main
    state.saved_scope = main.scope
    starts.beginning.clear()  # threads started before this test are not its threads
    state.scope = rt.Scope(main, detect=state.instrument)
    state.before = leaks.snapshot()
    state.starts = prim.start_count
    (prim.patch if state.instrument else prim.thread_patch).install()
    state.installed = True
    main.scope = state.scope
    try:
        return (yield)
    finally:
        # Whatever happened (a failure, an error, Ctrl-C): undo every global change.
        state.scope.closed = True
        main.scope = state.saved_scope
        main.pending = None
        if state.installed:
            (prim.patch if state.instrument else prim.thread_patch).restore()
            state.installed = False
        # Every report of the test is made: items live as long as the session, the
        # test's scope and thread snapshots need not.
        del item.stash[state_key]


@pytest.hookimpl(wrapper=True)
def _runtest_setup(item: pytest.Item) -> Iterator[None]:
    result = yield  # pytest's own set-up first: its teardown expects it to have run
    state = item.stash.get(state_key, None)
    if state is not None and state.mark_error is not None:
        # This test only: the rest of the run goes on.
        pytest.fail(state.mark_error, pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def _runtest_call(item: pytest.Item) -> Iterator[None]:
    state = item.stash.get(state_key, None)
    if state is None or state.scope is None:
        return (yield)
    failed = yield from _watched(item, state.scope, state.watch)
    if isinstance(failed, KeyboardInterrupt):
        # Ctrl-C, most likely on a test that seemed to hang: say where every thread was.
        interrupted.append((item.nodeid, _where_at_interrupt(state.scope, failed)))
    findings = _findings(item, state, failed)
    diagnosis = _diagnosis_of(failed) if failed is not None else None
    state.diagnosis = diagnosis or (findings[0][0] if findings else None)
    _fail_with(item, "call", findings, failed)


def _watched(item: pytest.Item, scope: rt.Scope,
             watch: bool) -> Generator[None, object, BaseException | None]:
    """The phase a hook wraps (`yield from` it), under the backstop when `watch`: returns
    what the phase raised, or None."""
    watchdog = None
    if watch:
        main_thread_kick.install()
        watchdog = _Watchdog(scope, _deadlock_timeout(item))
    try:
        yield
    except BaseException as exc:
        return exc
    finally:
        if watchdog is not None:
            watchdog.cancel()
            main_thread_kick.disarm()
    return None


def _fail_with(item: pytest.Item, when: str, findings: list[tuple[str, str]],
               failed: BaseException | None) -> None:
    """End the phase: its own error stays the failure, our findings a section beside it;
    with no error of its own, our findings are the failure."""
    text = "\n\n".join(text for _, text in findings)
    if failed is not None:
        if findings:
            item.add_report_section(when, "threadlesson", text)
        raise failed
    if findings:
        raise ThreadlessonFailure(text, findings[0][0])


@pytest.hookimpl(wrapper=True)
def _fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    rt.fixture_scopes.append(str(fixturedef.scope))
    try:
        return (yield)
    finally:
        rt.fixture_scopes.pop()


@pytest.hookimpl(wrapper=True)
def _runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Leaks are judged here, once the function-scoped fixtures are torn down (as goleak
    judges after cleanup): a fixture that stops every worker in its teardown is how many
    suites clean up, so a thread is a leak only if it outlives that too. Until then the
    plugin stops nothing: the teardown must find its threads as it left them."""
    state = item.stash.get(state_key, None)
    if state is None or state.scope is None:
        return (yield)
    # The test's threads are still running: a teardown that joins one that never ends
    # would hang the session, so the backstop watches teardown as it watches the call.
    failed = yield from _watched(item, state.scope, state.watch and _started_any(state))
    if isinstance(failed, KeyboardInterrupt):
        raise failed  # the session ends now; its finish stops what is left
    findings = _teardown_findings(item, state, failed)
    if failed is None and findings and state.diagnosis is None:
        state.diagnosis = findings[0][0]
    _fail_with(item, "teardown", findings, failed)
    return None


def _started_any(state: TestState) -> bool:
    """Whether a thread was started since the test began: the patched `Thread.start`
    counts them, so the common test that starts none costs no thread enumeration."""
    return bool(prim.start_count != state.starts)


class ThreadlessonFailure(AssertionError):
    """A test failed because of what happened in its threads."""

    def __init__(self, report: str, diagnosis: str) -> None:
        super().__init__(report)
        self.diagnosis = diagnosis


def _findings(item: pytest.Item, state: TestState,
              failed: BaseException | None) -> list[tuple[str, str]]:
    """Everything that went wrong among the test's threads by the end of its call, most
    important first. Leaks wait for teardown (`_teardown_findings`)."""
    scope = state.scope
    assert scope is not None
    found: list[tuple[str, str]] = []
    if state.kata is not None:
        problem = kt.finder.problems.get(state.kata)
        started = kt.finder.import_threads.pop(state.kata, None)
        if started:
            kt.finder.scopes.pop(state.kata, None)
            described = leaks.describe([t for t in started if t.is_alive()])
            if described:
                found.append(("leak", _report.render_leaks(described).replace(
                    "outlived the test", "started when the kata module was imported") +
                    "\n  (start threads inside functions, not at import time)"))
            leaks.stop(started)
        if problem is not None and not _is_broken(failed):
            found.append(("broken", problem.render()))
    if scope.deadlock is not None:
        if not (isinstance(failed, rt.DeadlockError) and failed.report is scope.deadlock):
            kind = "hang" if scope.deadlock.kind == "timeout" else "deadlock"
            found.append((kind, scope.deadlock.render()))
    elif scope.order.inversions:
        found.extend(("deadlock", _report.render_inversion(inv)) for inv in scope.order.inversions)
    state.deadlock_judged = scope.deadlock
    found.extend(_lost_exceptions(state))
    return found


def _teardown_findings(item: pytest.Item, state: TestState,
                       failed: BaseException | None) -> list[tuple[str, str]]:
    """What went wrong among the test's threads since the end of its call (they ran on
    through teardown), and the threads that outlived the teardown: leaks."""
    scope = state.scope
    assert scope is not None
    found: list[tuple[str, str]] = []
    if scope.deadlock is not None and scope.deadlock is not state.deadlock_judged and not (
            isinstance(failed, rt.DeadlockError) and failed.report is scope.deadlock):
        kind = "hang" if scope.deadlock.kind == "timeout" else "deadlock"
        found.append((kind, scope.deadlock.render()))
    state.deadlock_judged = scope.deadlock
    found.extend(_lost_exceptions(state))
    if state.leak_check and _started_any(state):
        settings = item.config.stash[settings_key]
        rules = (*settings.leak_ignore, *state.options.leak_ignore)
        leaked = leaks.find_leaks(state.before, settings.leak_grace, rules)
        if leaked:
            accept = leaks.suggestions(leaked) if state.kata is None else []
            found.append(("leak", _report.render_leaks(leaks.describe(leaked), accept)))
            leaks.stop(leaked)
    return found


def _lost_exceptions(state: TestState) -> list[tuple[str, str]]:
    """Exceptions raised in the test's threads, and futures' exceptions nobody retrieved,
    not yet reported (each is reported once, at the end of the call or of teardown)."""
    scope = state.scope
    assert scope is not None
    found = []
    with rt.mutex:
        errors = scope.exceptions[state.exceptions_judged:]
        state.exceptions_judged += len(errors)
    for error in errors:
        found.append(("lost-exception",
                      _report.render_thread_exception(error.thread, error.exc, error.start_site)))
    if not state.futures_judged and not state.options.dropped_exceptions_ok:
        lost = prim.unretrieved(scope)
        if lost:
            state.futures_judged = True
            found.append(("lost-exception", _report.render_unretrieved(
                lost, hint=state.kata is None)))
    return found


def _is_broken(exc: BaseException | None) -> bool:
    return isinstance(exc, kt.KataBroken) or (
        isinstance(exc, _contention.ScheduleFailure) and exc.diagnosis == "broken")


def _diagnosis_of(exc: BaseException) -> str | None:
    if isinstance(exc, _contention.ScheduleFailure):
        return exc.diagnosis
    if isinstance(exc, rt.DeadlockError):
        return "hang" if exc.report.kind == "timeout" else "deadlock"
    if isinstance(exc, ThreadlessonFailure):
        return exc.diagnosis
    if isinstance(exc, kt.KataBroken):
        return "broken"
    if _contention.is_signature_error(exc):
        return "broken"
    return None


@pytest.hookimpl(wrapper=True)
def _runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    rep = yield
    state = item.stash.get(state_key, None)
    if call.excinfo is not None and rep.failed:
        exc = call.excinfo.value
        diagnosis = _diagnosis_of(exc)
        if diagnosis is not None:
            text = (_report.render_signature_error(exc, _naming.signature_site(exc))
                    if _contention.is_signature_error(exc) else str(exc))
            rep.longrepr = _short_repr(item, call.excinfo, text)
        if diagnosis is not None and state is not None and state.diagnosis is None:
            state.diagnosis = diagnosis
        if state is not None and state.diagnosis is not None:
            prop = ("threadlesson_diagnosis", state.diagnosis)
            if prop not in item.user_properties:
                item.user_properties.append(prop)
            if prop not in rep.user_properties:
                rep.user_properties.append(prop)
    if state is not None and state.kata is not None and rep.failed:
        data = kt.lesson(state.kata)
        # The bug-class story is the kata's own only when this is the kata's own bug; an
        # endless loop or a typo in k03 is not a lost update.
        story = data.explanation if state.diagnosis == data.diagnosis else ""
        rep.sections.append((
            "threadlesson: what went wrong",
            _report.render_explanation(state.kata, data.title, state.diagnosis,
                               _report.what_went_wrong(state.diagnosis), story)))
    return rep


def _short_repr(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException],
                text: str) -> str:
    """Our report under the line of the learner's test that was running."""
    location = ""
    path = str(item.path)
    for entry in reversed(excinfo.traceback):
        if str(entry.path) == path:
            rel = os.path.relpath(path, item.config.invocation_params.dir)
            source = entry.statement.lines[0].strip() if entry.statement.lines else ""
            location = f"\n  at {rel}:{entry.lineno + 1} in {entry.name}: {source}"
            break
    return text + location


# ---------------------------------------------------------------------------------------
# The backstop: blocking we cannot see


class _Watchdog:
    """The deadlock-timeout backstop: waits on a raw lock (it never sleeps) and, when no
    thread of the test has made progress for `seconds`, unwinds the test.

    Progress is an explore schedule finished, or any thread of the test seen moving
    through its code (sampling.py): a long test whose threads work is never stopped,
    however long it runs; a busy loop or a call that never returns is.

    One thread serves every test of the process (`_WatchdogThread`), started once and
    running before the first test body: code that counts threads with `_thread._count()`
    (CPython's lock_tests does, 3.10's even wants the count at a test's end to equal the
    count at its start) must not see ours come and go.
    """

    def __init__(self, scope: rt.Scope, seconds: float) -> None:
        self.scope = scope
        self.seconds = seconds
        self._cancel = _thread.allocate_lock()
        self._cancel.acquire()
        if seconds > 0:
            _watchdog_thread.post(self)

    def cancel(self) -> None:
        self._cancel.release()

    def _observe(self) -> tuple[list[int], int]:
        """The test's live threads, and a count that grows with every schedule explore
        finishes and every blocking wait of theirs that ends (a sleep, a timed wait)."""
        with rt.mutex:
            live = self.scope.live()
            return ([t.ident for t in live if t.ident is not None],
                    self.scope.progress + sum(t.wakeups for t in live))

    def watch(self) -> None:
        tick = max(0.005, min(self.seconds / 10, 0.05))
        sampler = _sampling.ProgressSampler()
        idents, seen = self._observe()
        sampler.sample(idents)
        quiet_since = rt._real_monotonic()
        while True:
            if self._cancel.acquire(True, tick):
                return
            idents, count = self._observe()
            # A learner at a breakpoint() prompt is not a hang.
            moved = sampler.sample(idents) or count != seen or _in_debugger(idents)
            seen = count
            now = rt._real_monotonic()
            if moved:
                quiet_since = now
            elif now - quiet_since >= self.seconds:
                break
        scope = self.scope
        with rt.mutex:
            if scope.closed:
                return
            live = scope.live()
            report = _threads_now(live, "timeout", {})
            report.stacks["__header__"] = [f"{self.seconds:g}"]
            for t in live:
                if t.waiting_on is None and t.ident is not None and sampler.in_call(t.ident):
                    report.stacks[t.name].append(_unseen_call(t.ident))
            rt.DeadlockTimeout.reports.append(report)
            if scope.deadlock is None:
                scope.deadlock = report
            running = []
            for t in live:
                if t.waiting_on is not None:
                    t.pending = rt.DeadlockTimeout(report)
                    rt.unpark(t)
                elif t.ident is not None:
                    running.append(t.ident)
        main = threading.main_thread().ident
        for ident in running:
            # A main thread blocked in C would never see an asynchronous exception: a
            # signal interrupts the call, and its handler raises instead.
            if ident == main and sampler.in_call(ident) and \
                    main_thread_kick.kick(rt.DeadlockTimeout):
                continue
            leaks._async_raise(ident, rt.DeadlockTimeout)


def _in_debugger(idents: list[int]) -> bool:
    frames = sys._current_frames()
    for ident in idents:
        frame = frames.get(ident)
        while frame is not None:
            if frame.f_globals.get("__name__") in ("bdb", "pdb"):
                return True
            frame = frame.f_back
    return False


def _unseen_call(ident: int) -> str:
    """What a thread stuck in a call the plugin cannot see into is doing, as far as it
    can tell from the line it is on."""
    frame = sys._current_frames().get(ident)
    source = linecache.getline(frame.f_code.co_filename, frame.f_lineno or 0) if frame else ""
    if _READS_STDIN.search(source):
        return ("waiting for someone to type a line on standard input: nobody will, a test "
                "runs unattended (give the code its text another way, e.g. as an argument)")
    return ("inside a call the plugin cannot see into (C code, a lock not made by "
            "threading, I/O): it could not tell whether it is blocked or slow")


_READS_STDIN = re.compile(r"\binput\s*\(|\bstdin\.(read|readline|readlines)\s*\(")


class _WatchdogThread:
    """The one raw thread that runs the watchdogs of this process's tests, one at a time."""

    def __init__(self) -> None:
        self._guard = _thread.allocate_lock()
        self._wake = _thread.allocate_lock()
        self._wake.acquire()
        self._jobs: list[_Watchdog] = []
        self._pid: int | None = None  # the process it runs in: a fork child has none
        self.ident: int | None = None

    def post(self, job: _Watchdog) -> None:
        with self._guard:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._guard_start()
            self._jobs.append(job)
            if self._wake.locked():
                self._wake.release()

    def _guard_start(self) -> None:
        running = _thread.allocate_lock()
        running.acquire()
        self._wake = _thread.allocate_lock()
        self._wake.acquire()
        self._jobs = []
        _thread.start_new_thread(self._serve, (running, self._wake))
        running.acquire()  # counted by `_thread._count()` from now on

    def _serve(self, running: Any, wake: Any) -> None:
        self.ident = _thread.get_ident()
        rt.service_threads.add(self.ident)
        running.release()
        while True:
            wake.acquire()
            while True:
                with self._guard:
                    if wake is not self._wake:
                        return  # a fork child started its own
                    if not self._jobs:
                        break
                    job = self._jobs.pop(0)
                job.watch()


_watchdog_thread = _WatchdogThread()


def _threads_now(live: list[rt.ThreadRec], kind: str,
                 known: dict[rt.ThreadRec, _frames.Site | None]) -> _waits.DeadlockReport:
    """The test's live threads, what each holds and waits for, and where it is now
    (`known` gives the place for threads whose current frame says nothing, such as a
    thread now unwinding an exception)."""
    frames = sys._current_frames()
    report = _waits.DeadlockReport(kind, [t.state() for t in live])
    for t in live:
        if t in known:
            site = known[t]
        else:
            site = _frames.site_of(frames.get(t.ident) if t.ident is not None else None)
        report.stacks[t.name] = [
            f"now at {site.short} in {site.function}: {site.source}"
            if site is not None else "now outside your code (a C call?)"]
    return report


def _where_at_interrupt(scope: rt.Scope, exc: BaseException) -> _waits.DeadlockReport:
    # The main thread is in our handler now: its place is where the interrupt hit it.
    site = _report.innermost_user_site(exc.__traceback__)
    with rt.mutex:
        return _threads_now(scope.live(), "interrupted", {scope.main: site})


# Reports of the tests that Ctrl-C interrupted, shown at the end of the run.
interrupted: list[tuple[str, _waits.DeadlockReport]] = []


# ---------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def contention(request: pytest.FixtureRequest) -> _contention.Contention:
    """Explore interleavings of a scenario (controlled) or stress real threads.

    Example::

        def test_no_increment_is_lost(contention):
            def scenario():
                ...
            contention.explore(scenario)
    """
    settings = request.config.stash[settings_key]
    item = request.node
    state = item.stash.get(state_key, None) if isinstance(item, pytest.Item) else None
    options = state.options if state is not None else MarkOptions()
    return _contention.Contention(
        seed=settings.seed,
        test_id=item.nodeid,
        schedules=settings.schedules,
        strategy=settings.strategy,
        replay=_replay_command(item, settings.seed),
        wall_limit=_deadlock_timeout(item) if isinstance(item, pytest.Item) else 10.0,
        dropped_exceptions_ok=options.dropped_exceptions_ok,
        hints=state is None or state.kata is None,
    )


def _replay_command(item: Any, seed: int) -> str:
    args = [f'pytest "{item.nodeid}"', f"--threadlesson-seed={seed}"]
    count = getattr(item.config.option, "count", None)
    if count and count > 1:
        args.append(f"--count={count}")
    settings = item.config.stash[settings_key]
    if settings.solutions:
        args.append("--threadlesson-solutions")
    for kata, path in settings.kata_files.items():
        args.append(f"--threadlesson-kata-file={kata}={path}")
    return " ".join(args)


@pytest.fixture
def no_leaked_threads() -> Iterator[None]:
    """Fail the test if a thread it started is still alive at its end (daemon or not).

    The check itself runs in the plugin's hooks, once the test's function-scoped fixtures
    are torn down and the grace period is over; this fixture only asks for it.
    """
    yield


# ---------------------------------------------------------------------------------------
# Kata progress and the closing summary (on the xdist controller too: logreport runs there)


progress_key = pytest.StashKey["Progress"]()


class Progress:
    """This session's kata results; the first red kata in curriculum order is the focus."""

    def __init__(self) -> None:
        self.status: dict[str, str] = {}
        self.diagnosis: dict[str, str] = {}
        self.focus: str | None = None
        self.hidden: list[pytest.TestReport] = []

    def record(self, kata: str, rep: pytest.TestReport, full: bool) -> None:
        if rep.failed:
            self.status[kata] = "red"
            found = dict(rep.user_properties).get("threadlesson_diagnosis")
            if found and kata not in self.diagnosis:
                self.diagnosis[kata] = str(found)
            if self.focus is None or kt.order_key(kata) < kt.order_key(self.focus):
                self.focus = kata
            if not full:
                self.hidden.append(rep)
        elif rep.when == "call" and rep.passed:
            self.status.setdefault(kata, "solved")


def _kata_of_report(rep: pytest.TestReport) -> str | None:
    return _kata_of_file(rep.nodeid.split("::", 1)[0])


@functools.lru_cache(maxsize=4096)
def _kata_of_file(path: str) -> str | None:
    """The kata id of a test file path, cheaply: this runs for every report."""
    return kt.kata_of_path(Path(path))


class _KataReports:
    """Progress from the reports of kata tests; registered only when katas were collected
    here, or reports come from xdist workers (whose collection the controller never
    sees), so that other suites pay no call per report."""

    @staticmethod
    def pytest_runtest_logreport(report: pytest.TestReport) -> None:
        kata = _kata_of_report(report)
        if kata is None:
            return
        config = _config[0]
        if config is not None:
            full = config.stash[settings_key].full_reports
            config.stash[progress_key].record(kata, report, full)


def _watch_kata_reports(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("threadlesson-kata-reports"):
        config.pluginmanager.register(_KataReports(), "threadlesson-kata-reports")


_config: list[pytest.Config | None] = [None]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _config[0] = session.config
    if session.config.pluginmanager.has_plugin("dsession"):  # the xdist controller
        _watch_kata_reports(session.config)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if "pytest_threadlesson.engine.primitives" not in sys.modules:
        return  # no test used the engine: nothing to clean up
    leaks.set_exit_status(int(exitstatus))
    # After Ctrl-C in the middle of a deadlock, or any thread a test left behind: stop
    # what we can, and never let a thread of ours keep the interpreter from exiting.
    left = [t for t, rec in prim.threads.alive()
            if not rec.finished and prim._orig_is_alive(t) and t not in leaks.accepted]
    if left:
        leaks.stop(left, wait=0.5)


def pytest_unconfigure(config: pytest.Config) -> None:
    main_thread_kick.restore()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> Iterator[None]:
    """Focus: full reports for the first red kata only; then progress and hints."""
    progress = config.stash[progress_key]
    failed = terminalreporter.stats.get("failed", [])
    focus = progress.focus
    errors = terminalreporter.stats.get("error", [])
    hidden = [r for r in progress.hidden if _kata_of_report(r) != focus]
    if hidden:
        terminalreporter.stats["failed"] = [r for r in failed if r not in hidden]
        if errors:  # a leak is found in teardown: its report is an error
            terminalreporter.stats["error"] = [r for r in errors if r not in hidden]
    try:
        yield
    finally:
        if hidden:
            terminalreporter.stats["failed"] = failed
            if errors:
                terminalreporter.stats["error"] = errors
    for nodeid, report in interrupted:
        terminalreporter.write_sep("-", "threadlesson: where the threads were at Ctrl-C")
        terminalreporter.write_line(nodeid)
        terminalreporter.write_line(report.render())
    interrupted.clear()
    if progress.status:
        _kata_summary(terminalreporter, config, progress)


def _kata_summary(tr: Any, config: pytest.Config, progress: Progress) -> None:
    settings = config.stash[settings_key]
    cache = getattr(config, "cache", None)
    practice = not settings.solutions and not settings.kata_files
    known: dict[str, str] = {}
    if cache is not None:
        known = dict(cache.get("threadlesson/progress", {}) or {})
    known.update(progress.status)
    if cache is not None and practice and getattr(config, "workerinput", None) is None:
        cache.set("threadlesson/progress", known)
    if not practice:
        known = dict(progress.status)
    solved = [k for k in kt.CORE_KATAS if known.get(k) == "solved"]
    nxt = kt.next_kata(known)
    run_file = f"pytest katas/test_{nxt}.py" if nxt else ""
    if config.get_verbosity() < 0:
        if settings.hints is not None:
            _show_hints(tr, config, progress, settings.hints == "reset")
        mode = " (solutions mode: not your progress)" if settings.solutions else ""
        line = f"threadlesson: {len(solved)}/{len(kt.CORE_KATAS)} katas solved{mode}"
        if nxt:
            line += f"; next: {nxt} ({run_file})"
        tr.write_line(line)
        return
    tr.write_sep("=", "threadlesson: katas", bold=True)
    if settings.solutions:
        tr.write_line("SOLUTIONS MODE: these results are the reference solutions', not yours.",
                      yellow=True, bold=True)
    others = [k for k, s in progress.status.items() if s == "red" and k != progress.focus]
    if progress.focus is not None:
        diagnosis = progress.diagnosis.get(progress.focus, "failed")
        tr.write_line(f"{progress.focus}: {diagnosis} (the report above)", red=True, bold=True)
    if others and not settings.full_reports:
        tr.write_line("other red katas, one line each (--threadlesson-full shows every report):")
        for kata in sorted(others, key=kt.order_key):
            tr.write_line(f"  {kata}: {progress.diagnosis.get(kata, 'failed')}", red=True)
    if settings.hints is not None:
        _show_hints(tr, config, progress, settings.hints == "reset")
    where = f": {kt.compact(solved)}" if solved else ""
    tr.write_line(f"{len(solved)}/{len(kt.CORE_KATAS)} katas solved{where}", green=bool(solved))
    if nxt is None:
        tr.write_line("every kata is solved. Well done! Try the stretch katas k21 and k22.",
                      green=True, bold=True)
        return
    tr.write_line(f'next: {nxt}, "{kt.lesson(nxt).title}"', bold=True)
    tr.write_line(f"  run only it:  {run_file}")
    tr.write_line(f"  get a hint:   {run_file} --threadlesson-hints")


def _show_hints(tr: Any, config: pytest.Config, progress: Progress, reset: bool) -> None:
    cache = getattr(config, "cache", None)
    shown: dict[str, int] = {}
    if cache is not None and not reset:
        shown = dict(cache.get("threadlesson/hints", {}) or {})
    red = sorted((k for k, s in progress.status.items() if s == "red"), key=kt.order_key)
    if not red:
        tr.write_line("no hints: every kata that ran is green.")
    for kata in red:
        hint = kt.next_hint(kata, shown.get(kata, 0))
        if hint is None:
            continue
        level, text = hint
        shown[kata] = level
        total = len(kt.lesson(kata).hints)
        tr.write_line(f"hint {level}/{total} for {kata}:", yellow=True, bold=True)
        for line in _report.wrap(text, indent="  "):
            tr.write_line(line)
        if level < total:
            tr.write_line("  (ask again for the next hint)")
    if cache is not None:
        cache.set("threadlesson/hints", shown)


class _PerTestHooks:
    """The per-test hooks, registered only when a collected test needs them (a kata, a
    marked test, the ini switches, our fixtures): an installed plugin that nobody uses
    adds no hook call to any test."""

    pytest_runtest_protocol = staticmethod(_runtest_protocol)
    pytest_runtest_setup = staticmethod(_runtest_setup)
    pytest_runtest_call = staticmethod(_runtest_call)
    pytest_fixture_setup = staticmethod(_fixture_setup)
    pytest_runtest_teardown = staticmethod(_runtest_teardown)
    pytest_runtest_makereport = staticmethod(_runtest_makereport)


@dataclass(frozen=True)
class _ItemFacts:
    kata: str | None
    markers: frozenset[str]  # of ours, on the item or any of its parents


_facts_key = pytest.StashKey[_ItemFacts]()
_OUR_MARKERS = frozenset({"threadlesson", "deadlock_timeout"})


def _item_facts(item: pytest.Item) -> _ItemFacts:
    # One walk up the node tree, not one per marker asked about.
    return _ItemFacts(_kata_of_file(str(item.path)),
                      _OUR_MARKERS.intersection(m.name for m in item.iter_markers()))


def _needs_hooks(facts: _ItemFacts, item: pytest.Item, settings: Settings) -> bool:
    return (settings.instrument or settings.leak_check or facts.kata is not None
            or bool(facts.markers)
            or not {"no_leaked_threads", "contention"}.isdisjoint(
                getattr(item, "fixturenames", ())))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Katas run in curriculum order, whatever the file system or a shuffler says; and a
    bad deadlock_timeout marker stops the run before any test, naming the test."""
    settings = config.stash[settings_key]
    needs_hooks = False
    kata_positions = []
    for i, item in enumerate(items):
        facts = item.stash[_facts_key] = _item_facts(item)
        if "deadlock_timeout" in facts.markers:
            _deadlock_timeout(item)
        needs_hooks = needs_hooks or _needs_hooks(facts, item, settings)
        if facts.kata is not None:
            kata_positions.append(i)
    if needs_hooks and not config.pluginmanager.has_plugin("threadlesson-per-test"):
        config.pluginmanager.register(_PerTestHooks(), "threadlesson-per-test")
    if not kata_positions:
        return
    _watch_kata_reports(config)
    kata_items = [items[i] for i in kata_positions]
    kata_items.sort(key=lambda it: kt.order_key(it.stash[_facts_key].kata or ""))
    for pos, item in zip(kata_positions, kata_items, strict=False):
        items[pos] = item

