"""What went wrong among a test's threads, as (diagnosis, report) findings, and how a
phase ends with them: the test's own error stays its failure, ours a section beside it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

import pytest

from ..curriculum import catalogue as kt
from ..diagnosis import Diagnosis
from .activation import TestState
from .lazy import lazy_modules
from .pictures import keep_timelines
from .settings import settings_key

if TYPE_CHECKING:
    from .. import free_timelines as pictured
    from .. import report as _report
    from ..engine import contention as _contention
    from ..engine import leaks, waits
    from ..engine import primitives as prim
    from ..engine import runtime as rt
    from ..timeline import Timeline
else:
    lazy_modules(globals(), _contention="engine.contention", _report="report",
                 leaks="engine.leaks", prim="engine.primitives", rt="engine.runtime",
                 pictured="free_timelines")


class Finding(NamedTuple):
    """One thing that went wrong: its diagnosis, its report, and the same as a timeline
    for the HTML page (`--threadlesson-html`)."""

    diagnosis: Diagnosis
    text: str
    timeline: Timeline | None = None


class ThreadlessonFailure(AssertionError):
    """A test failed because of what happened in its threads."""

    def __init__(self, report: str, diagnosis: Diagnosis) -> None:
        super().__init__(report)
        self.diagnosis = diagnosis


def started_any(state: TestState) -> bool:
    """Whether a thread was started since the test began: the patched `Thread.start`
    counts them, so the common test that starts none costs no thread enumeration."""
    return bool(prim.start_count != state.starts)


def _deadlock(report: waits.DeadlockReport, failed: BaseException | None) -> list[Finding]:
    """The deadlock the scope declared, unless it is the test's own error already."""
    if isinstance(failed, rt.DeadlockError) and failed.report is report:
        return []
    diagnosis, text = _deadlock_diagnosis(report), report.render()
    return [Finding(diagnosis, text, pictured.of_deadlock(report, diagnosis, text))]


def _deadlock_diagnosis(report: waits.DeadlockReport) -> Diagnosis:
    """A backstop's timeout is a hang (its cause unseen); anything else a deadlock."""
    return Diagnosis.HANG if report.kind == "timeout" else Diagnosis.DEADLOCK


def _kata_import(state: TestState, failed: BaseException | None) -> list[Finding]:
    """What went wrong when the kata module was imported: threads it started there, or
    code that does not load."""
    assert state.kata is not None
    found: list[Finding] = []
    problem = kt.finder.problems.get(state.kata)
    started = kt.finder.import_threads.pop(state.kata, None)
    if started:
        kt.finder.scopes.pop(state.kata, None)
        described = leaks.describe([t for t in started if t.is_alive()])
        if described:
            text = _report.render_leaks(described, at_import=True)
            found.append(Finding(Diagnosis.LEAK, text, pictured.of_leaks(described, text)))
        leaks.stop(started)
    if problem is not None and not is_broken(failed):
        found.append(Finding(Diagnosis.BROKEN, problem.render()))
    return found


def call_findings(state: TestState, failed: BaseException | None) -> list[Finding]:
    """Everything that went wrong among the test's threads by the end of its call, most
    important first. Leaks wait for teardown (`teardown_findings`)."""
    scope = state.scope
    assert scope is not None
    found = _kata_import(state, failed) if state.kata is not None else []
    if scope.deadlock is not None:
        found.extend(_deadlock(scope.deadlock, failed))
    else:
        for inv in scope.order.inversions:
            text = _report.render_inversion(inv)
            found.append(Finding(Diagnosis.DEADLOCK, text, pictured.of_inversion(inv, text)))
    state.deadlock_judged = scope.deadlock
    found.extend(_lost_exceptions(state))
    return found


def teardown_findings(item: pytest.Item, state: TestState,
                      failed: BaseException | None) -> list[Finding]:
    """What went wrong among the test's threads since the end of its call (they ran on
    through teardown), and the threads that outlived the teardown: leaks."""
    scope = state.scope
    assert scope is not None
    found: list[Finding] = []
    if scope.deadlock is not None and scope.deadlock is not state.deadlock_judged:
        found.extend(_deadlock(scope.deadlock, failed))
    state.deadlock_judged = scope.deadlock
    found.extend(_lost_exceptions(state))
    if state.activation.leak_check and started_any(state):
        settings = item.config.stash[settings_key]
        rules = (*settings.leak_ignore, *state.options.leak_ignore)
        leaked = leaks.find_leaks(state.before, settings.leak_grace, rules)
        if leaked:
            accept = leaks.suggestions(leaked) if state.kata is None else []
            described = leaks.describe(leaked)
            text = _report.render_leaks(described, accept)
            found.append(Finding(Diagnosis.LEAK, text, pictured.of_leaks(described, text)))
            leaks.stop(leaked)
    return found


def _lost_exceptions(state: TestState) -> list[Finding]:
    """Exceptions raised in the test's threads, and futures' exceptions nobody retrieved,
    not yet reported (each is reported once, at the end of the call or of teardown)."""
    scope = state.scope
    assert scope is not None
    with rt.mutex:
        errors = scope.exceptions[state.exceptions_judged:]
        state.exceptions_judged += len(errors)
    found: list[Finding] = []
    for error in errors:
        text = _report.render_thread_exception(error.thread, error.exc, error.start_site)
        found.append(Finding(Diagnosis.LOST_EXCEPTION, text, pictured.of_thread_exception(
            error.thread, error.exc, error.start_site, text)))
    if not state.futures_judged and not state.options.dropped_exceptions_ok:
        lost = prim.unretrieved(scope)
        if lost:
            state.futures_judged = True
            text = _report.render_unretrieved(lost, hint=state.kata is None)
            found.append(Finding(Diagnosis.LOST_EXCEPTION, text,
                                 pictured.of_unretrieved(lost, text)))
    return found


def fail_with(item: pytest.Item, when: str, findings: list[Finding],
              failed: BaseException | None) -> None:
    """End the phase: its own error stays the failure, our findings a section beside it;
    with no error of its own, our findings are the failure."""
    text = "\n\n".join(finding.text for finding in findings)
    keep_timelines(item, [finding.timeline for finding in findings])
    if failed is not None:
        if findings:
            item.add_report_section(when, "threadlesson", text)
        raise failed
    if findings:
        raise ThreadlessonFailure(text, findings[0][0])


def is_broken(exc: BaseException | None) -> bool:
    return isinstance(exc, kt.KataBroken) or (
        isinstance(exc, _contention.ScheduleFailure) and exc.diagnosis == Diagnosis.BROKEN)


def diagnosis_of(exc: BaseException) -> Diagnosis | None:
    """The diagnosis of an error that is one of ours, or None for the test's own."""
    if isinstance(exc, (_contention.ScheduleFailure, ThreadlessonFailure)):
        return Diagnosis(exc.diagnosis)
    if isinstance(exc, rt.DeadlockError):
        return _deadlock_diagnosis(exc.report)
    if isinstance(exc, kt.KataBroken) or _contention.is_signature_error(exc):
        return Diagnosis.BROKEN
    return None


def short_repr(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException],
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
