"""The life of one watched test, as pytest hooks. This module is registered as a plugin only
when a collected test needs it (a kata, a marked test, the ini switches, our fixtures): an
installed plugin that nobody uses adds no hook call to any test."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ..diagnosis import Diagnosis
from ..engine import starts
from ..engine.kick import main_thread_kick
from .activation import TestState, state_key
from .findings import (
    call_findings,
    diagnosis_of,
    fail_with,
    short_repr,
    started_any,
    teardown_findings,
)
from .lazy import lazy_modules
from .pictures import draw
from .settings import deadlock_timeout
from .summary import explanation, interrupted_key

if TYPE_CHECKING:
    from .. import report as _report
    from ..engine import backstop, leaks
    from ..engine import contention as _contention
    from ..engine import naming as _naming
    from ..engine import primitives as prim
    from ..engine import runtime as rt
else:
    lazy_modules(globals(), _contention="engine.contention", _report="report",
                 backstop="engine.backstop", leaks="engine.leaks", prim="engine.primitives",
                 rt="engine.runtime", _naming="engine.naming")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[Any]:
    state = item.stash[state_key] = TestState.of(item)
    if not state.activation.active:
        return (yield)
    _begin(state)
    try:
        return (yield)
    finally:
        # Whatever happened (a failure, an error, Ctrl-C): undo every global change.
        _end(state)
        # Every report of the test is made: items live as long as the session, the
        # test's scope and thread snapshots need not.
        del item.stash[state_key]


def _patch(state: TestState) -> Any:
    return prim.patch if state.activation.instrument else prim.thread_patch


def _begin(state: TestState) -> None:
    main = rt.current()
    main.pending = None
    main.held.clear()  # a lock a previous test left held is not this test's
    main.gates.clear()
    rt.reset_serials()
    state.main = main
    state.saved_arena = main.arena
    starts.beginning.clear()  # threads started before this test are not its threads
    state.scope = rt.Scope(main, detect=state.activation.instrument)
    state.before = leaks.snapshot()
    state.starts = prim.start_count
    _patch(state).install()
    state.installed = True
    main.arena = state.scope


def _end(state: TestState) -> None:
    assert state.scope is not None and state.main is not None
    state.scope.closed = True
    state.main.arena = state.saved_arena or rt.UNWATCHED
    state.main.pending = None
    if state.installed:
        _patch(state).restore()
        state.installed = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    result = yield  # pytest's own set-up first: its teardown expects it to have run
    state = item.stash.get(state_key, None)
    if state is not None and state.mark_error is not None:
        # This test only: the rest of the run goes on.
        pytest.fail(state.mark_error, pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    state = item.stash.get(state_key, None)
    if state is None or state.scope is None:
        return (yield)
    failed = yield from _watched(item, state.scope, state.activation.watch)
    if isinstance(failed, KeyboardInterrupt):
        # Ctrl-C, most likely on a test that seemed to hang: say where every thread was.
        where = backstop.where_at_interrupt(state.scope, failed)
        item.config.stash[interrupted_key].append((item.nodeid, where))
    findings = call_findings(state, failed)
    diagnosis = diagnosis_of(failed) if failed is not None else None
    state.diagnosis = diagnosis or (findings[0][0] if findings else None)
    fail_with(item, "call", findings, failed)


def _watched(item: pytest.Item, scope: rt.Scope,
             watch: bool) -> Generator[None, object, BaseException | None]:
    """The phase a hook wraps (`yield from` it), under the backstop when `watch`: returns
    what the phase raised, or None."""
    watchdog = None
    if watch:
        main_thread_kick.install()
        watchdog = backstop.Watchdog(scope, deadlock_timeout(item))
    try:
        yield
    except BaseException as exc:
        return exc
    finally:
        if watchdog is not None:
            watchdog.cancel()
            main_thread_kick.disarm()
    return None


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    rt.fixture_scopes.append(str(fixturedef.scope))
    try:
        return (yield)
    finally:
        rt.fixture_scopes.pop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Leaks are judged here, once the function-scoped fixtures are torn down (as goleak
    judges after cleanup): a fixture that stops every worker in its teardown is how many
    suites clean up, so a thread is a leak only if it outlives that too. Until then the
    plugin stops nothing: the teardown must find its threads as it left them."""
    state = item.stash.get(state_key, None)
    if state is None or state.scope is None:
        return (yield)
    # The test's threads are still running: a teardown that joins one that never ends
    # would hang the session, so the backstop watches teardown as it watches the call.
    failed = yield from _watched(item, state.scope,
                                 state.activation.watch and started_any(state))
    if isinstance(failed, KeyboardInterrupt):
        raise failed  # the session ends now; its finish stops what is left
    findings = teardown_findings(item, state, failed)
    if failed is None and findings and state.diagnosis is None:
        state.diagnosis = findings[0][0]
    fail_with(item, "teardown", findings, failed)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    rep = yield
    state = item.stash.get(state_key, None)
    if call.excinfo is not None and rep.failed:
        _label(item, rep, call.excinfo, state)
    if state is not None and state.kata is not None and rep.failed:
        rep.sections.append(("threadlesson: what went wrong",
                             explanation(state.kata, state.diagnosis)))
    draw(item, rep, call.excinfo, state.diagnosis if state is not None else None)
    return rep


def _label(item: pytest.Item, rep: pytest.TestReport,
           excinfo: pytest.ExceptionInfo[BaseException], state: TestState | None) -> None:
    """A failure of ours: our report under the test's line, and its diagnosis as the JUnit
    property `threadlesson_diagnosis`."""
    exc = excinfo.value
    diagnosis = diagnosis_of(exc)
    if diagnosis is not None:
        text = (_report.render_signature_error(exc, _naming.signature_site(exc))
                if _contention.is_signature_error(exc) else str(exc))
        rep.longrepr = short_repr(item, excinfo, text)
        if state is not None and state.diagnosis is None:
            state.diagnosis = diagnosis
    if state is not None and state.diagnosis is not None:
        # the plain word: a report crosses to the xdist controller as plain data
        prop = ("threadlesson_diagnosis", Diagnosis(state.diagnosis).value)
        for properties in (item.user_properties, rep.user_properties):
            if prop not in properties:
                properties.append(prop)


def stop_what_is_left() -> None:
    """At the session's end, after Ctrl-C in the middle of a deadlock or any thread a test
    left behind: stop what we can, and never let a thread of ours keep the interpreter
    from exiting."""
    left = [t for t, rec in prim.threads.alive()
            if not rec.finished and prim.orig_is_alive(t) and t not in leaks.accepted]
    if left:
        leaks.stop(left, wait=0.5)
