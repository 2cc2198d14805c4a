"""The `dpor` strategy (issue 14 parts 2-3): the dependency relation, the races it finds in
a run and the backtracking points they give, and the search end to end on the corpus of
tests/corpus/ against `systematic`."""

from __future__ import annotations

import contextlib
import pathlib
import queue
import threading
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from corpus import RACY, SAFE, programs

from pytest_threadlesson.engine import contention
from pytest_threadlesson.engine.conflict import (
    ANY,
    UNKNOWN,
    Access,
    Op,
    conflicts,
    dependent,
)
from pytest_threadlesson.engine.contention import (
    Contention,
    ExploreResult,
    ScheduleFailure,
    run_schedule,
)
from pytest_threadlesson.engine.iteration import consumed
from pytest_threadlesson.engine.strategies.base import make_strategy
from pytest_threadlesson.engine.strategies.dpor import Dpor, DporSearch, Node, races
from pytest_threadlesson.engine.strategies.replay import Replay
from pytest_threadlesson.engine.syncsteps import ANY_SYNC

PROGRAMS = {p.__name__.rsplit(".", 1)[-1]: p for p in programs()}
X: Access = (("a", 1, "x", 0), True)
X_READ: Access = (("a", 1, "x", 0), False)
Y: Access = (("a", 1, "y", 0), True)
OTHER_X: Access = (("a", 2, "x", 0), True)
LOCK: Access = (("s", 10), True)


# -- the dependency relation ---------------------------------------------------------------


def test_two_reads_never_conflict() -> None:
    assert not conflicts(X_READ, X_READ)
    assert not conflicts((ANY, False), X_READ)


def test_a_write_conflicts_with_a_read_of_the_same_attribute_only() -> None:
    assert conflicts(X, X_READ) and conflicts(X_READ, X)
    assert not conflicts(X, Y)
    assert not conflicts(X, OTHER_X)


def test_an_attribute_meets_its_objects_dict_and_a_class_attribute_of_its_name() -> None:
    """Aliases keyed in conflict.py: `vars(obj)["x"]` is `obj.x`; `globals()["G"]` is
    the global `G`; `Cls.x` is what `obj.x` finds when the instance has none."""
    attr: Access = (("a", 1, "x", 7), False)
    item_of_its_dict: Access = (("i", 7), True)
    assert conflicts(item_of_its_dict, attr) and conflicts(attr, item_of_its_dict)
    assert conflicts((("o", 7), True), attr) and conflicts(attr, (("o", 7), True))
    assert not conflicts((("i", 8), True), attr)
    glob: Access = (("g", 5, "G"), False)
    assert conflicts((("i", 5), True), glob) and conflicts(glob, (("i", 5), True))
    assert not conflicts((("i", 5), True), (("g", 6, "G"), False))
    class_write: Access = (("k", 3, "x"), True)
    assert conflicts(class_write, attr) and conflicts(attr, class_write)
    assert not conflicts((("k", 3, "y"), True), attr)
    assert conflicts(class_write, (("k", 4, "x"), False))  # a subclass's lookup
    # an attribute of another object, or another attribute of its own, stays apart
    assert not conflicts((("a", 2, "x", 9), True), attr)
    assert not conflicts((("a", 1, "y", 7), True), attr)


def test_a_queues_own_state_meets_the_code_under_test_not_its_own_steps() -> None:
    """unfinished._queue_state's "u" places: a queue's method steps write them; they meet
    the whole queue and its items as user code reads them (`len(q.queue)`), not another
    step of the queue (its lock orders those) nor a method's lookup (`q.get`)."""
    state: Access = (("u", 7), True)
    assert conflicts(state, (("o", 7), False)) and conflicts((("o", 7), False), state)
    assert conflicts(state, (("i", 7), False)) and conflicts((("i", 7), False), state)
    assert conflicts(state, (ANY, False))  # an unknown read may read it
    assert not conflicts(state, state)
    assert not conflicts(state, (("a", 7, "get", 8), False))


def test_an_iterator_run_by_a_builtin_reads_what_it_wraps() -> None:
    """`iteration.consumed`: what `dict(pairs)`, `items.extend(it)` or `x in it` touches
    when the iterator was made before (racy_zip_kept_then_consumed and the others)."""
    names, scores, prices = ["a"], [1], {"a": 2}
    pairs = zip(names, scores, strict=True)
    found = consumed(pairs)
    assert found is not None
    assert {(("o", id(names)), False), (("o", id(scores)), False),
            (("o", id(pairs)), True)} <= set(found)
    quote = map(prices.get, names)  # it calls prices.get: a write of prices, as a call is
    assert (("o", id(prices)), True) in (consumed(quote) or ())
    upper = map(str.upper, names)  # a method of a plain type reads only its argument
    assert consumed(upper) is not None and (ANY, True) not in (consumed(upper) or ())
    assert consumed(map(print, names)) == UNKNOWN  # print writes its stream
    assert consumed(map(pathlib.PurePath, names)) == UNKNOWN  # a library's class
    assert consumed(names) is None  # not an iterator: the caller reads the list itself


def test_the_conflict_relation_is_symmetric() -> None:
    """`races` files the earlier step's accesses and looks up the later one's: the
    answer must not depend on which came first."""
    locs = [("a", 1, "x", 7), ("a", 1, "y", 7), ("a", 2, "x", 0), ("k", 3, "x"),
            ("k", 3, "y"), ("i", 1), ("i", 7), ("o", 1), ("o", 7), ("g", 7, "x"),
            ("c", "x"), ANY, ("s", 10), ("s", ("thread", 1)), ("S",), ("u", 1), ("u", 7)]
    for a in locs:
        for b in locs:
            for wa in (False, True):
                for wb in (False, True):
                    assert conflicts((a, wa), (b, wb)) == conflicts((b, wb), (a, wa)), (a, b)


def test_a_c_call_on_an_object_conflicts_with_its_attributes_and_items() -> None:
    whole: Access = (("o", 1), True)
    assert conflicts(whole, X_READ) and conflicts(X_READ, whole)
    assert conflicts(whole, (("i", 1), False))
    assert not conflicts(whole, OTHER_X)


def test_an_unknown_access_conflicts_with_all_memory_and_no_lock() -> None:
    unknown: Access = (ANY, True)
    for other in (X_READ, OTHER_X, (("g", 5, "flag"), False), (("c", "n"), False)):
        assert conflicts(unknown, other) and conflicts(other, unknown)
    assert not conflicts(unknown, LOCK)
    assert conflicts((ANY_SYNC, True), LOCK)
    assert not conflicts(LOCK, (("s", 11), True))


def test_steps_are_dependent_when_any_access_conflicts() -> None:
    assert dependent((Y, X), (X_READ,))
    assert not dependent((Y,), (X_READ, OTHER_X))


# -- races and backtracking on hand-made runs ----------------------------------------------


def _born(*threads: int) -> dict[int, int]:
    return {t: -1 for t in threads}


def test_two_unordered_writes_race() -> None:
    found, _, _ = races([(1, (X,)), (2, (X,))], _born(0, 1, 2))
    assert found == [(0, 1)]


def test_accesses_ordered_by_a_lock_do_not_race_only_the_lock_does() -> None:
    events: list[tuple[int, Op]] = [(1, (LOCK,)), (1, (X,)), (1, (LOCK,)),
                                    (2, (LOCK,)), (2, (X,)), (2, (LOCK,))]
    found, _, _ = races(events, _born(0, 1, 2))
    assert found == [(2, 3)]  # the release and the next acquire; x is ordered by them


def test_only_the_last_of_a_chain_of_conflicts_races() -> None:
    # 1 writes x, 2 writes x, 3 reads x: 1 -> 2 -> 3, so 1 races with 2 only.
    found, _, _ = races([(1, (X,)), (2, (X,)), (3, (X_READ,))], _born(0, 1, 2, 3))
    assert sorted(found) == [(0, 1), (1, 2)]


def test_a_thread_started_by_a_step_happens_after_it() -> None:
    # thread 2 is born during step 0 (its starter's step), which wrote x: no race.
    found, _, _ = races([(1, (X,)), (2, (X_READ,))], {0: -1, 1: -1, 2: 0})
    assert found == []


def _run(prefix: list[int], ops: dict[int, Op], order: list[int]) -> Dpor:
    """A run of two threads, each with one step, as the engine would ask."""
    run = Dpor(prefix)
    left = set(ops)
    for _ in order:
        for t in left:
            run.pending[t] = ops[t]
        chosen = run.choose(tuple(sorted(left)), None, "block")
        left.discard(chosen)
    return run


def test_a_race_backtracks_to_the_other_order_then_the_search_ends() -> None:
    search = DporSearch()
    ops: dict[int, Op] = {1: (X,), 2: (X,)}
    first = search.strategy()
    assert first is not None and first.prefix == []
    search.finished(_run([], ops, [1, 2]))
    second = search.strategy()
    assert second is not None and second.prefix == [2]
    search.finished(_run([2], ops, [2, 1]))
    assert search.strategy() is None and search.verified and search.runs == 2


def test_independent_steps_take_one_run() -> None:
    search = DporSearch()
    search.finished(_run([], {1: (X,), 2: (OTHER_X,)}, [1, 2]))
    assert search.strategy() is None and search.verified and search.runs == 1


@pytest.mark.parametrize("bound", [None, 2])
def test_a_race_is_covered_only_by_a_thread_that_can_start_its_reversal(
        bound: int | None) -> None:
    """Source sets: thread 1 writes x (step 0); thread 2 writes y; thread 3 reads y, then
    x (step 3, racing with step 0). Reversed, the race is v = [2, 3, 3]: only thread 2
    can start it (thread 3's read of y comes after 2's write). A branch to thread 3 at
    state 0 (already there) runs 3's read of y first, another order: it does not cover
    v, so thread 2 is added, with the rest of v as its way on. The rule before (any
    thread whose steps lead to step 3 is a branch already) added nothing."""
    y: Access = (("a", 1, "y", 0), True)
    events: list[tuple[int, Op]] = [(1, (X,)), (2, (y,)), (3, ((y[0], False),)),
                                    (3, (X_READ,))]
    search = DporSearch(bound=bound)
    search.tree = [Node((1, 2, 3), None, 1, 0, {1, 3}, {1}),
                   Node((1, 2, 3), 1, 2, 0, {2}, {2}),
                   Node((1, 3), 2, 3, 1, {3}, {3}),
                   Node((1, 3), 3, 3, 1, {3}, {3})]
    search.analyse(events, _born(0, 1, 2, 3))
    assert 2 in search.tree[0].backtrack
    if bound is None:
        assert search.tree[0].wakeup[2] == (3, 3)


# -- end to end --------------------------------------------------------------------------


def _explore(name: str, strategy: str, preemptions: int | None) -> ExploreResult:
    engine = Contention(seed=1, test_id=name, shrink_budget=0)
    return engine.explore(PROGRAMS[name].scenario, 20_000, strategy=strategy,
                          preemptions=preemptions)


@pytest.mark.parametrize("name", [n for n, p in PROGRAMS.items() if p.VERDICT == RACY])
def test_every_racy_program_fails_under_dpor(name: str) -> None:
    with pytest.raises(ScheduleFailure) as failed:
        _explore(name, "dpor", 2)
    expected = getattr(PROGRAMS[name], "DIAGNOSIS", "race")
    assert failed.value.diagnosis == expected, failed.value.report


@pytest.mark.parametrize("name", ["safe_locked_counter", "safe_join_then_read",
                                  "safe_event_publication", "safe_locked_iteration"])
def test_a_safe_program_is_verified_in_fewer_runs_than_systematic(name: str) -> None:
    dpor = _explore(name, "dpor", 2)
    systematic = _explore(name, "systematic", 2)
    assert dpor.verified and systematic.verified, (dpor.summary, systematic.summary)
    assert dpor.schedules < systematic.schedules, (dpor.summary, systematic.summary)
    assert dpor.summary.startswith("verified: every class of equivalent interleavings")
    if dpor.preemption_bound is None:  # the search without a bound, tried first, ended
        assert "(no preemption bound; " in dpor.summary
    else:  # it did not (on 3.10, safe_event_publication takes more runs)
        assert (f"(with at most 2 preemptions, after {contention.UNBOUNDED_FIRST} runs "
                "without a bound; ") in dpor.summary


def test_a_bounded_search_first_tries_without_its_bound(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A bounded search runs unbounded first: a small program's complete search can take
    fewer runs than the bounded one, whose extra branches keep it complete under the
    bound, and it proves more."""
    bounded = _explore("safe_locked_counter", "dpor", 2)
    unbounded = _explore("safe_locked_counter", "dpor", None)
    assert bounded.verified and bounded.summary == unbounded.summary, bounded.summary
    monkeypatch.setattr(contention, "UNBOUNDED_FIRST", 0)
    alone = _explore("safe_locked_counter", "dpor", 2)
    assert alone.verified and "(with at most 2 preemptions; " in alone.summary
    assert bounded.schedules < alone.schedules, (bounded.summary, alone.summary)


def test_a_search_that_outgrows_its_first_runs_starts_again_bounded() -> None:
    """Two threads sum shared immutable data and append to one list: thousands of runs
    without a bound, a few hundred with. The runs without a bound count among the
    search's runs."""
    result = _explore("safe_immutable_sharing", "dpor", 2)
    tried = contention.UNBOUNDED_FIRST
    assert result.verified and result.preemption_bound == 2, result.summary
    assert result.schedules > tried
    assert (f"in {result.schedules} runs (with at most 2 preemptions, after {tried} runs "
            f"without a bound; up to ") in result.summary


def test_without_a_bound_the_summary_says_so() -> None:
    result = _explore("safe_locked_counter", "dpor", None)
    assert result.verified, result.summary
    assert f"in {result.schedules} runs (no preemption bound; up to " in result.summary


def test_a_search_cut_by_its_budget_is_not_verified() -> None:
    whole = _explore("safe_locked_counter", "dpor", 2)
    assert whole.verified and whole.schedules > 1, whole.summary
    cut = whole.schedules - 1
    engine = Contention(seed=1, test_id="cut", shrink_budget=0)
    result = engine.explore(PROGRAMS["safe_locked_counter"].scenario, cut, strategy="dpor")
    assert result.schedules == cut and not result.verified
    assert result.summary.startswith(f"no failure in {cut} schedule")


def test_a_longer_search_runs_random_schedules_besides_and_says_so() -> None:
    """After its first runs, two of every three runs of a dpor search are random: they
    find an early race sooner than the depth-first search, and add nothing to the
    proof, which counts only the search's own runs."""
    result = _explore("safe_queue_handoff", "dpor", None)
    assert result.verified and result.probes > 0, result.summary
    assert f"in {result.schedules} runs (no preemption bound" in result.summary
    assert result.summary.endswith(f", and {result.probes} random schedules")
    short = _explore("safe_locked_counter", "dpor", 2)
    assert short.verified and short.probes == 0 and short.schedules < 5, short.summary


def test_a_race_early_in_a_pool_is_found_by_the_random_schedules() -> None:
    """Three pool workers add to one total without a lock. Depth-first, dpor reverses
    their race only after every class of the pool's shutdown: 889 runs at 622358b. Its
    random schedules find it in tens (here: seed 1, 54)."""

    class Tally:
        def __init__(self) -> None:
            self.total = 0

        def add(self, n: int) -> None:
            self.total = self.total + n

    def scenario() -> None:
        tally = Tally()
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(tally.add, [1, 2, 3]))
        assert tally.total == 6, tally.total

    engine = Contention(seed=1, test_id="pool", shrink_budget=0)
    with pytest.raises(ScheduleFailure) as failed:
        engine.explore(scenario, 300, strategy="dpor")
    assert failed.value.diagnosis == "race" and failed.value.schedule < 150


def test_a_replay_of_a_dpor_failure_gives_the_same_report() -> None:
    scenario = PROGRAMS["racy_attribute"].scenario
    engine = Contention(seed=1, test_id="replayed")
    with pytest.raises(ScheduleFailure) as failed:
        engine.explore(scenario, 1000, strategy="dpor")
    failure = failed.value
    again = engine.failure(run_schedule(scenario, Replay(failure.choices)), failure.schedule)
    assert again is not None and again.report == failure.report


def test_a_race_through_a_c_method_is_found() -> None:
    """`items.append` then `len(items)`: C calls on one list are dependent."""

    class Log:
        def __init__(self) -> None:
            self.items: list[int] = []
            self.seen = -1

        def add(self) -> None:
            self.items.append(1)
            self.seen = len(self.items)

    def scenario() -> None:
        log = Log()
        threads = [threading.Thread(target=log.add) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert log.seen == 2, log.seen

    with pytest.raises(ScheduleFailure):
        Contention(seed=1, shrink_budget=0).explore(scenario, 1000, strategy="dpor")


def test_dpor_is_a_search_not_one_schedules_strategy() -> None:
    with pytest.raises(ValueError, match="dpor strategy is a search"):
        make_strategy("dpor", "1")


def test_every_program_of_the_corpus_is_known() -> None:
    assert {p.VERDICT for p in PROGRAMS.values()} == {RACY, SAFE}
    assert all(isinstance(p, types.ModuleType) for p in PROGRAMS.values())


# -- precise footprints: a small program verified in its classes, not thousands of runs ---
# Two threads on two separate pools or counters: nothing they touch is shared, so every
# interleaving is in one class, one run. Before each footprint change below, a step of
# these programs touched "any memory" and the unbounded search did not end in 2,000 runs;
# then 21 runs while a join was two dependent steps, 9 while the step after `start()`
# wrote the started thread.


class _Failed(Exception):
    pass


class _Conn:
    pass


class _Pool:
    def __init__(self) -> None:
        self.factory = _Conn
        self.lock = threading.Lock()
        self.idle: list[_Conn] = []
        self.flag = True
        self.n = 0

    @contextlib.contextmanager
    def lend(self) -> Iterator[_Conn]:
        with self.lock:
            conn = self.idle.pop() if self.idle else None
        if conn is None:
            conn = self.factory()
        try:
            yield conn
        finally:
            with self.lock:
                self.idle.append(conn)


class _QueuePool(_Pool):
    def __init__(self) -> None:
        super().__init__()
        self.tasks: queue.Queue[int] = queue.Queue()


def _two(work: Callable[[_Pool], None], pool: type[_Pool] = _Pool) -> ExploreResult:
    def scenario() -> None:
        t1 = threading.Thread(target=work, args=(pool(),))
        t2 = threading.Thread(target=work, args=(pool(),))
        t1.start()
        t2.start()
        t1.join()
        t2.join()

    engine = Contention(seed=1, test_id="two", shrink_budget=0)
    return engine.explore(scenario, 2000, strategy="dpor", preemptions=None)


def _assert_only_thread_orders(result: ExploreResult, runs: int = 21) -> None:
    assert result.verified, result.summary
    assert result.schedules <= runs, result.summary


def test_a_with_exit_after_a_conditional_expression_touches_only_its_lock() -> None:
    def work(pool: _Pool) -> None:
        with pool.lock:
            pool.n = pool.n + 1 if pool.flag else 0

    _assert_only_thread_orders(_two(work))


def test_a_user_contextmanager_and_a_factory_kept_in_an_attribute_are_not_library_code(
) -> None:
    def work(pool: _Pool) -> None:
        with pool.lend():
            pass

    _assert_only_thread_orders(_two(work))


def test_raising_a_user_exception_in_a_with_block_touches_nothing_shared() -> None:
    def work(pool: _Pool) -> None:
        try:
            with pool.lock:
                pool.n += 1
                raise _Failed("query")
        except _Failed:
            pass

    _assert_only_thread_orders(_two(work))


def test_iterating_a_list_the_frame_just_built_reads_nothing_shared() -> None:
    def work(pool: _Pool) -> None:
        for p in [pool, pool]:
            with p.lock:
                p.n += 1

    _assert_only_thread_orders(_two(work))


class _Countdown:
    def __init__(self, left: int) -> None:
        self.left = left

    def __iter__(self) -> _Countdown:
        return self

    def __next__(self) -> int:
        if self.left == 0:
            raise StopIteration
        self.left -= 1
        return self.left


class _Evens:
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self) -> Iterator[int]:
        # not `yield from`: its SEND's operand is not decoded, so it touches any memory
        for k in range(0, self.n, 2):  # noqa: UP028
            yield k


def test_iterating_an_object_that_iterates_itself_touches_only_what_its_code_does() -> None:
    """`for` on a user iterator calls its `__next__`, which is traced code: the step of
    `for` touches nothing, and `__next__`'s steps say what they touch. Each thread
    iterates its own objects here: one class. At 84c9615 the `for` step and every step
    of `__next__` touched any memory: each of the three loops alone was not verified in
    200 runs."""

    def work(pool: _Pool) -> None:
        for n in _Countdown(2):
            pool.n += n
        countdown = _Countdown(2)
        for n in countdown:
            pool.n += n
        for n in _Evens(4):
            pool.n += n

    _assert_only_thread_orders(_two(work), runs=1)


def test_a_join_is_one_step_whether_the_thread_had_ended_or_not() -> None:
    """Calling join before or after the thread's last step ends the same way: the steps
    after the join read the thread's end, the call itself touches nothing."""

    def work(pool: _Pool) -> None:
        with pool.lock:
            pool.n += 1

    _assert_only_thread_orders(_two(work), runs=9)


def test_the_step_after_start_touches_nothing_of_the_started_thread() -> None:
    def work(pool: _Pool) -> None:
        with pool.lock:
            pool.n += 1

    _assert_only_thread_orders(_two(work), runs=1)


def test_what_a_thread_wrote_is_read_after_join_without_a_race() -> None:
    def scenario() -> None:
        pool = _Pool()
        t = threading.Thread(target=lambda: setattr(pool, "n", 1))
        t.start()
        t.join()
        assert pool.n == 1, pool.n

    result = Contention(seed=1, shrink_budget=0).explore(scenario, 200, strategy="dpor",
                                                         preemptions=None)
    assert result.verified, result.summary


def test_a_join_right_after_another_still_reads_the_first_threads_end() -> None:
    """Joins in a row with no traced step between them (a pool's shutdown joins its
    workers so): the step after the first join is the second join, and it carries the
    read of t1's end. Without it, what t1 did last raced with whatever the caller did
    after both joins (k16's runs)."""

    def scenario() -> None:
        pool = _Pool()
        threads = [threading.Thread(target=setattr, args=(pool, name, 1))
                   for name in ("n", "flag")]
        for t in threads:
            t.start()
        list(map(threading.Thread.join, threads))
        assert (pool.n, pool.flag) == (1, 1)

    run = Dpor([])
    run_schedule(scenario, run)
    read = {loc for who, op in run.events if who == 0 for loc, write in op if not write}
    assert {("s", ("thread", 1)), ("s", ("thread", 2))} <= read, run.events


def test_a_read_after_a_join_that_timed_out_still_races() -> None:
    def scenario() -> None:
        pool = _Pool()
        t = threading.Thread(target=lambda: setattr(pool, "n", 1))
        t.start()
        t.join(0)
        assert pool.n == 1, pool.n

    with pytest.raises(ScheduleFailure):
        Contention(seed=1, shrink_budget=0).explore(scenario, 200, strategy="dpor",
                                                   preemptions=None)


def test_a_lock_taken_from_a_list_by_index_is_that_lock() -> None:
    """`with forks[i]:` and `eaten[i] += 1`, as the dining philosophers do: the item of a
    list by an int is the object (its exit too), an int plus an int is a plain value."""

    def work(pool: _Pool) -> None:
        forks, eaten = [pool.lock], [0]
        first = (pool.n + 1) % 1
        with forks[first]:
            eaten[first] += 1

    _assert_only_thread_orders(_two(work), runs=2)  # 2 on 3.10


def _in_one_run(work: Callable[..., None], *args: tuple[Any, ...]) -> None:
    """Threads running `work`, one per argument tuple, started and joined: verified by an
    unbounded dpor search in one run (their steps are independent)."""

    def scenario() -> None:
        threads = [threading.Thread(target=work, args=a) for a in args]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    engine = Contention(seed=1, test_id=work.__name__, shrink_budget=0)
    result = engine.explore(scenario, 200, strategy="dpor", preemptions=None)
    assert result.verified, result.summary
    assert result.schedules == 1, result.summary


def test_reading_a_threads_name_or_daemon_flag_reads_only_that() -> None:
    """`Thread.name` and `Thread.daemon` are the library's properties; their getters read
    `_name` and `_daemonic` only. Two threads reading them from one thread object are
    independent: one run (each read was a write of the whole thread object: 2 runs)."""
    named = threading.Thread(target=print, name="named")

    def look() -> None:
        assert named.name == "named" and not named.daemon

    _in_one_run(look, (), ())


def test_asking_which_thread_am_i_touches_nothing_shared() -> None:
    """`threading.current_thread()`, `main_thread()` and `get_ident()` are the standard
    library's (a call into untraced code: any memory, any lock) but only look the caller
    up: threads asking them are independent. One run (before: no verdict in 200)."""

    def look(seen: dict[int, str]) -> None:
        me = threading.current_thread()
        if threading.main_thread() is not me:
            seen[threading.get_ident()] = me.name

    _in_one_run(look, ({},), ({},))


def test_a_lambda_given_to_a_builtin_is_a_plain_value() -> None:
    """`sorted(items, key=lambda ...)`: the lambda was just made (nobody else has it), so
    the call reads `items` only, and the key's steps, which run inside the unfinished
    call, touch that too. Two threads sorting their own lists: one run (the lambda was
    any memory, read: 10 runs)."""

    class Box:
        def __init__(self) -> None:
            self.items = [3, 1, 2]

    def sort(box: Box) -> None:
        box.items = sorted(box.items, key=lambda v: -v)

    _in_one_run(sort, (Box(),), (Box(),))


def test_a_method_of_a_string_reads_it() -> None:
    """`", ".join(parts)`: a str cannot change, so its methods read it. Two threads joining
    their own parts with one constant separator: one run (each wrote the separator: 6)."""

    def join(parts: list[str], out: list[str]) -> None:
        out.append(", ".join(parts))

    _in_one_run(join, (["a", "b"], []), (["a", "b"], []))


def test_formatting_a_user_object_runs_only_its_traced_dunders() -> None:
    """`f"{Label(n)}"`: formatting an object of a user class whose `__str__` is user code
    (and whose `__format__`, `__repr__` are object's) runs only traced code, whose steps
    say what they touch; the formatting itself touches nothing. One run (it touched any
    memory: no verdict in 200 runs)."""

    class Label:
        def __init__(self, n: int) -> None:
            self.n = n

        def __str__(self) -> str:
            return f"#{self.n}"

    def name(n: int, out: list[str]) -> None:
        out.append(f"{Label(n)}")

    _in_one_run(name, (0, []), (1, []))


def test_a_queue_method_touches_only_its_queue() -> None:
    """`queue.Queue` methods start with `with self.<condition>:` on our locks: the call
    itself touches nothing, the queue's lock carries the dependency."""

    def work(pool: _Pool) -> None:
        assert isinstance(pool, _QueuePool)
        pool.tasks.put(1)
        pool.n = pool.tasks.get()
        pool.tasks.task_done()
        pool.tasks.join()

    _assert_only_thread_orders(_two(work, _QueuePool), runs=1)


def test_an_executor_and_its_futures_touch_only_their_locks() -> None:
    """A future's methods start with `with self._condition:`, an executor's submit and
    shutdown with `with self._shutdown_lock:`: made under the scheduler, both are ours, so
    the calls touch nothing by themselves and two threads with their own pools are
    independent but for their locks' points."""

    def work(pool: _Pool) -> None:
        with ThreadPoolExecutor(max_workers=1) as executor:
            future = executor.submit(int, "1")
            pool.n = future.result()

    # 336 runs on 3.11, 684 on 3.13 (each pool's lock orders, times the other's; 3.13's
    # executor takes more locks); at b9fe563 the with statement and the constructor
    # touched any memory: not verified in 2,000.
    result = _two(work)
    assert result.verified, result.summary
    assert result.schedules <= 1000, result.summary


def test_a_step_that_runs_into_an_assert_touches_what_the_assert_reads() -> None:
    """An assert's byte-codes are no points: the step that reaches them runs them. Its
    footprint is theirs (here: two attributes), not any memory: a reader that checks
    what a writer published is verified in a handful of runs (35 at b9fe563)."""

    class Config:
        def __init__(self) -> None:
            self.ready = False
            self.values: dict[str, int] | None = None

    def scenario() -> None:
        config = Config()

        def publish() -> None:
            config.values = {"port": 8080}
            config.ready = True

        def read() -> None:
            if config.ready:
                assert config.values is not None, "ready, but no values yet"

        t1 = threading.Thread(target=publish)
        t2 = threading.Thread(target=read)
        t1.start()
        t2.start()
        t1.join()
        t2.join()

    result = Contention(seed=1, shrink_budget=0).explore(scenario, 2000, strategy="dpor")
    assert result.verified and result.schedules <= 10, result.summary


def test_threads_sharing_one_executor_still_race() -> None:
    """Only the calls are precise: user code the pool runs still races."""

    def scenario() -> None:
        box = {"n": 0}

        def bump() -> None:
            box["n"] = box["n"] + 1

        with ThreadPoolExecutor(max_workers=2) as executor:
            futures = [executor.submit(bump) for _ in range(2)]
            for future in futures:
                future.result()
        assert box["n"] == 2, box

    with pytest.raises(ScheduleFailure):
        Contention(seed=1, shrink_budget=0).explore(scenario, 2000, strategy="dpor")


def test_the_same_programs_sharing_one_pool_still_race() -> None:
    """The precise footprints do not hide a race: one pool, an unlocked increment."""

    def work(pool: _Pool) -> None:
        with pool.lend():
            pool.n = pool.n + 1 if pool.flag else 0

    def scenario() -> None:
        pool = _Pool()
        t1 = threading.Thread(target=work, args=(pool,))
        t2 = threading.Thread(target=work, args=(pool,))
        t1.start()
        t2.start()
        t1.join()
        t2.join()
        assert pool.n == 2, pool.n

    with pytest.raises(ScheduleFailure):
        Contention(seed=1, shrink_budget=0).explore(scenario, 2000, strategy="dpor")
