"""Direct unit tests of the engine's pieces: plain calls on hand-built data.

No pytester, no real threads, no sleeping: the wait-for and lock-order graphs take
`ThreadRec` records built by hand, the strategies are driven by a tiny model of a run, and
the renderers take `Site`s that point at a small source file written for the test.
"""

from __future__ import annotations

import dis
import itertools
import json
import sys
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from pytest_threadlesson.diagnosis import Diagnosis
from pytest_threadlesson.engine.naming import LeakedThread
from pytest_threadlesson.engine.runtime import Held, Step, ThreadRec
from pytest_threadlesson.engine.scheduler import (
    PCT,
    Decision,
    RandomWalk,
    Strategy,
    Systematic,
    SystematicSearch,
    make_strategy,
)
from pytest_threadlesson.engine.waits import (
    DeadlockReport,
    Inversion,
    LockOrderGraph,
    ThreadState,
    find_cycle,
)
from pytest_threadlesson.frames import Site
from pytest_threadlesson.report import (
    DROPPED_OK,
    render_deadlock,
    render_explanation,
    render_inversion,
    render_leaks,
    render_signature_error,
    render_steps,
    render_thread_exception,
    render_unretrieved,
    what_went_wrong,
    wrap,
)

# ---------------------------------------------------------------------------------------
# Hand-built inputs

BANK = """\
def transfer(src, dst, amount):
    with src.lock:
        with dst.lock:
            src.balance -= amount
            dst.balance += amount
"""
TAKE_FIRST = 2  # `with src.lock:`
TAKE_SECOND = 3  # `with dst.lock:`


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """A learner's file, so that sites have a source line to show."""
    path = tmp_path / "bank.py"
    path.write_text(BANK)
    return path


def site(path: Path, lineno: int, function: str = "transfer") -> Site:
    return Site(str(path), lineno, function)


class FakeLock:
    """A lock as the wait-for graph sees one (a `Waitable`): its owners. `threadlesson_serial`
    (our locks' number) makes the report name it as a lock, by the attribute that holds it."""

    def __init__(self) -> None:
        self._owners: list[ThreadRec] = []
        self.threadlesson_serial = 0
        self.waiters: list[ThreadRec] = []

    def owners(self) -> list[ThreadRec]:
        return list(self._owners)

    def describe(self) -> str:
        return "FakeLock"


class Account:
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.lock = FakeLock()

    def __repr__(self) -> str:
        return f"Account({self.owner!r})"


def thread(name: str, idx: int = 0) -> ThreadRec:
    rec = ThreadRec(name)
    rec.idx = idx
    return rec


def hold(rec: ThreadRec, lock: FakeLock, where: Site | None = None) -> None:
    rec.held.append(Held(lock, where))
    lock._owners.append(rec)


def wait(rec: ThreadRec, waitable: Any, where: Site | None = None, *,
         timed: bool = False) -> None:
    rec.waiting_on = waitable
    rec.wait_site = where
    rec.timed = timed


# ---------------------------------------------------------------------------------------
# 1. engine.waits: find_cycle


def test_two_threads_each_waiting_for_the_others_lock_form_a_cycle() -> None:
    a, b = FakeLock(), FakeLock()
    t1, t2 = thread("Thread-1"), thread("Thread-2")
    hold(t1, a)
    hold(t2, b)
    wait(t2, a)
    wait(t1, b)
    assert find_cycle(t1) == [t1, t2]
    assert find_cycle(t2) == [t2, t1]


def test_three_threads_in_a_ring_form_a_cycle_in_wait_order() -> None:
    forks = [FakeLock() for _ in range(3)]
    philosophers = [thread(f"Thread-{i + 1}") for i in range(3)]
    for i, p in enumerate(philosophers):
        hold(p, forks[i])
    for i, p in enumerate(philosophers):
        wait(p, forks[(i + 1) % 3])
    assert find_cycle(philosophers[0]) == philosophers


def test_no_cycle_when_the_owner_waits_on_a_free_lock() -> None:
    a, b, free = FakeLock(), FakeLock(), FakeLock()
    t1, t2 = thread("Thread-1"), thread("Thread-2")
    hold(t1, a)
    hold(t2, b)
    wait(t1, b)
    wait(t2, free)
    assert find_cycle(t1) is None


def test_no_cycle_when_the_owner_is_not_waiting() -> None:
    b = FakeLock()
    t1, t2 = thread("Thread-1"), thread("Thread-2")
    hold(t2, b)
    wait(t1, b)
    assert find_cycle(t1) is None


def test_a_thread_that_is_not_waiting_has_no_cycle() -> None:
    assert find_cycle(thread("Thread-1")) is None


def test_a_timed_wait_of_the_starting_thread_is_never_a_deadlock() -> None:
    a, b = FakeLock(), FakeLock()
    t1, t2 = thread("Thread-1"), thread("Thread-2")
    hold(t1, a)
    hold(t2, b)
    wait(t2, a)
    wait(t1, b, timed=True)
    assert find_cycle(t1) is None


def test_a_timed_wait_inside_the_ring_breaks_the_cycle() -> None:
    a, b = FakeLock(), FakeLock()
    t1, t2 = thread("Thread-1"), thread("Thread-2")
    hold(t1, a)
    hold(t2, b)
    wait(t2, a, timed=True)
    wait(t1, b)
    assert find_cycle(t1) is None


@pytest.mark.parametrize("about_to_move", ["token", "pending"])
def test_an_owner_about_to_wake_breaks_the_cycle(about_to_move: str) -> None:
    a, b = FakeLock(), FakeLock()
    t1, t2 = thread("Thread-1"), thread("Thread-2")
    hold(t1, a)
    hold(t2, b)
    wait(t2, a)
    wait(t1, b)
    if about_to_move == "token":
        t2.token = True  # woken: it will run and may release
    else:
        t2.pending = RuntimeError("stopped")  # it will raise, and unwind
    assert find_cycle(t1) is None


def test_a_thread_waiting_for_a_lock_it_holds_is_a_cycle_of_one() -> None:
    # A non-reentrant lock taken twice. (A reentrant RLock never gets here: the
    # primitive takes it again without waiting, so find_cycle is not asked.)
    lock = FakeLock()
    t1 = thread("Thread-1")
    hold(t1, lock)
    wait(t1, lock)
    assert find_cycle(t1) == [t1]


def test_a_thread_joining_itself_is_a_cycle_of_one() -> None:
    t1 = thread("Thread-1")
    wait(t1, t1)  # a ThreadRec is the Waitable of those who join it; it owns itself
    assert find_cycle(t1) == [t1]


def test_the_search_backtracks_over_an_owner_that_leads_nowhere() -> None:
    # t1 waits on a permit that t2 and t3 both hold; only t3's wait leads back to t1.
    mine, pool, free = FakeLock(), FakeLock(), FakeLock()
    t1, t2, t3 = thread("Thread-1"), thread("Thread-2"), thread("Thread-3")
    hold(t1, mine)
    hold(t2, pool)
    hold(t3, pool)
    wait(t1, pool)
    wait(t2, free)
    wait(t3, mine)
    assert find_cycle(t1) == [t1, t3]


def test_a_cycle_that_does_not_pass_through_the_start_is_not_its_cycle() -> None:
    b, c = FakeLock(), FakeLock()
    t1, t2, t3 = thread("Thread-1"), thread("Thread-2"), thread("Thread-3")
    hold(t2, b)
    hold(t3, c)
    wait(t1, b)
    wait(t2, c)
    wait(t3, b)
    assert find_cycle(t1) is None
    assert find_cycle(t2) == [t2, t3]


# ---------------------------------------------------------------------------------------
# 1. engine.waits: LockOrderGraph


def test_two_locks_taken_in_both_orders_are_an_inversion(bank: Path) -> None:
    a, b = Account("alice"), Account("bob")
    graph = LockOrderGraph()
    graph.add(a.lock, site(bank, TAKE_FIRST), b.lock, site(bank, TAKE_SECOND), "Thread-1")
    assert graph.inversions == []
    graph.add(b.lock, site(bank, 12), a.lock, site(bank, 13), "Thread-2")
    assert len(graph.inversions) == 1
    [closing, earlier] = graph.inversions[0].edges
    # The edge that closed the cycle comes first, then the way back.
    assert (closing.first, closing.second, closing.thread) == (b.lock, a.lock, "Thread-2")
    assert (closing.first_site, closing.second_site) == (site(bank, 12), site(bank, 13))
    assert (earlier.first, earlier.second, earlier.thread) == (a.lock, b.lock, "Thread-1")
    assert (earlier.first_site, earlier.second_site) == (
        site(bank, TAKE_FIRST), site(bank, TAKE_SECOND))


def test_locks_always_taken_in_the_same_order_are_no_inversion() -> None:
    a, b, c = FakeLock(), FakeLock(), FakeLock()
    graph = LockOrderGraph()
    for name in ("Thread-1", "Thread-2", "Thread-1"):
        graph.add(a, None, b, None, name)
        graph.add(b, None, c, None, name)
        graph.add(a, None, c, None, name)
    assert graph.inversions == []


def test_a_ring_of_three_lock_orders_is_one_inversion_of_three_edges() -> None:
    a, b, c = FakeLock(), FakeLock(), FakeLock()
    graph = LockOrderGraph()
    graph.add(a, None, b, None, "Thread-1")
    graph.add(b, None, c, None, "Thread-2")
    assert graph.inversions == []
    graph.add(c, None, a, None, "Thread-3")
    [inversion] = graph.inversions
    assert [(e.first, e.second) for e in inversion.edges] == [(c, a), (a, b), (b, c)]


def test_the_same_inversion_is_reported_once() -> None:
    a, b = FakeLock(), FakeLock()
    graph = LockOrderGraph()
    for _ in range(3):
        graph.add(a, None, b, None, "Thread-1")
        graph.add(b, None, a, None, "Thread-2")
    assert len(graph.inversions) == 1


def test_an_inversion_is_not_reported_again_when_an_order_is_seen_with_fewer_gates() -> None:
    a, b, pool = FakeLock(), FakeLock(), PermitPool(2)
    graph = LockOrderGraph()
    graph.add(a, None, b, None, "Thread-1", {id(pool): pool})
    graph.add(b, None, a, None, "Thread-2", {id(pool): pool})
    assert len(graph.inversions) == 1
    graph.add(a, None, b, None, "Thread-3")  # the same order, now without the pool
    assert len(graph.inversions) == 1


def test_both_orders_under_one_outer_lock_cannot_deadlock() -> None:
    a, b, outer = FakeLock(), FakeLock(), FakeLock()
    graph = LockOrderGraph()
    graph.add(a, None, b, None, "Thread-1", {id(outer): outer})
    graph.add(b, None, a, None, "Thread-2", {id(outer): outer})
    assert graph.inversions == []


def test_an_outer_lock_counts_only_if_it_was_held_every_time() -> None:
    a, b, outer = FakeLock(), FakeLock(), FakeLock()
    graph = LockOrderGraph()
    graph.add(a, None, b, None, "Thread-1", {id(outer): outer})
    graph.add(a, None, b, None, "Thread-1")  # once without it
    graph.add(b, None, a, None, "Thread-2", {id(outer): outer})
    assert len(graph.inversions) == 1


class PermitPool:
    """A semaphore used as a pool of permits, as gate_capacity reads one."""

    def __init__(self, capacity: int) -> None:
        self.threadlesson_capacity = capacity


@pytest.mark.parametrize(("permits", "inverted"), [(1, False), (2, True)])
def test_a_pool_gate_prevents_the_inversion_only_if_too_small_for_the_ring(
        permits: int, inverted: bool) -> None:
    a, b, pool = FakeLock(), FakeLock(), PermitPool(permits)
    graph = LockOrderGraph()
    graph.add(a, None, b, None, "Thread-1", {id(pool): pool})
    graph.add(b, None, a, None, "Thread-2", {id(pool): pool})
    assert bool(graph.inversions) is inverted


def test_an_inversion_renders_both_orders_with_their_sites(bank: Path) -> None:
    a, b = Account("alice"), Account("bob")
    graph = LockOrderGraph()
    graph.add(a.lock, site(bank, TAKE_FIRST), b.lock, site(bank, TAKE_SECOND), "Thread-1")
    graph.add(b.lock, site(bank, 12), a.lock, site(bank, 13), "Thread-2")
    [inversion] = graph.inversions
    assert inversion.render().splitlines() == [
        "threadlesson: deadlock: lock-order inversion: locks taken in opposite orders",
        "  (this run did not hang; when these paths run in two threads at once, they will)",
        "  Thread-2 took Account('bob').lock (bank.py:12)",
        "            then Account('alice').lock (bank.py:13)",
        "  Thread-1 took Account('alice').lock (bank.py:2)",
        "            then Account('bob').lock (bank.py:3)",
    ]


def test_the_graph_reports_inversions_that_render_inversion_renders() -> None:
    graph = LockOrderGraph()
    a, b = FakeLock(), FakeLock()
    graph.add(a, None, b, None, "Thread-1")
    graph.add(b, None, a, None, "Thread-2")
    assert isinstance(graph.inversions[0], Inversion)
    assert render_inversion(graph.inversions[0]) == graph.inversions[0].render()


# ---------------------------------------------------------------------------------------
# 1. engine.waits: DeadlockReport.render (and report.render_deadlock)


def _transfer_deadlock(bank: Path) -> tuple[list[ThreadRec], Account, Account]:
    alice, bob = Account("alice"), Account("bob")
    t1, t2 = thread("Thread-1"), thread("Thread-2")
    hold(t1, alice.lock, site(bank, TAKE_FIRST))
    hold(t2, bob.lock, site(bank, TAKE_FIRST))
    wait(t2, alice.lock, site(bank, TAKE_SECOND))
    wait(t1, bob.lock, site(bank, TAKE_SECOND))
    return [t1, t2], alice, bob


def test_a_cycle_report_shows_what_each_thread_holds_and_waits_for(bank: Path) -> None:
    threads, _alice, _bob = _transfer_deadlock(bank)
    cycle = find_cycle(threads[0])
    assert cycle is not None
    report = DeadlockReport.cycle([t.state() for t in cycle])
    assert report.kind == "cycle"
    assert report.render().splitlines() == [
        "threadlesson: deadlock: threads wait for each other in a cycle, and none can move",
        "  Thread-1 holds Account('alice').lock   (acquired bank.py:2)",
        "           waits  Account('bob').lock   (bank.py:3)",
        "                  with dst.lock:",
        "  Thread-2 holds Account('bob').lock   (acquired bank.py:2)",
        "           waits  Account('alice').lock   (bank.py:3)",
        "                  with dst.lock:",
    ]
    assert render_deadlock(report) == report.render()


def test_a_cycle_of_one_thread_is_a_self_deadlock_with_its_hint(bank: Path) -> None:
    account = Account("alice")
    t1 = thread("Thread-1")
    hold(t1, account.lock, site(bank, TAKE_FIRST))
    wait(t1, account.lock, site(bank, TAKE_SECOND))
    report = DeadlockReport.cycle([t1.state()])
    assert report.kind == "self"
    lines = report.render().splitlines()
    assert lines[0] == "threadlesson: deadlock: a thread waits for a lock it already holds"
    assert lines[1] == "  Thread-1 holds Account('alice').lock   (acquired bank.py:2)"
    assert lines[2] == "           waits  Account('alice').lock   (bank.py:3)"
    assert lines[-1] == (
        "  (a threading.Lock can be held once: taking it again waits forever)")


def test_an_all_blocked_report_names_non_lock_waits_and_timeouts() -> None:
    worker = thread("worker")
    main = ThreadState("MainThread", held=[], waiting_on=worker, wait_site=None, timed=True)
    idle = ThreadState("worker", held=[], waiting_on=None, wait_site=None, timed=False)
    report = DeadlockReport.all_blocked([main, idle])
    assert report.render().splitlines() == [
        "threadlesson: deadlock: every thread is waiting and none can move",
        "  MainThread holds nothing",
        "             waits  thread 'worker' to finish with a timeout",
        "  worker     holds nothing",
    ]


def test_a_report_lists_every_lock_held_and_the_stack(bank: Path) -> None:
    a, b = Account("alice"), Account("bob")
    state = ThreadState("Thread-1", held=[(a.lock, site(bank, 2)), (b.lock, None)],
                        waiting_on=None, wait_site=None, timed=False)
    report = DeadlockReport("timeout", [state],
                            stacks={"Thread-1": ["at bank.py:4 in transfer"]})
    assert report.render().splitlines() == [
        "threadlesson: no progress before the deadlock timeout: every thread, where it is now",
        "  Thread-1 holds Account('alice').lock   (acquired bank.py:2)",
        "           holds Account('bob').lock",
        "           at bank.py:4 in transfer",
    ]


# ---------------------------------------------------------------------------------------
# 2. engine.strategies: driven in thread ids (0 is main, then in start order)


FRAME = sys._getframe()


def threads(n: int) -> list[int]:
    return list(range(n))


def trace(strategy: Strategy, recs: Sequence[int], steps: int = 200,
          check: Callable[[int, list[int]], None] | None = None,
          ) -> list[tuple[int, bool]]:
    """Drive a strategy as the engine does: at every step some threads are runnable (a
    varying subset), it picks one, then is asked whether to preempt."""
    out: list[tuple[int, bool]] = []
    current: int | None = None
    for step in range(steps):
        options = [t for t in recs if (step + t) % 4 != 0] or list(recs)
        pick = strategy.choose(options, current if current in options else None, "acquire")
        if check is not None:
            check(pick, options)
        out.append((pick, strategy.preempt(FRAME)))
        current = pick
    return out


STRATEGY_MAKERS: dict[str, Callable[[str], Strategy]] = {
    "random": RandomWalk,
    "pct": lambda seed: PCT(seed, depth=4, steps=200),
}


@pytest.mark.parametrize("name", sorted(STRATEGY_MAKERS))
def test_the_same_seed_gives_the_same_choices(name: str) -> None:
    make = STRATEGY_MAKERS[name]
    assert trace(make("seed-1"), threads(3)) == trace(make("seed-1"), threads(3))


@pytest.mark.parametrize("name", sorted(STRATEGY_MAKERS))
def test_different_seeds_give_different_choices(name: str) -> None:
    make = STRATEGY_MAKERS[name]
    assert trace(make("seed-1"), threads(3)) != trace(make("seed-2"), threads(3))


@pytest.mark.parametrize("name", sorted(STRATEGY_MAKERS))
def test_a_choice_is_always_one_of_the_runnable_threads(name: str) -> None:
    def check(pick: int, options: list[int]) -> None:
        assert pick in options

    for seed in ("a", "b", "c"):
        trace(STRATEGY_MAKERS[name](seed), threads(4), check=check)


def test_a_random_walk_gives_every_runnable_thread_a_turn() -> None:
    picks = {idx for idx, _ in trace(RandomWalk("seed-1"), threads(3))}
    assert picks == {0, 1, 2}


def test_a_random_walk_preempts_at_some_points_and_not_at_others() -> None:
    walk = RandomWalk("seed-1")
    answers = [walk.preempt(FRAME) for _ in range(500)]
    assert any(answers) and not all(answers)


def _change_points(seed: str, depth: int, steps: int) -> list[int]:
    """The steps at which a PCT run changes a priority (a step: one call of either kind)."""
    pct = PCT(seed, depth=depth, steps=steps)
    return [i for i in range(1, steps + 1) if pct.preempt(FRAME)]


@pytest.mark.parametrize(("depth", "steps"), [(1, 50), (2, 50), (3, 50), (5, 10)])
def test_pct_has_depth_minus_one_change_points_among_the_k_steps(depth: int,
                                                                  steps: int) -> None:
    pct = PCT("seed-1", depth=depth, steps=steps)
    fired = [i for i in range(1, 3 * steps + 1) if pct.preempt(FRAME)]
    assert len(fired) == depth - 1
    assert all(1 <= i <= steps for i in fired)


def test_pct_without_a_change_point_always_runs_the_highest_priority_thread() -> None:
    pct = PCT("seed-1", depth=1, steps=100)
    recs = threads(3)
    picks = {pct.choose(recs, recs[0], "acquire") for _ in range(100)}
    assert len(picks) == 1


def test_pct_runs_a_lower_priority_thread_only_while_the_higher_one_cannot_run() -> None:
    pct = PCT("seed-1", depth=1, steps=100)
    recs = threads(3)
    top = pct.choose(recs, None, "acquire")
    others = [t for t in recs if t != top]
    second = pct.choose(others, None, "acquire")
    assert pct.choose(others, second, "acquire") == second
    assert pct.choose(recs, second, "acquire") == top


def test_pct_demotes_the_running_thread_below_all_others_at_a_change_point() -> None:
    [point] = _change_points("seed-1", depth=2, steps=30)
    pct = PCT("seed-1", depth=2, steps=30)
    recs = threads(3)
    top = pct.choose(recs, None, "acquire")  # step 1
    for _ in range(2, point):
        assert pct.choose(recs, top, "acquire") == top
    after = pct.choose(recs, top, "acquire")  # the change point: top is demoted
    assert after != top
    for _ in range(50):  # from now on top runs only when nothing else can
        assert pct.choose(recs, after, "acquire") == after
    rest = [t for t in recs if t != after]
    assert pct.choose(rest, None, "acquire") != top
    assert pct.choose([top], None, "acquire") == top


def test_pct_preempting_at_a_change_point_switches_away_from_the_running_thread() -> None:
    [point] = _change_points("seed-2", depth=2, steps=30)
    pct = PCT("seed-2", depth=2, steps=30)
    recs = threads(2)
    top = pct.choose(recs, None, "acquire")  # step 1
    answers = [pct.preempt(FRAME) for _ in range(2, point + 1)]
    assert answers[-1] and not any(answers[:-1])
    assert pct.choose(recs, top, "opcode") != top


@pytest.mark.parametrize("seed", [f"seed-{n}" for n in range(8)])
def test_pct_later_change_points_demote_lower_than_earlier_ones(seed: str) -> None:
    points = _change_points(seed, depth=3, steps=30)
    assert len(points) == 2
    pct = PCT(seed, depth=3, steps=30)
    recs = threads(3)
    current = recs[0]  # the scenario's own thread runs first
    demoted: list[int] = []
    for step in range(1, max(points) + 1):
        if step in points:
            demoted.append(current)
        current = pct.choose(recs, current, "acquire")
    first, second = demoted
    assert first != second
    assert pct.choose([first, second], None, "acquire") == first


def test_pct_a_change_point_where_the_running_thread_blocks_still_demotes_it() -> None:
    [point] = _change_points("seed-1", depth=2, steps=30)
    pct = PCT("seed-1", depth=2, steps=30)
    recs = threads(3)
    top = pct.choose(recs, None, "acquire")
    for _ in range(2, point):
        top = pct.choose(recs, top, "acquire")
    others = [t for t in recs if t != top]
    nxt = pct.choose(others, None, "acquire")  # top blocked at the change-point step
    assert pct.choose(recs, nxt, "acquire") != top  # ...and was woken: still demoted


def test_systematic_replays_its_prefix_then_lets_the_running_thread_go_on() -> None:
    recs = threads(3)
    run = Systematic([2, 1])
    assert run.choose(recs, recs[0], "acquire") == recs[2]  # [0 (current), 1, 2][2]
    assert run.choose(recs, recs[2], "acquire") == recs[0]  # [2 (current), 0, 1][1]
    assert run.choose(recs, recs[0], "acquire") == recs[0]  # past the prefix: go on
    assert run.choose(recs[1:], None, "acquire") == recs[1]  # nobody to go on: the first
    assert run.log == [Decision(3, 2, False), Decision(3, 1, False), Decision(3, 0, False),
                       Decision(2, 0, True)]


def test_systematic_clamps_a_prefix_choice_to_the_alternatives_there_are() -> None:
    recs = threads(2)
    run = Systematic([5])
    assert run.choose(recs, recs[0], "acquire") == recs[1]
    assert run.log == [Decision(2, 1, False)]


def _code_offset(func: Callable[..., Any], opname_prefix: str) -> int:
    return next(i.offset for i in dis.get_instructions(func)
                if i.opname.startswith(opname_prefix))


def _reads_attribute(obj: Any) -> Any:
    return obj.value


def _local_only(x: int) -> int:
    y = x
    return y


def test_systematic_preempts_only_where_code_touches_shared_state() -> None:
    run = Systematic([])

    def frame_at(func: Callable[..., Any], opname_prefix: str) -> types.FrameType:
        return cast(types.FrameType, types.SimpleNamespace(
            f_code=func.__code__, f_lasti=_code_offset(func, opname_prefix)))

    assert run.preempt(frame_at(_reads_attribute, "LOAD_ATTR"))
    assert not run.preempt(frame_at(_local_only, "STORE_FAST"))


def _explore(search: SystematicSearch, programs: dict[str, int],
             limit: int = 1000) -> list[str]:
    """Every run of a tiny model under `search`: each thread takes its number of steps;
    the strategy is asked (as runtime._choose does) only when more than one can go."""
    runs: list[str] = []
    while len(runs) < limit:
        strategy = search.strategy()
        if strategy is None:
            return runs
        recs = threads(len(programs))
        names = list(programs)
        left = [programs[n] for n in names]
        current: int | None = None
        order = ""
        while any(left):
            options = [t for t in recs if left[t]]
            pick = options[0] if len(options) == 1 else strategy.choose(
                options, current if current in options else None, "acquire")
            left[pick] -= 1
            order += names[pick]
            current = pick
        search.finished(strategy)
        runs.append(order)
    raise AssertionError(f"the search did not end within {limit} runs")


def _interleavings(programs: dict[str, int]) -> set[str]:
    letters = "".join(name * steps for name, steps in programs.items())
    return {"".join(p) for p in itertools.permutations(letters)}


@pytest.mark.parametrize("programs", [{"A": 2, "B": 2}, {"A": 1, "B": 1, "C": 1},
                                      {"A": 3, "B": 1}, {"A": 2, "B": 1, "C": 1}])
def test_systematic_search_enumerates_every_interleaving_once_then_is_done(
        programs: dict[str, int]) -> None:
    search = SystematicSearch(bound=10)
    runs = _explore(search, programs)
    assert sorted(runs) == sorted(_interleavings(programs))  # each exactly once
    assert search.exhausted
    assert search.runs == len(runs)
    assert search.strategy() is None


@pytest.mark.parametrize(("bound", "expected"), [
    (0, {"AABB", "BBAA"}),
    (1, {"AABB", "BBAA", "ABBA", "BAAB"}),
    (2, {"AABB", "BBAA", "ABBA", "BAAB", "ABAB", "BABA"}),
])
def test_systematic_search_keeps_to_its_preemption_bound(bound: int,
                                                         expected: set[str]) -> None:
    search = SystematicSearch(bound=bound)
    runs = _explore(search, {"A": 2, "B": 2})
    assert sorted(runs) == sorted(expected)
    assert search.exhausted


def test_systematic_search_switching_after_a_thread_ends_costs_no_preemption() -> None:
    runs = _explore(SystematicSearch(bound=0), {"A": 1, "B": 1, "C": 1})
    assert sorted(runs) == sorted(_interleavings({"A": 1, "B": 1, "C": 1}))


def test_a_systematic_search_not_yet_run_is_not_exhausted() -> None:
    search = SystematicSearch()
    assert not search.exhausted
    assert isinstance(search.strategy(), Systematic)


def test_make_strategy_builds_the_named_strategy() -> None:
    walk = make_strategy("random", "seed-1")
    assert isinstance(walk, RandomWalk) and walk.name == "random"
    assert trace(walk, threads(3)) == trace(RandomWalk("seed-1"), threads(3))
    pct = make_strategy("pct", "seed-1", steps_hint=40)
    assert isinstance(pct, PCT) and pct.name == "pct"
    assert trace(pct, threads(3)) == trace(PCT("seed-1", steps=40), threads(3))


def test_make_strategy_refuses_an_unknown_name_and_lists_the_choices() -> None:
    with pytest.raises(ValueError, match=r"^unknown strategy 'bogus': choose one of "
                                         r"random, pct, systematic, dpor$"):
        make_strategy("bogus", "seed-1")


def test_make_strategy_does_not_call_systematic_unknown() -> None:
    try:
        strategy = make_strategy("systematic", "seed-1")
    except ValueError as exc:
        assert "unknown strategy" not in str(exc)
    else:
        assert isinstance(strategy, Systematic)


# ---------------------------------------------------------------------------------------
# 3. report: leaks


def _leak(bank: Path, **changes: Any) -> LeakedThread:
    leak = LeakedThread(name="Thread-1", daemon=False, target="poll",
                        started_at=site(bank, 1, "test_poll"),
                        now_at=site(bank, 4, "poll"), waiting=None)
    for key, value in changes.items():
        setattr(leak, key, value)
    return leak


def test_a_leak_report_names_the_thread_where_it_started_and_where_it_is(bank: Path) -> None:
    assert render_leaks([_leak(bank)]).splitlines() == [
        "threadlesson: leak: 1 thread outlived the test",
        "  'Thread-1' (non-daemon, target poll) started at bank.py:1 in test_poll",
        "  now at bank.py:4 in poll: src.balance -= amount",
    ]


def test_a_daemon_leak_outside_user_code_says_what_it_waits_for(bank: Path) -> None:
    leaks = [_leak(bank, daemon=True, target=None, now_at=None, waiting="Event #2"),
             _leak(bank, name="Thread-2", now_at=None, started_at=None)]
    assert render_leaks(leaks).splitlines() == [
        "threadlesson: leak: 2 threads outlived the test",
        "  'Thread-1' (daemon) started at bank.py:1 in test_poll",
        "  waiting for Event #2",
        "  'Thread-2' (non-daemon, target poll)",
        "  now outside your code (in a library or C call)",
        "  (daemon=True does not stop a thread: it only stops Python from waiting for it)",
    ]


def test_a_leak_report_ends_with_one_pasteable_ignore_rule(bank: Path) -> None:
    lines = render_leaks([_leak(bank)], accept=["name:Thread-*"]).splitlines()
    assert lines[-2:] == [
        '  to accept threads like this one: '
        '@pytest.mark.threadlesson(leak_ignore=["name:Thread-*"])',
        "  (or for every test, in the ini file: threadlesson_leak_ignore = name:Thread-*)",
    ]


def test_a_leak_report_lists_several_ignore_rules_one_a_line_for_the_ini(
        bank: Path) -> None:
    leaks = [_leak(bank), _leak(bank, name="Thread-2")]
    lines = render_leaks(leaks, accept=["target:poll", "name:Thread-2"]).splitlines()
    assert lines[-6:] == [
        '  to accept threads like these: '
        '@pytest.mark.threadlesson(leak_ignore=["target:poll", "name:Thread-2"])',
        "  (or for every test, in the ini file, one rule a line:",
        "      threadlesson_leak_ignore =",
        "          target:poll",
        "          name:Thread-2",
        "  )",
    ]


def test_a_leak_started_at_import_says_so_and_how_to_avoid_it(bank: Path) -> None:
    lines = render_leaks([_leak(bank)], at_import=True).splitlines()
    assert lines[0] == "threadlesson: leak: 1 thread started when the kata module was imported"
    assert lines[-1] == "  (start threads inside functions, not at import time)"
    assert not any("leak_ignore" in line for line in lines)


# ---------------------------------------------------------------------------------------
# 3. report: exceptions in threads


def _fail(message: str) -> None:
    raise ValueError(message)


FAIL_LINE = _fail.__code__.co_firstlineno + 1


def _caught(func: Callable[[], object]) -> BaseException:
    try:
        func()
    except Exception as exc:
        return exc
    raise AssertionError("expected an exception")


def test_a_thread_exception_shows_the_learners_frames_and_the_error(bank: Path) -> None:
    exc = _caught(lambda: _fail("boom"))
    lines = render_thread_exception("Thread-1", exc, site(bank, 1)).splitlines()
    assert lines[0] == ("threadlesson: lost-exception: an exception in thread 'Thread-1' "
                        "(started at bank.py:1) that the caller never saw")
    assert lines[1] == "  Traceback (most recent call last):"
    assert f'    File "{__file__}", line {FAIL_LINE}, in _fail' in lines
    assert "      raise ValueError(message)" in lines
    assert lines[-1] == "  ValueError: boom"


def test_a_thread_exception_drops_the_librarys_frames() -> None:
    exc = _caught(lambda: json.loads("{"))
    text = render_thread_exception("worker", exc)
    assert text.splitlines()[0] == ("threadlesson: lost-exception: an exception in thread "
                                    "'worker' that the caller never saw")
    assert __file__ in text
    assert "json" + "/decoder.py" not in text and "json/__init__.py" not in text
    assert text.splitlines()[-1].startswith("  json.decoder.JSONDecodeError: ")


def test_an_exception_never_raised_renders_as_its_message() -> None:
    text = render_thread_exception("Thread-1", KeyError("k"))
    assert text.splitlines()[1:] == ["  KeyError: 'k'"]


def test_an_unretrieved_future_exception_points_at_the_raising_line() -> None:
    exc = _caught(lambda: _fail("lost"))
    assert render_unretrieved([("Thread-1", exc)]).splitlines() == [
        "threadlesson: lost-exception: a Future's exception was never retrieved",
        "  in Thread-1: ValueError: lost",
        f"    raised at test_engine_units.py:{FAIL_LINE} in _fail: raise ValueError(message)",
        "  (nobody called result() or exception() on its future)",
        f"  to say the test means it: {DROPPED_OK}",
    ]
    assert DROPPED_OK == "@pytest.mark.threadlesson(dropped_exceptions_ok=True)"


def test_an_unretrieved_report_for_a_kata_gives_no_hint() -> None:
    lines = render_unretrieved([("Thread-1", RuntimeError("x"))], hint=False).splitlines()
    assert lines == [
        "threadlesson: lost-exception: a Future's exception was never retrieved",
        "  in Thread-1: RuntimeError: x",
        "  (nobody called result() or exception() on its future)",
    ]


# ---------------------------------------------------------------------------------------
# 3. report: steps, explanations, signature errors, wrap


def test_steps_show_one_column_per_thread(bank: Path) -> None:
    steps = [Step(0, site(bank, 2)), Step(1, site(bank, 3)), Step(2, site(bank, 2)),
             Step(0, site(bank, 4))]
    assert render_steps(steps, ["main", "Thread-1", "Thread-2"]) == [
        # the scenario's own thread spans the line; the others have a column each
        "  step  Thread-1" + " " * 38 + "Thread-2",
        "     1  main: bank.py:2  with src.lock:",
        "     2  bank.py:3  with dst.lock:",
        "     3  " + " " * 46 + "bank.py:2  with src.lock:",
        "     4  main: bank.py:4  src.balance -= amount",
    ]


def test_a_step_shows_what_it_did_to_shared_state_and_the_conflict_is_named(
        bank: Path) -> None:
    def step(thread: int, kind: str, value: str) -> Step:
        return Step(thread, site(bank, 4), touched=((kind, "Account.balance", value),))

    steps = [Step(0, site(bank, 2), notes=("starts Thread-1",)),
             Step(0, site(bank, 3), notes=("starts Thread-2",)),
             step(1, "read", "10"), step(2, "read", "10"), step(2, "write", "5"),
             step(1, "write", "5"), Step(0, site(bank, 5))]
    lines = render_steps(steps, ["main", "Thread-1", "Thread-2"])
    assert lines[0] == "  Thread-1 and Thread-2 both read Account.balance = 10 before either " \
                       "wrote it back"
    assert lines[3] == "     1  main: bank.py:2-3  starts 2 threads"
    assert lines[4:6] == ["     2* bank.py:4  src.balance -= amount",
                          "          read Account.balance → 10"]
    assert lines[8:10] == ["     4*" + " " * 47 + "bank.py:4  src.balance -= amount",
                           " " * 54 + "  write Account.balance ← 5"]
    assert lines[-1] == "  (* the conflicting accesses)"
    assert all(len(line) <= 100 for line in lines)


def test_steps_of_many_threads_show_one_row_per_step(bank: Path) -> None:
    names = ["main"] + [f"Thread-{i}" for i in range(1, 6)]
    steps = [Step(i, site(bank, 2)) for i in range(6)]
    assert render_steps(steps, names) == [
        f"  {i + 1:>4}  {name:<8}  bank.py:2  with src.lock:" for i, name in enumerate(names)
    ]


def test_after_the_other_threads_the_main_thread_shows_only_its_check(bank: Path) -> None:
    steps = [Step(1, site(bank, 2))] + [Step(0, site(bank, n)) for n in (1, 3, 4, 5)]
    lines = render_steps(steps, ["main", "Thread-1"])
    assert [line.split("bank.py:")[1][0] for line in lines[1:]] == ["2", "5"]


def test_steps_beyond_the_limit_are_counted_not_shown(bank: Path) -> None:
    steps = [Step(i % 2, site(bank, 2)) for i in range(45)]
    lines = render_steps(steps, ["main", "Thread-1"])
    assert lines[0] == "  (5 earlier steps not shown)"
    assert lines[2].startswith("     6  ")
    assert len(lines) == 2 + 40


def test_no_steps_render_as_nothing() -> None:
    assert render_steps([], ["main"]) == []


def test_wrap_joins_lines_and_keeps_paragraphs() -> None:
    text = "one two\nthree four\n\nfive six seven"
    assert wrap(text, indent="> ", width=12) == ["> one two", "> three four", "",
                                                 "> five six", "> seven"]
    assert wrap("") == [""]


def test_an_explanation_names_the_bug_class_and_what_went_wrong() -> None:
    text = render_explanation("k03", "Lost update", "race", what_went_wrong("race"),
                              "Two threads read the same value.")
    assert text.splitlines() == [
        "k03 (Lost update): a race condition.",
        "In the interleaving shown above, the threads ran in an order your code did not",
        "expect, and the result came out wrong.",
        "",
        "Two threads read the same value.",
    ]


def test_an_explanation_of_broken_code_leaves_out_the_bug_class_explanation() -> None:
    text = render_explanation("k01", "Join", "broken", what_went_wrong("broken"),
                              "Threads must be joined.")
    assert text.splitlines() == [
        "k01 (Join): code that does not run.",
        "The kata file does not run as it is: fix what the message names first.",
    ]


def test_an_explanation_without_a_diagnosis_is_a_failing_test() -> None:
    assert render_explanation("k01", "Join", None, "", "") == "k01 (Join): a failing test."
    assert what_went_wrong(None) == ""
    assert what_went_wrong("no-such-thing") == ""


def test_a_signature_error_points_at_the_definition(bank: Path) -> None:
    exc = TypeError("transfer() missing 1 required positional argument: 'amount'")
    assert render_signature_error(exc, site(bank, 1)).splitlines() == [
        "threadlesson: the tests call your code in a way its definition does not accept",
        "  TypeError: transfer() missing 1 required positional argument: 'amount'",
        "  defined at bank.py:1: def transfer(src, dst, amount):",
        "  (the kata's docstring names its API: keep the names and signatures)",
    ]


def test_a_signature_error_without_a_site_still_names_the_rule() -> None:
    lines = render_signature_error(TypeError("f() takes 0 positional arguments"), None)
    assert not any(line.startswith("  defined at") for line in lines.splitlines())
    assert len(lines.splitlines()) == 3


# ---------------------------------------------------------------------------------------
# 4. diagnosis.Diagnosis


WORDS = {"RACE": "race", "DEADLOCK": "deadlock", "HANG": "hang", "LEAK": "leak",
         "LOST_EXCEPTION": "lost-exception", "BROKEN": "broken", "EXCEPTION": "exception"}


def test_the_diagnoses_are_exactly_the_plain_words() -> None:
    assert {d.name: d.value for d in Diagnosis} == WORDS


@pytest.mark.parametrize("member", list(Diagnosis), ids=str)
def test_a_diagnosis_equals_hashes_and_prints_as_its_word(
        member: Diagnosis, capsys: pytest.CaptureFixture[str]) -> None:
    word = WORDS[member.name]
    assert member == word and word == member
    assert hash(member) == hash(word)
    by_word: dict[str, int] = {word: 1}
    by_member: dict[str, int] = {member: 1}
    assert by_word[member] == 1 and by_member[word] == 1
    assert str(member) == word and f"{member}" == word and f"{member!s:>8}" == f"{word:>8}"
    print(member)
    assert capsys.readouterr().out == word + "\n"
    assert json.dumps(member) == json.dumps(word)
    assert Diagnosis(word) is member


@pytest.mark.parametrize("member", list(Diagnosis), ids=str)
def test_every_diagnosis_has_an_explanation_for_the_learner(member: Diagnosis) -> None:
    assert what_went_wrong(member) == what_went_wrong(str(member)) != ""
    title = render_explanation("k01", "Join", member, "", "")
    assert title != "k01 (Join): a failing test."

