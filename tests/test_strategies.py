"""The strategies as a small oracle (issue 13): they see thread ids, every decision a run
takes is recorded as data, and `Replay` takes a recorded schedule again.

The scenarios are user code on purpose: they live in this file, so the controlled runtime
traces them and may preempt them between byte-codes, as it would the learner's code.
"""

from __future__ import annotations

import ast
import re
import threading
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import pytest
from support import run_threads

from pytest_threadlesson.diagnosis import Diagnosis
from pytest_threadlesson.engine import scheduler
from pytest_threadlesson.engine.contention import Contention, ScheduleFailure, run_schedule
from pytest_threadlesson.engine.oracle import Oracle
from pytest_threadlesson.engine.runtime import ThreadRec
from pytest_threadlesson.engine.strategies import base, pct, random_walk, replay, systematic
from pytest_threadlesson.engine.strategies.base import (
    GO_ON,
    PREEMPT,
    Choice,
    Cut,
    Preemption,
    Record,
    ScheduleDiverged,
)
from pytest_threadlesson.engine.strategies.random_walk import RandomWalk
from pytest_threadlesson.engine.strategies.replay import Replay, ScheduleCut

STRATEGIES_DIR = Path(base.__file__).resolve().parent
FRAME = cast(types.FrameType, types.SimpleNamespace(
    f_code=types.SimpleNamespace(co_name="increment"), f_lineno=12))


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def increment(self) -> None:
        self.n += 1


class LockedCounter(Counter):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def increment(self) -> None:
        with self._lock:
            self.n += 1


def lost_update(counter_type: type[Counter], threads: int = 3) -> Callable[[], None]:
    def scenario() -> None:
        counter = counter_type()
        run_threads(*[counter.increment] * threads)
        assert counter.n == threads

    return scenario


def explore_failure(scenario: Callable[[], None], strategy: str, seed: int = 7,
                    ) -> tuple[Contention, ScheduleFailure]:
    engine = Contention(seed=seed, test_id="lost update", replay="pytest x")
    with pytest.raises(ScheduleFailure) as info:
        engine.explore(scenario, 200, strategy=strategy)
    return engine, info.value


# ---------------------------------------------------------------------------------------
# 1. A recorded failure replays: the same failure, the same report


@pytest.mark.parametrize("strategy", ["random", "pct", "systematic"])
def test_replaying_a_failures_choices_gives_the_same_failure_and_report(strategy: str) -> None:
    scenario = lost_update(Counter)
    engine, failure = explore_failure(scenario, strategy)
    assert failure.diagnosis == "race", failure.report
    assert any(isinstance(c, Choice) for c in failure.choices)

    strat = Replay(failure.choices)
    outcome = run_schedule(scenario, strat)
    again = engine.failure(outcome, failure.schedule)

    assert again is not None
    assert again.diagnosis == failure.diagnosis
    assert again.report == failure.report
    assert again.choices == failure.choices  # the replay took every decision the same way
    assert strat.position == len(failure.choices)


def test_a_replay_needs_no_seed_and_no_search() -> None:
    """The choices alone carry the interleaving: another engine, with another seed, renders
    the same interleaving from them."""
    scenario = lost_update(Counter)
    _, failure = explore_failure(scenario, "random", seed=42)
    other = Contention(seed=42, test_id="someone else", replay="pytest x")
    again = other.failure(run_schedule(scenario, Replay(failure.choices)), failure.schedule)
    assert again is not None and again.report == failure.report


def test_a_replay_of_a_deadlock_replays_its_report() -> None:
    class Named:
        def __init__(self, owner: str) -> None:
            self.owner = owner
            self.lock = threading.Lock()

        def __repr__(self) -> str:
            return f"Named({self.owner!r})"

    def transfer(src: Named, dst: Named) -> None:
        with src.lock:
            with dst.lock:
                pass

    def scenario() -> None:
        alice, bob = Named("alice"), Named("bob")
        run_threads(lambda: transfer(alice, bob), lambda: transfer(bob, alice))

    engine, failure = explore_failure(scenario, "random", seed=31337)
    assert failure.diagnosis == "deadlock", failure.report
    again = engine.failure(run_schedule(scenario, Replay(failure.choices)), failure.schedule)
    assert again is not None and again.report == failure.report


# ---------------------------------------------------------------------------------------
# 2. A changed program: the replay says where it left the recorded path


DIVERGED = re.compile(r"^the program took a different path than the recorded schedule at "
                      r"decision (\d+): ")


@pytest.mark.parametrize("changed", [lost_update(LockedCounter), lost_update(Counter, 2)],
                         ids=["now locked", "one thread fewer"])
def test_replaying_onto_a_changed_scenario_reports_the_divergence(
        changed: Callable[[], None]) -> None:
    originals = (threading.Lock, threading.Thread.start)
    _, failure = explore_failure(lost_update(Counter), "random")
    strat = Replay(failure.choices)
    with pytest.raises(ScheduleDiverged) as info:
        run_schedule(changed, strat)
    found = DIVERGED.match(str(info.value))
    assert found is not None, str(info.value)
    n = int(found.group(1))
    assert n == strat.position + 1  # every decision before it was followed
    assert n <= len(failure.choices) + 1
    assert (threading.Lock, threading.Thread.start) == originals  # the run was undone


def test_a_replay_runs_the_scenario_again_after_a_divergence() -> None:
    """A diverged replay leaves nothing behind: the next run of the scenario is normal."""
    _, failure = explore_failure(lost_update(Counter), "random")
    with pytest.raises(ScheduleDiverged):
        run_schedule(lost_update(LockedCounter), Replay(failure.choices))
    outcome = run_schedule(lost_update(LockedCounter), RandomWalk("after"))
    assert outcome.failures == []
    assert outcome.threads_started == 3


# ---------------------------------------------------------------------------------------
# 3. Replay on its own, on hand-made records


RECORDED: list[Record] = [Choice((0, 1), 0, 1, "start"), PREEMPT, GO_ON,
                          Choice((0, 1, 2), None, 2, "exit")]


def test_replay_makes_the_recorded_decisions() -> None:
    strat = Replay(RECORDED)
    assert strat.choose([0, 1], 0, "start") == 1
    assert strat.preempt(FRAME) is True
    assert strat.preempt(FRAME) is False
    assert strat.choose((0, 1, 2), None, "exit") == 2
    strat.finish()


def test_replay_refuses_another_runnable_set_and_names_the_decision() -> None:
    strat = Replay(RECORDED)
    strat.choose([0, 1], 0, "start")
    strat.preempt(FRAME)
    strat.preempt(FRAME)
    with pytest.raises(ScheduleDiverged) as info:
        strat.choose([0, 2], None, "exit")
    assert str(info.value) == (
        "the program took a different path than the recorded schedule at decision 4: the "
        "program asked who goes next at a exit point (threads 0, 2 could run, none running), "
        "where the recording asked who goes next at a exit point (threads 0, 1, 2 could run, "
        "none running)")


@pytest.mark.parametrize(("call", "detail"), [
    (lambda s: s.choose([0, 1], 1, "start"), "(threads 0, 1 could run, 1 running), where"),
    (lambda s: s.choose([0, 1], 0, "acquire"), "at a acquire point"),
    (lambda s: s.preempt(FRAME), "whether to preempt at a byte-code of increment (line 12), "
                                 "where the recording asked who goes next at a start point"),
])
def test_replay_refuses_another_question_at_the_same_decision(
        call: Callable[[Replay], object], detail: str) -> None:
    strat = Replay(RECORDED)
    with pytest.raises(ScheduleDiverged, match="at decision 1: ") as info:
        call(strat)
    assert detail in str(info.value)
    assert strat.position == 0


def test_replay_refuses_a_choice_where_a_preemption_was_recorded() -> None:
    strat = Replay([PREEMPT])
    with pytest.raises(ScheduleDiverged, match=r"decision 1: .*where the recording asked "
                                               r"whether to preempt"):
        strat.choose([0, 1], 0, "start")


def test_replay_past_the_end_of_the_recording_diverges() -> None:
    strat = Replay([GO_ON])
    strat.preempt(FRAME)
    with pytest.raises(ScheduleDiverged, match=r"decision 2: the recording ends there, and "
                                               r"the program asked who goes next"):
        strat.choose([0, 1], 0, "start")


def test_a_program_that_ends_before_the_recording_diverges() -> None:
    strat = Replay(RECORDED)
    strat.choose([0, 1], 0, "start")
    with pytest.raises(ScheduleDiverged, match=r"decision 2: the program ended, and the "
                                               r"recording has 3 more decisions$"):
        strat.finish()


def test_a_cut_recording_replays_up_to_the_cut_and_then_says_so() -> None:
    strat = Replay([GO_ON, PREEMPT, Cut(2)])
    assert strat.preempt(FRAME) is False
    assert strat.preempt(FRAME) is True
    strat.finish()  # a program that ends at the cut followed the recording throughout
    with pytest.raises(ScheduleCut, match=r"^the recorded schedule was cut after 2 decisions "
                                          r".*cannot be replayed past decision 2"):
        strat.preempt(FRAME)


# ---------------------------------------------------------------------------------------
# 4. The schedule a run records


def test_the_schedule_is_every_decision_the_strategy_took_in_order() -> None:
    """A fresh random walk of the same seed, asked the recorded questions in the recorded
    order, gives the recorded answers: a decision left out, added or moved would put its
    random numbers out of step. (A strategy written in this file would itself be traced by
    the run it schedules, so the check is made afterwards.)"""
    outcome = run_schedule(lost_update(Counter), RandomWalk("seed-3"))
    fresh = RandomWalk("seed-3")
    choices = [c for c in outcome.schedule if isinstance(c, Choice)]
    assert len(choices) > 5 and len(outcome.schedule) > 2 * len(choices)
    for record in outcome.schedule:
        if isinstance(record, Choice):
            assert fresh.choose(record.runnable, record.current, record.kind) == record.chosen
        else:
            assert isinstance(record, Preemption)
            assert fresh.preempt(FRAME) is record.yes
    assert outcome.names[0] == "main"
    assert {t for c in choices for t in c.runnable} == set(range(len(outcome.names)))
    assert all(c.chosen in c.runnable for c in choices)
    assert all(c.current is None or c.current in c.runnable for c in choices)


def test_the_same_seed_records_the_same_schedule() -> None:
    first = run_schedule(lost_update(Counter), RandomWalk("seed-3")).schedule
    assert first == run_schedule(lost_update(Counter), RandomWalk("seed-3")).schedule
    assert first != run_schedule(lost_update(Counter), RandomWalk("seed-4")).schedule


def test_a_long_schedule_keeps_its_first_decisions_and_ends_with_a_cut() -> None:
    full = run_schedule(lost_update(Counter), RandomWalk("seed-3")).schedule
    assert not any(isinstance(r, Cut) for r in full)
    cut = run_schedule(lost_update(Counter), RandomWalk("seed-3"), schedule_size=10).schedule
    assert cut == [*full[:10], Cut(10)]
    with pytest.raises(ScheduleCut, match="cut after 10 decisions"):
        run_schedule(lost_update(Counter), Replay(cut))


def test_the_records_are_frozen() -> None:
    choice = Choice((0, 1), 0, 1, "start")
    with pytest.raises(AttributeError):
        choice.chosen = 0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        PREEMPT.yes = False  # type: ignore[misc]


def test_a_schedule_failure_made_without_choices_has_none() -> None:
    failure = ScheduleFailure("report", Diagnosis.RACE, 1, 1)
    assert failure.choices == ()


# ---------------------------------------------------------------------------------------
# 5. Where ids are converted: the oracle


class Picks:
    name = "picks"

    def __init__(self, answer: int) -> None:
        self.answer = answer
        self.seen: list[tuple[tuple[int, ...], int | None, str]] = []

    def choose(self, runnable: Sequence[int], current: int | None, kind: str) -> int:
        self.seen.append((tuple(runnable), current, kind))
        return self.answer

    def preempt(self, frame: types.FrameType) -> bool:
        return False


def _oracle(strategy: Picks, recs: list[ThreadRec]) -> Oracle:
    run = types.SimpleNamespace(threads=recs, aborted=None)
    return Oracle(strategy, cast(Any, run))


def _recs(n: int) -> list[ThreadRec]:
    recs = [ThreadRec(f"Thread-{i}") for i in range(n)]
    for i, rec in enumerate(recs):
        rec.idx = i
    return recs


def test_the_oracle_asks_in_ids_and_answers_with_the_record() -> None:
    recs = _recs(3)
    strategy = Picks(2)
    oracle = _oracle(strategy, recs)
    assert oracle.choose([recs[0], recs[2]], recs[0], "acquire") is recs[2]
    assert strategy.seen == [((0, 2), 0, "acquire")]
    assert oracle.schedule == [Choice((0, 2), 0, 2, "acquire")]


def test_the_oracle_refuses_an_answer_that_is_not_runnable() -> None:
    recs = _recs(3)
    oracle = _oracle(Picks(1), recs)
    with pytest.raises(ValueError, match=r"chose thread 1, which is not one of the runnable "
                                         r"\[0, 2\]"):
        oracle.choose([recs[0], recs[2]], None, "acquire")


# ---------------------------------------------------------------------------------------
# 6. The package's shape


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted(STRATEGIES_DIR.glob("*.py")), ids=lambda p: p.name)
def test_no_strategy_module_sees_the_runtime(path: Path) -> None:
    imported = _imported(path)
    assert not {n for n in imported
                if n.rpartition(".")[2] in {"threads", "runtime", "controlled", "ThreadRec"}}


def test_the_strategy_modules_are_one_per_strategy() -> None:
    assert {p.name for p in STRATEGIES_DIR.glob("*.py")} == {
        "__init__.py", "base.py", "random_walk.py", "pct.py", "systematic.py", "replay.py",
        "dpor.py"}


def test_the_old_names_are_the_new_objects() -> None:
    assert scheduler.RandomWalk is random_walk.RandomWalk
    assert scheduler.PCT is pct.PCT
    assert scheduler.Systematic is systematic.Systematic
    assert scheduler.SystematicSearch is systematic.SystematicSearch
    assert scheduler.Decision is systematic.Decision
    assert scheduler.Replay is replay.Replay
    assert scheduler.make_strategy is base.make_strategy
    assert scheduler.Strategy is base.Strategy
