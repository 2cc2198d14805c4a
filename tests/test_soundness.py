"""Soundness of the scheduling points (issue 14, part 1; docs/scheduling-points.md).

A corpus of small programs (tests/corpus/, each with its expected verdict in the program
itself) runs under every strategy. A racy program fails under `systematic` within its
preemption bound, and under `random` and `pct` within their budgets; no strategy ever
calls it verified. A safe program passes under all three, and `systematic` verifies it.
The units below pin the rule itself: which byte-codes are points, where the interpreter
reports them, and which code compiled at run time is user code.
"""

from __future__ import annotations

import dis
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

import pytest
from corpus import RACY, SAFE, programs

from pytest_threadlesson.engine.contention import Contention, ExploreResult, ScheduleFailure
from pytest_threadlesson.engine.tracing import point_kind, scheduling_points
from pytest_threadlesson.frames import is_user_code

PROGRAMS = programs()
STRATEGIES = ("random", "pct", "systematic", "dpor")
BOUND = 2  # preemptions, as explore's default
BUDGET = {"random": 300, "pct": 300, "systematic": 20_000, "dpor": 20_000}


def _explore(program: types.ModuleType, strategy: str) -> ExploreResult:
    engine = Contention(seed=1, test_id=program.__name__)
    return engine.explore(program.scenario, BUDGET[strategy], strategy=strategy,
                          preemptions=BOUND)


def test_the_corpus_has_the_programs_the_issue_asks_for() -> None:
    verdicts = [p.VERDICT for p in PROGRAMS]
    assert verdicts.count(RACY) >= 12 and verdicts.count(SAFE) >= 8, verdicts
    assert set(verdicts) == {RACY, SAFE}


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("program", [p for p in PROGRAMS if p.VERDICT == RACY],
                         ids=lambda p: p.__name__.rsplit(".", 1)[-1])
def test_a_racy_program_fails_and_is_never_verified(program: types.ModuleType,
                                                    strategy: str) -> None:
    try:
        result = _explore(program, strategy)
    except ScheduleFailure as failure:
        expected = getattr(program, "DIAGNOSIS", "race")
        assert failure.diagnosis == expected, failure.report
        return
    assert not result.verified, f"{program.__name__}: {result.summary}"
    pytest.fail(f"{program.__name__} passed under {strategy}: {result.summary}")


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("program", [p for p in PROGRAMS if p.VERDICT == SAFE],
                         ids=lambda p: p.__name__.rsplit(".", 1)[-1])
def test_a_safe_program_passes_and_systematic_verifies_it(program: types.ModuleType,
                                                           strategy: str) -> None:
    result = _explore(program, strategy)
    if strategy == "systematic":
        assert result.verified, result.summary
        assert result.summary.startswith("verified: all "), result.summary
    elif strategy == "dpor":
        assert result.verified, result.summary
        assert result.summary.startswith("verified: every class of equivalent"), result.summary
    else:
        assert result.schedules == BUDGET[strategy] and not result.verified, result.summary


# ---------------------------------------------------------------------------------------
# The rule: which byte-codes are points.


def _kinds(func: Callable[..., Any]) -> dict[str, set[str | None]]:
    """Each byte-code name in `func` (and its nested code), with its point kinds."""
    found: dict[str, set[str | None]] = {}

    def walk(code: types.CodeType) -> None:
        for ins in dis.get_instructions(code):
            found.setdefault(ins.opname, set()).add(point_kind(ins.opname, ins.argrepr))
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                walk(const)

    walk(func.__code__)
    return found


def _shapes(items: list[int], table: dict[str, int], box: Any) -> int:
    global _G
    total = 0
    for v in items:
        total += v
    box.value = box.value + 1
    table["k"] = table["k"] + 1
    _G = _G + 1
    if "k" not in table:
        total = -total
    items.insert(0, 99)
    squares = [v * v for v in items]

    def inner() -> None:
        nonlocal total
        total += 1

    inner()
    return total + len(squares) + len(items[1:2])


_G = 0


def test_every_byte_code_of_this_python_is_local_or_a_point_of_a_known_kind() -> None:
    # Never in a code object's byte-code as `dis` reads it: pseudo-instructions (256 and
    # up), the interpreter's instrumented copies and the JIT's ENTER_EXECUTOR (3.12+).
    real = [op for op, code in dis.opmap.items() if code < 256
            and not op.startswith("INSTRUMENTED_") and op != "ENTER_EXECUTOR"]
    unknown = sorted(op for op in real if point_kind(op) == "other")
    assert unknown == [], f"byte-codes of {sys.version.split()[0]} not classified: {unknown}"


def test_shared_accesses_iteration_cells_and_calls_are_points_and_locals_are_not() -> None:
    kinds = _kinds(_shapes)
    assert kinds["FOR_ITER"] == {"iteration"} and kinds["GET_ITER"] == {"iteration"}
    assert kinds["STORE_ATTR"] == {"attribute"} and kinds["STORE_SUBSCR"] == {"subscript"}
    assert kinds["STORE_GLOBAL"] == {"global"} and kinds["LOAD_GLOBAL"] == {"global"}
    assert kinds["LOAD_DEREF"] == {"cell"} and kinds["STORE_DEREF"] == {"cell"}
    assert kinds["CONTAINS_OP"] == {"operator"} and kinds["CALL" if "CALL" in kinds
                                                        else "CALL_METHOD"] == {"call"}
    subscript_read = "BINARY_SUBSCR" if "BINARY_SUBSCR" in kinds else "BINARY_OP"
    assert "subscript" in kinds[subscript_read]
    for local in ("STORE_FAST", "LOAD_CONST", "RETURN_VALUE", "MAKE_FUNCTION"):
        assert kinds[local] == {None}, local


def test_an_exec_d_string_reads_names_at_scheduling_points() -> None:
    code = compile("s.value = s.value + 1", "<string>", "exec")
    names = {i.opname: point_kind(i.opname, i.argrepr) for i in dis.get_instructions(code)}
    assert names["LOAD_NAME"] == "global" and names["STORE_ATTR"] == "attribute"


def _many_attributes() -> types.FunctionType:
    """A straight-line function whose later stores need an EXTENDED_ARG prefix."""
    body = "".join(f"    o.a{i} = {i}\n" for i in range(300))
    namespace: dict[str, Any] = {}
    exec(compile(f"def f(o):\n{body}", "<threadlesson-many>", "exec"), namespace)
    func: types.FunctionType = namespace["f"]
    return func


def test_every_point_is_seen_where_the_interpreter_reports_it_even_after_extended_arg(
        ) -> None:
    func = _many_attributes()
    assert any(i.opname == "EXTENDED_ARG" for i in dis.get_instructions(func))
    points = scheduling_points(func.__code__)
    stores = [i for i in dis.get_instructions(func) if i.opname == "STORE_ATTR"]
    seen: list[int] = []

    def local(frame: types.FrameType, event: str, arg: Any) -> Any:
        if event == "opcode" and frame.f_lasti in points:
            seen.append(frame.f_lasti)
        return local

    def global_trace(frame: types.FrameType, event: str, arg: Any) -> Any:
        if frame.f_code is func.__code__:
            frame.f_trace_opcodes = True
            return local
        return None

    for _ in range(2):  # 3.12/3.13: a code object's first traced run may get no opcodes
        seen.clear()
        previous = sys.gettrace()
        sys.settrace(global_trace)
        try:
            func(types.SimpleNamespace())
        finally:
            sys.settrace(previous)
    assert len(set(seen)) == len(points) and len(stores) == 300
    assert sorted(set(seen)) == sorted(points)


# ---------------------------------------------------------------------------------------
# Which code is the code under test.


def _frame_of(source: str, globals_: dict[str, Any]) -> types.FrameType:
    """The frame of `source`'s top-level code, run by `exec` from this (user) file."""
    captured: list[types.FrameType] = []
    globals_["_capture"] = lambda: captured.append(sys._getframe(1))
    exec(source, globals_)
    return captured[0]


def test_code_exec_d_by_user_code_is_user_code_and_so_are_its_functions() -> None:
    namespace: dict[str, Any] = {}
    frame = _frame_of("def work():\n    _capture()\nwork()\n_capture()\n", namespace)
    assert frame.f_code.co_filename == "<string>"
    assert is_user_code(frame)
    # the function it defined, called by the standard library (a thread's run)
    captured: list[types.FrameType] = []
    namespace["_capture"] = lambda: captured.append(sys._getframe(1))
    thread = threading.Thread(target=namespace["work"])
    thread.start()
    thread.join()
    assert captured[0].f_back is not None and "threading" in \
        captured[0].f_back.f_code.co_filename
    assert is_user_code(captured[0])


def test_code_the_standard_library_compiles_and_calls_is_not_user_code() -> None:
    import copy
    from collections import namedtuple

    Pair = namedtuple("Pair", "a b")  # its __new__ is compiled by `collections`
    new = Pair.__new__.__code__
    assert new.co_filename.startswith("<")
    captured: list[types.FrameType] = []

    def profile(frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code is new:
            captured.append(frame)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        Pair(1, 2)  # called by user code: decided by its caller, user code
        copy.copy(Pair(1, 2))  # `copyreg` (library code) calls Pair.__new__
    finally:
        sys.setprofile(previous)
    by_caller = {frame.f_back.f_code.co_filename: is_user_code(frame)
                 for frame in captured if frame.f_back is not None}
    assert by_caller.pop(__file__) is True
    assert by_caller and not any(by_caller.values()), by_caller


def test_frozen_standard_library_code_is_never_user_code() -> None:
    namespace: dict[str, Any] = {}
    exec(compile("def f():\n    return _capture()\n", "<frozen fake>", "exec"), namespace)
    captured: list[types.FrameType] = []
    namespace["_capture"] = lambda: captured.append(sys._getframe(1))
    namespace["f"]()
    assert captured[0].f_code.co_filename == "<frozen fake>"
    assert not is_user_code(captured[0])


@pytest.mark.parametrize(("module_file", "expected"), [(__file__, True), (None, False)])
def test_a_function_compiled_unwatched_is_user_code_when_its_globals_are_a_user_module(
        module_file: str | None, expected: bool) -> None:
    namespace: dict[str, Any] = {} if module_file is None else {"__file__": module_file}
    exec("def work():\n    _capture()\n", namespace)  # nobody asked about its top level
    captured: list[types.FrameType] = []
    namespace["_capture"] = lambda: captured.append(sys._getframe(1))
    thread = threading.Thread(target=namespace["work"])  # called by `threading`
    thread.start()
    thread.join()
    assert is_user_code(captured[0]) is expected
