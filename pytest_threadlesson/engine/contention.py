"""Make races happen: explore seeded interleavings (controlled), or stress real threads.

`Contention.explore` runs a scenario many times under the controlled runtime, each time
with a strategy seeded from (session seed, test id, schedule number), and raises
`ScheduleFailure` on the first schedule whose run fails. A failure prints the seed and the
command that replays it; the same seed gives the same interleaving and the same report,
byte for byte.
"""

from __future__ import annotations

import gc
import hashlib
import re
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..defaults import DEFAULT_DEADLOCK_TIMEOUT, DEFAULT_SCHEDULES, DEFAULT_STRATEGY
from ..diagnosis import Diagnosis
from ..free_timelines import with_cycle
from ..report import (
    build_timeline,
    describe_failure,
    failing_site,
    render_signature_error,
    render_steps,
    render_unretrieved,
    shown_steps,
    traceback_lines,
    wrap,
)
from ..timeline import Timeline
from . import primitives as prim
from . import runtime as rt
from .naming import signature_site
from .notes import Notes
from .oracle import SCHEDULE_SIZE
from .outcome import FailureKind
from .shrink import DEFAULT_BUDGET, Guided, Shrunk, shrink
from .story import Story, not_a_race, stories, wrong_fix
from .strategies.base import Record, ScheduleDiverged, Strategy, make_strategy
from .strategies.dpor import DporSearch
from .strategies.replay import Replay
from .strategies.systematic import SystematicSearch
from .waits import Inversion
from .watch import abandon, watch

DEFAULT_MAX_STEPS = 20_000
SHRINK_WALL_LIMIT = 1.0  # seconds a shrinking run may stand still outside the scheduler


class ScheduleFailure(AssertionError):
    """A schedule of `explore` failed: a race, a deadlock, a lost exception or a hang.

    `choices` is that schedule as data: every decision its strategy took, in order
    (`strategies.base.Choice` and `Preemption` records); `run_schedule(scenario,
    Replay(failure.choices))` runs the same interleaving again."""

    def __init__(self, report: str, diagnosis: Diagnosis, seed: int, schedule: int,
                 choices: Sequence[Record] = (), timeline: Timeline | None = None) -> None:
        super().__init__(report)
        self.report = report
        self.diagnosis = Diagnosis(diagnosis)
        self.seed = seed
        self.schedule = schedule
        self.choices = tuple(choices)
        # The same failure as data (lanes, rows, the conflict), for the HTML picture.
        self.timeline = timeline
        self.shrunk: Shrunk | None = None  # how shrinking went (sizes before and after)
        self.story: Story | None = None  # the wrong fix its trace shows (story.py)


@dataclass(frozen=True)
class ExploreResult:
    """What a passing `explore` did. `verified` is True when the systematic strategy ran
    out of interleavings: every one with at most `preemption_bound` preemptions passed."""

    schedules: int
    threads_started: int
    strategy: str
    seed: int
    verified: bool = False
    preemption_bound: int | None = None
    covered: str = ""  # dpor: what its verified search covered (classes, bound, steps)
    probes: int = 0  # dpor: random schedules run besides its own (`schedules`)

    @property
    def summary(self) -> str:
        besides = f", and {self.probes} random schedules" if self.probes else ""
        if self.verified and self.covered:
            return self.covered + besides
        if self.verified:
            return (f"verified: all {self.schedules} interleavings with at most "
                    f"{self.preemption_bound} preemptions")
        return (f"no failure in {self.schedules} schedules ({self.strategy}, seed "
                f"{self.seed}){besides}")


# dpor searches depth-first from a run's end, so a race early in the program is reversed
# only after every class of what follows it: a bug a random schedule finds at once can
# take it hundreds of runs. Once its search has made PROBE_AFTER runs, two runs of every
# three are random schedules (the default's, in its order), PROBES of them at most: they
# find such a bug sooner and do not enter the search, whose proof stays its own.
PROBE_AFTER = 5
PROBES = DEFAULT_SCHEDULES
# A bounded dpor search first tries to cover every class without the bound, for this many
# runs: enough for a scenario of two or three threads of a few steps each (its complete
# search then takes fewer runs than the bounded one, and proves more), few beside a
# search of hundreds (bench/dpor-results.md).
UNBOUNDED_FIRST = 10


def _probes(search: Any) -> bool:
    return isinstance(search, DporSearch) and search.runs >= PROBE_AFTER and \
        not search.exhausted


def derive_seed(session_seed: int, test_id: str) -> int:
    """A per-test seed, stable across processes (no use of `hash`, which is salted)."""
    digest = hashlib.sha256(f"{session_seed}:{test_id}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


class Contention:
    """The `contention` fixture: make races show up, deterministically.

    Example::

        def test_no_increment_is_lost(contention):
            def scenario():
                counter = Counter()
                threads = [threading.Thread(target=counter.increment) for _ in range(3)]
                for t in threads: t.start()
                for t in threads: t.join()
                assert counter.value == 3
            contention.explore(scenario)
    """

    def __init__(
        self,
        *,
        seed: int,
        test_id: str = "scenario",
        schedules: int = DEFAULT_SCHEDULES,
        strategy: str = DEFAULT_STRATEGY,
        replay: str | None = None,
        wall_limit: float = DEFAULT_DEADLOCK_TIMEOUT,
        max_steps: int = DEFAULT_MAX_STEPS,
        dropped_exceptions_ok: bool = False,
        hints: bool = True,
        shrink_budget: int = DEFAULT_BUDGET,
    ) -> None:
        self.session_seed = seed
        # The test said it drops failing futures on purpose; `hints`: reports say how.
        self.dropped_exceptions_ok = dropped_exceptions_ok
        self.hints = hints
        self.test_id = test_id
        self.schedules = schedules
        self.strategy = strategy
        self.replay = replay
        self.wall_limit = wall_limit
        self.max_steps = max_steps
        # At most this many runs to shrink a failing schedule before it is reported.
        self.shrink_budget = shrink_budget
        self._calls = 0
        stories.told("", None)  # a new test: no story of an earlier one

    def explore(
        self,
        scenario: Callable[[], Any],
        schedules: int | None = None,
        seed: int | None = None,
        *,
        strategy: str | None = None,
        preemptions: int | None = 2,
    ) -> ExploreResult:
        """Run `scenario` under many seeded interleavings; fail on the first bad one.

        `schedules` defaults to `--threadlesson-schedules`; `seed` to a seed derived from
        the session seed and the test, so each test and each `--count` repetition
        explores its own schedules. `strategy="systematic"` searches every interleaving
        with at most `preemptions` preemptions instead, and stops early (verified) when
        there are fewer than `schedules`; `strategy="dpor"` runs one interleaving per class
        of equivalent ones (docs/dpor.md), with no bound when `preemptions` is None (with
        one, it first tries without: a small scenario's proof then holds with no bound).
        """
        if not callable(scenario):
            raise TypeError(f"explore() needs a function to run, got {scenario!r}")
        budget = self.schedules if schedules is None else schedules
        if budget < 1:
            raise ValueError(f"schedules must be at least 1, got {budget}")
        strategy_name = strategy or self.strategy
        self._calls += 1
        call_id = self.test_id if self._calls == 1 else f"{self.test_id}#{self._calls}"
        base = derive_seed(self.session_seed, call_id) if seed is None else seed
        threads_started = 0
        steps_hint = 1000
        arena = rt.current().arena
        bound = 2 if preemptions is None and strategy_name == "systematic" else preemptions
        search: Any = SystematicSearch(bound or 0) if strategy_name == "systematic" else \
            DporSearch(bound, UNBOUNDED_FIRST) if strategy_name == "dpor" else None
        ran = probes = 0
        sampling = search is None
        for number in range(1, budget + 1):
            arena.made_progress()  # a test's backstop watches for progress, not time
            probe = not sampling and _probes(search) and probes < PROBES and number % 3 != 0
            systematic = None if sampling or probe else search.strategy()
            if systematic is None and not sampling and not probe:
                if strategy_name != "dpor" or search.verified:
                    break
                # dpor's runs prove nothing here (sleeps): sample, as the default would
                # (its probes were the first of those schedules)
                sampling = True
                budget = min(budget, number - 1 + max(DEFAULT_SCHEDULES - probes, 0))
            if number > budget:
                break
            # a random run of a systematic search takes the default's schedules in order
            key = number if search is None else number - search.runs
            strat: Strategy = systematic if systematic is not None else make_strategy(
                "random" if search is not None else strategy_name, f"{base}:{key}",
                steps_hint=steps_hint)
            outcome = run_schedule(scenario, strat, wall_limit=self.wall_limit,
                                   max_steps=self.max_steps,
                                   dropped_exceptions_ok=self.dropped_exceptions_ok,
                                   hints=self.hints)
            ran = number
            probes += probe
            if systematic is not None:
                search.finished(systematic)
            steps_hint = max(outcome.points, 10)
            threads_started = max(threads_started, outcome.threads_started)
            failure = self.failure(outcome, number, seed)
            if failure is not None:
                raise self._shrunk(scenario, outcome, failure, seed)
        if search is not None:
            return ExploreResult(ran - probes, threads_started, strategy_name, base,
                                 verified=getattr(search, "verified", search.exhausted),
                                 preemption_bound=search.bound,
                                 covered=getattr(search, "covered", ""),
                                 probes=probes)
        return ExploreResult(ran, threads_started, strategy_name, base)

    def _run(self, scenario: Callable[[], Any], strategy: Any, max_steps: int | None = None,
             wall_limit: float | None = None) -> rt.RunOutcome:
        return run_schedule(scenario, strategy, wall_limit=wall_limit or self.wall_limit,
                            max_steps=max_steps or self.max_steps,
                            dropped_exceptions_ok=self.dropped_exceptions_ok, hints=self.hints)

    def _shrunk(self, scenario: Callable[[], Any], outcome: rt.RunOutcome,
                failure: ScheduleFailure, explicit_seed: int | None) -> ScheduleFailure:
        """`failure`, the failure of `outcome`, as its simplest schedule (`shrink.py`),
        replayed once more to note what each step did (a Replay run notes it). With a
        budget of 0 the schedule found is only replayed, for its notes."""
        if failure.diagnosis in (Diagnosis.BROKEN, Diagnosis.HANG, Diagnosis.EXCEPTION):
            return failure  # no interleaving makes these simpler

        # A candidate that runs much longer than the failure it shrinks (a loop that now
        # spins until the step limit, a wait on something outside) is not simpler: it is
        # cut short, and fails otherwise.
        steps = min(self.max_steps, 2 * outcome.points + 200)
        wall = min(self.wall_limit, SHRINK_WALL_LIMIT)

        def attempt(strategy: Guided) -> tuple[object, object, Sequence[Record]] | None:
            try:
                got = self._run(scenario, strategy, steps, wall)
            except ScheduleDiverged:
                return None
            return _failure_of(got), got, got.schedule

        found = shrink(attempt, outcome.schedule, _failure_of(outcome), outcome,
                       lambda got: shown_steps(got.steps, got.names),  # type: ignore[attr-defined]
                       self.shrink_budget)
        try:
            final = self._run(scenario, Replay(found.schedule))
        except ScheduleDiverged:
            return failure
        again = self.failure(final, failure.schedule, explicit_seed)
        if again is None or again.diagnosis != failure.diagnosis:
            return failure
        again.shrunk = found
        return again

    def failure(self, outcome: rt.RunOutcome, number: int,
                explicit_seed: int | None = None) -> ScheduleFailure | None:
        """What `explore` raises for `outcome`, the run of its schedule `number` (None
        when the run passed); `explicit_seed` is the seed explore was given, if any."""
        found = _failure_of(outcome)
        if found is None:
            return None
        diagnosis, lines = found
        if diagnosis is Diagnosis.BROKEN:  # no interleaving to show: the code cannot run
            report = "\n".join(lines).strip()
        else:
            report = self._render(diagnosis, lines, outcome, number, explicit_seed)
        extra = {"seed": str(explicit_seed if explicit_seed is not None
                             else self.session_seed), "schedule": str(number)}
        if self.replay and explicit_seed is None:
            extra["replay"] = self.replay
        timeline = _drawn_cycle(
            build_timeline(str(diagnosis), lines, outcome.steps, outcome.names, report,
                           extra, _failing(outcome)), outcome.failures[0])
        story = wrong_fix(str(diagnosis), outcome.steps)
        stories.told(str(diagnosis), story)
        failure = ScheduleFailure(report, diagnosis, self.session_seed, number,
                                  outcome.schedule, timeline)
        failure.story = story
        return failure

    def _render(self, diagnosis: Diagnosis, lines: list[str], outcome: rt.RunOutcome,
                number: int, explicit_seed: int | None) -> str:
        seed = explicit_seed if explicit_seed is not None else self.session_seed
        plural = "s" if number != 1 else ""
        out = [f"threadlesson: {diagnosis} after {number} schedule{plural} (seed {seed})"]
        out.extend(lines)
        steps = render_steps(outcome.steps, outcome.names, _failing(outcome))
        if steps:
            out.append("")
            out.extend(steps)
        if self.replay and explicit_seed is None:
            out.append("")
            out.append(f"  replay: {self.replay}")
        return "\n".join(out)

    def stress(self, target: Callable[[], Any], threads: int = 4, calls: int = 1000,
               *, seed: int | None = None) -> None:
        """Run `target` `calls` times in each of `threads` real OS threads, all at once.

        For code that cannot run controlled (C extensions, real I/O): threads start
        together from a barrier, the switch interval is tiny, and the code under test is
        preempted at random byte-codes (seeded). The first exception fails the call.
        """
        from .stress import stress

        base = derive_seed(self.session_seed, f"{self.test_id}:stress") if seed is None \
            else seed
        stress(target, threads=threads, calls=calls, seed=base)


def _drawn_cycle(timeline: Timeline, first: rt.Failure) -> Timeline:
    """A deadlock's or a lock-order inversion's cycle on its timeline, for the picture."""
    if first.kind is FailureKind.DEADLOCK and isinstance(first.exc, rt.DeadlockError):
        return with_cycle(timeline, first.exc.report)
    if first.kind is FailureKind.INVERSION and isinstance(first.exc, _Inversion):
        return with_cycle(timeline, first.exc.inversions[0])
    return timeline


def _failing(outcome: rt.RunOutcome) -> tuple[str, int] | None:
    return failing_site(outcome.failures[0].exc) if outcome.failures else None


def _failure_of(outcome: rt.RunOutcome) -> tuple[Diagnosis, list[str]] | None:
    """The diagnosis and lines of the first thing that went wrong (chronologically: an
    exception that leaves a waiter stranded comes before the deadlock it causes)."""
    if not outcome.failures:
        return None
    first = outcome.failures[0]
    text = str(first.exc).splitlines()
    if first.kind is FailureKind.DEADLOCK:
        return Diagnosis.DEADLOCK, ["  " + text[0].split(": ", 1)[1], *text[1:]]
    if first.kind is FailureKind.INVERSION:
        return Diagnosis.DEADLOCK, ["  " + text[0].split(": ", 2)[-1], *text[1:]]
    if first.kind is FailureKind.LEAK:
        return Diagnosis.LEAK, [f"  {first.exc}"]
    if first.kind is FailureKind.LIVELOCK:
        return Diagnosis.HANG, [f"  {first.exc}"]
    if first.kind is FailureKind.LOST_EXCEPTION:
        lines = text[1:]
        if len(outcome.failures) > 1:
            then = outcome.failures[1]
            lines += ["  and then:", *describe_failure(then.thread, then.exc)]
        return Diagnosis.LOST_EXCEPTION, lines
    # An exception that says what it is (a kata that does not even import) is not a
    # race, whatever the schedule.
    own = getattr(first.exc, "threadlesson_diagnosis", None)
    if own is not None:
        return Diagnosis(own), [f"  {first.exc}"]
    if isinstance(first.exc, SystemExit):
        head = (f"threadlesson: sys.exit() in thread {first.thread!r} ends only that "
                "thread, not the program")
        return Diagnosis.BROKEN, [head, *describe_failure(first.thread, first.exc)]
    if is_signature_error(first.exc):
        signature = render_signature_error(first.exc, signature_site(first.exc))
        return Diagnosis.BROKEN, signature.splitlines()
    why = not_a_race(first.exc)
    if why is not None:
        return Diagnosis.EXCEPTION, [*describe_failure(first.thread, first.exc),
                                     *wrap(f"({why})", width=96), *traceback_lines(first.exc)]
    return Diagnosis.RACE, describe_failure(first.thread, first.exc)


def run_schedule(
    scenario: Callable[[], Any],
    strategy: Any,
    *,
    wall_limit: float = DEFAULT_DEADLOCK_TIMEOUT,
    max_steps: int = DEFAULT_MAX_STEPS,
    dropped_exceptions_ok: bool = False,
    hints: bool = True,
    schedule_size: int = SCHEDULE_SIZE,
) -> rt.RunOutcome:
    """One controlled run of `scenario` under `strategy`; every patched global restored.

    Raises `ScheduleDiverged` when the strategy could not follow the program (a `Replay`
    of a schedule this program does not take), once the schedule's threads are done."""
    run = rt.ControlledRun(strategy, max_points=max_steps, schedule_size=schedule_size)
    if isinstance(strategy, Replay):  # a run that is reported: note what each step did
        run.notes = Notes()
    rt.reset_serials()
    main = threading.Thread(target=scenario, name="main", daemon=False)
    rec = rt.ThreadRec("main", main)
    run.adopt(rec)
    run.main = rec
    prim.threads[main] = rec
    body = main.run
    main.run = lambda: prim.thread_body(rec, body)  # type: ignore[method-assign]
    main._started = prim.RawEvent()  # type: ignore[attr-defined]
    gc_enabled = gc.isenabled()
    old_trace = sys.gettrace()
    prim.patch.install()
    try:
        gc.disable()
        prim.orig_start(main)
        with rt.mutex:
            run.running = rec
            rec.baton.release()
        try:
            if not watch(run, wall_limit):
                abandon(run, wall_limit)
            else:
                # Every managed thread has finished its code; wait for the OS threads to
                # be gone too, so that the next schedule's `threading.active_count()` and
                # `enumerate()` see none of them (a real join: they are on their way out).
                for t in run.threads:
                    prim.wait_os_exit(t, wall_limit)
        except BaseException:  # Ctrl-C: unwind the schedule's threads before leaving
            with rt.mutex:
                if run.aborted is None:
                    run.abort("interrupted", FailureKind.LIVELOCK)
            run.done.acquire(True, 1.0)
            raise
    finally:
        with rt.mutex:
            run.closed = True
        prim.patch.restore()
        sys.settrace(old_trace)
        if gc_enabled:
            gc.enable()
    if run.notes is not None:
        run.notes.finish()
    if run.oracle.diverged is not None:
        raise run.oracle.diverged
    if isinstance(strategy, Replay):
        strategy.finish()
    if run.order.inversions and not run.failures:
        report = "\n\n".join(inv.render() for inv in run.order.inversions)
        inversion = _Inversion(report)
        inversion.inversions = list(run.order.inversions)
        run.failures.append(rt.Failure("main", inversion, FailureKind.INVERSION))
    lost = [] if dropped_exceptions_ok else prim.unretrieved(run)
    if lost and (not run.failures or run.failures[0].kind is FailureKind.EXCEPTION):
        # A failure in a future that nobody looked at explains what the caller then saw.
        report = render_unretrieved(lost, hint=hints)
        lost_failure = rt.Failure("main", _LostException(report), FailureKind.LOST_EXCEPTION)
        run.failures.insert(0, lost_failure)
    return run.outcome()


_SIGNATURE = re.compile(r"(positional arguments? but|unexpected keyword argument|"
                        r"missing \d+ required|takes no arguments)")


def is_signature_error(exc: BaseException) -> bool:
    """A call that does not fit the function's signature: the code cannot run as called,
    whatever the interleaving."""
    return isinstance(exc, TypeError) and bool(_SIGNATURE.search(str(exc)))


class _LostException(Exception):
    pass


class _Inversion(Exception):
    inversions: list[Inversion]  # the run's lock-order inversions, the first drawn
