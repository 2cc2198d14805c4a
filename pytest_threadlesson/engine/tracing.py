"""The tracing helpers under controlled mode's byte-code preemption: chaining a previous
tracer, version quirks of the trace trampoline, which byte-codes are scheduling points
(docs/scheduling-points.md), and the byte-codes and lines where no thread switch may
happen."""

from __future__ import annotations

import dis
import sys
import tokenize
import types
from collections.abc import Callable
from typing import Any


def chain_traces(ours: Callable[..., Any], theirs: Callable[..., Any]) -> Callable[..., Any]:
    """A local tracer that feeds both our scheduler and a previous tracer (coverage)."""
    state = [theirs]

    def both(frame: types.FrameType, event: str, arg: Any) -> Any:
        if event != "opcode" and state[0] is not None:
            state[0] = state[0](frame, event, arg)
        ours(frame, event, arg)
        return both

    return both


def refresh_locals(frame: types.FrameType) -> None:
    """After a switch inside the trace function. Before 3.13 the interpreter copies a
    traced frame's variables into f_locals before calling us and writes them back after:
    cells (closure variables) too. Other threads ran meanwhile; refresh the copy so that
    the write-back does not undo what they wrote to a shared `nonlocal`."""
    if _TRAMPOLINE_COPIES_LOCALS and (frame.f_code.co_cellvars or frame.f_code.co_freevars):
        frame.f_locals  # noqa: B018


def opcodes_off(frame: types.FrameType | None) -> None:
    """Before an exception leaves the trace function (which ends tracing for the thread):
    no more opcode events for its frames. 3.12.1 would still deliver them, to a trace
    function it has already cleared, and crash (a NULL call in legacy_tracing.c).

    On 3.12 only: from 3.13 on, a frame's `f_trace_opcodes = False` takes the opcode
    events off its code object for every thread, and the other threads of the schedule,
    running the same function, would go on unseen (a spinning one never unwinds)."""
    if not _OPCODES_OFF_NEEDED:
        return
    while frame is not None:
        frame.f_trace_opcodes = False
        frame = frame.f_back


_TRAMPOLINE_COPIES_LOCALS = sys.version_info < (3, 13)
_OPCODES_OFF_NEEDED = sys.version_info[:2] == (3, 12)
_assert_cache: dict[str, frozenset[int]] = {}


# Byte-codes that are no scheduling points: 3.14 adds a NOT_TAKEN marker after every
# conditional jump, for its monitoring; it does nothing. Counted as a point, it would thin
# out the switches that matter, and the same seed would find less on 3.14 than on 3.13.
_PRIVATE_OPS = frozenset(dis.opmap[name] for name in ("NOT_TAKEN",) if name in dis.opmap)
_private_cache: dict[types.CodeType, frozenset[int]] = {}


def private_offsets(code: types.CodeType) -> frozenset[int]:
    found = _private_cache.get(code)
    if found is None:
        raw = code.co_code
        found = _private_cache[code] = frozenset(
            offset for offset in range(0, len(raw), 2) if raw[offset] in _PRIVATE_OPS)
    return found


def assert_lines(code: types.CodeType) -> frozenset[int]:
    """Lines of `assert` statements in a file: no preemption there. Between pytest's
    comparison and the message it builds, another thread could change what is shown.

    Found with the tokenizer, not `ast.parse`: this runs in the scenario's threads, and
    CPython counts the depth of AST construction in one per-interpreter counter, so two
    threads building ASTs at once (ours here, pytest's for a traceback in the main thread)
    make either fail with "SystemError: AST constructor recursion depth mismatch"."""
    filename = code.co_filename
    lines = _assert_cache.get(filename)
    if lines is None:
        found: set[int] = set()
        try:
            with open(filename, "rb") as f:
                tokens = list(tokenize.tokenize(f.readline))
        except (OSError, SyntaxError, ValueError, tokenize.TokenError):
            tokens = []
        start = None  # the line of the `assert` whose statement is open
        for token in tokens:
            if token.type == tokenize.NAME and token.string == "assert" and start is None:
                start = token.start[0]
            elif token.type in (tokenize.NEWLINE, tokenize.ENDMARKER) and start is not None:
                found.update(range(start, token.start[0] + 1))
                start = None
            elif token.type == tokenize.OP and token.string == ";" and start is not None:
                found.update(range(start, token.start[0] + 1))  # `assert x; y = 1`
                start = None
        lines = _assert_cache[filename] = frozenset(found)
    return lines


# -- scheduling points (docs/scheduling-points.md) ----------------------------------------
# A byte-code is LOCAL when it touches only its own frame: fast locals, the value stack,
# constants, jumps that test no object, objects it has just built, the cell objects (not
# their contents), the exception being handled. Every other byte-code may read or change
# an object another thread can reach, so it is a scheduling point of the systematic
# strategies, under the kind below. A byte-code this table does not know (a new Python)
# is a point too: when unsure, shared.
LOCAL_OPS = frozenset({
    # the frame's own variables (a cell's *contents* are shared: LOAD_DEREF is a point)
    "LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "LOAD_FAST_LOAD_FAST",
    "LOAD_FAST_BORROW", "LOAD_FAST_BORROW_LOAD_FAST_BORROW", "STORE_FAST",
    "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST", "STORE_FAST_MAYBE_NULL", "DELETE_FAST",
    "MAKE_CELL", "LOAD_CLOSURE", "COPY_FREE_VARS",
    # constants
    "LOAD_CONST", "LOAD_SMALL_INT", "LOAD_COMMON_CONSTANT", "LOAD_ASSERTION_ERROR",
    "RETURN_CONST",
    # the value stack, markers and no-ops (3.11's PRECALL: the CALL after it is the point)
    "POP_TOP", "PUSH_NULL", "COPY", "SWAP", "DUP_TOP", "DUP_TOP_TWO", "ROT_TWO",
    "ROT_THREE", "ROT_FOUR", "ROT_N", "NOP", "CACHE", "EXTENDED_ARG", "RESERVED",
    "NOT_TAKEN", "KW_NAMES", "PRECALL", "RESUME", "GEN_START", "END_FOR", "POP_ITER",
    "END_SEND", "INTERPRETER_EXIT", "TRACE_RECORD", "EXIT_INIT_CHECK", "POP_BLOCK",
    "SETUP_FINALLY", "SETUP_CLEANUP", "ANNOTATIONS_PLACEHOLDER",
    # jumps that test no object's state (identity only)
    "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT", "JUMP_ABSOLUTE", "JUMP",
    "JUMP_NO_INTERRUPT", "POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE",
    "POP_JUMP_FORWARD_IF_NONE", "POP_JUMP_FORWARD_IF_NOT_NONE",
    "POP_JUMP_BACKWARD_IF_NONE", "POP_JUMP_BACKWARD_IF_NOT_NONE", "IS_OP",
    # objects the instruction builds (their elements are references already on the stack)
    "BUILD_TUPLE", "BUILD_LIST", "BUILD_SET", "BUILD_MAP", "BUILD_CONST_KEY_MAP",
    "BUILD_SLICE", "BUILD_STRING", "BUILD_TEMPLATE", "BUILD_INTERPOLATION", "LIST_APPEND",
    "SET_ADD", "MAP_ADD", "LIST_TO_TUPLE", "MAKE_FUNCTION", "SET_FUNCTION_ATTRIBUTE",
    # the exception being handled, and leaving the frame
    "PUSH_EXC_INFO", "POP_EXCEPT", "CHECK_EXC_MATCH", "CHECK_EG_MATCH",
    "JUMP_IF_NOT_EXC_MATCH", "RERAISE", "RAISE_VARARGS", "PREP_RERAISE_STAR",
    "CLEANUP_THROW", "RETURN_VALUE", "RETURN_GENERATOR", "YIELD_VALUE", "ASYNC_GEN_WRAP",
})
# From 3.13 a conditional jump and `not` take an exact bool, made by a TO_BOOL (a point)
# before them; up to 3.12 they test the object itself (`if shared_list:` reads its length).
TRUTH_TESTS = frozenset({
    "POP_JUMP_IF_TRUE", "POP_JUMP_IF_FALSE", "POP_JUMP_FORWARD_IF_TRUE",
    "POP_JUMP_FORWARD_IF_FALSE", "POP_JUMP_BACKWARD_IF_TRUE", "POP_JUMP_BACKWARD_IF_FALSE",
    "JUMP_IF_TRUE_OR_POP", "JUMP_IF_FALSE_OR_POP", "UNARY_NOT"})
if sys.version_info >= (3, 13):
    LOCAL_OPS = LOCAL_OPS | TRUTH_TESTS

_KINDS = {
    "attribute": ("LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR", "LOAD_METHOD", "LOAD_SUPER_ATTR",
                  "LOAD_SUPER_METHOD", "LOAD_ZERO_SUPER_ATTR", "LOAD_ZERO_SUPER_METHOD",
                  "LOAD_SPECIAL"),
    "global": ("LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL", "LOAD_NAME", "STORE_NAME",
               "DELETE_NAME", "LOAD_FROM_DICT_OR_GLOBALS", "LOAD_LOCALS", "LOAD_BUILD_CLASS",
               "SETUP_ANNOTATIONS", "IMPORT_NAME", "IMPORT_FROM", "IMPORT_STAR"),
    "cell": ("LOAD_DEREF", "STORE_DEREF", "DELETE_DEREF", "LOAD_CLASSDEREF",
             "LOAD_FROM_DICT_OR_DEREF"),
    "subscript": ("BINARY_SUBSCR", "STORE_SUBSCR", "DELETE_SUBSCR", "BINARY_SLICE",
                  "STORE_SLICE"),
    "iteration": ("GET_ITER", "FOR_ITER", "GET_YIELD_FROM_ITER", "GET_AITER", "GET_ANEXT",
                  "GET_AWAITABLE", "END_ASYNC_FOR", "SEND", "YIELD_FROM", "UNPACK_SEQUENCE",
                  "UNPACK_EX", "LIST_EXTEND", "SET_UPDATE", "DICT_UPDATE", "DICT_MERGE"),
    "operator": ("BINARY_OP", "COMPARE_OP", "CONTAINS_OP", "TO_BOOL", "UNARY_NEGATIVE",
                 "UNARY_POSITIVE", "UNARY_INVERT", "FORMAT_VALUE", "FORMAT_SIMPLE",
                 "FORMAT_WITH_SPEC", "CONVERT_VALUE", "GET_LEN", "MATCH_MAPPING",
                 "MATCH_SEQUENCE", "MATCH_KEYS", "MATCH_CLASS", "COPY_DICT_WITHOUT_KEYS",
                 *TRUTH_TESTS),
    "call": ("CALL", "CALL_FUNCTION", "CALL_FUNCTION_KW", "CALL_FUNCTION_EX", "CALL_METHOD",
             "CALL_KW", "CALL_INTRINSIC_1", "CALL_INTRINSIC_2", "BEFORE_WITH", "SETUP_WITH",
             "BEFORE_ASYNC_WITH", "SETUP_ASYNC_WITH", "WITH_EXCEPT_START", "PRINT_EXPR"),
}
_KIND_OF = {op: kind for kind, ops in _KINDS.items() for op in ops}
# 3.10's operators, one byte-code each (BINARY_ADD, INPLACE_ADD, ...)
_KIND_OF.update({op: "operator" for op in dis.opmap
                 if op.startswith(("BINARY_", "INPLACE_")) and op not in _KIND_OF})
# 3.14 dropped BINARY_SUBSCR: `shared[key]` is a BINARY_OP whose operator is a subscript.
_SUBSCRIPT_OPERATOR = "[]"


def point_kind(name: str, argrepr: str = "") -> str | None:
    """What shared state the byte-code `name` (with `dis`'s `argrepr`) may touch:
    "attribute", "global", "cell", "subscript", "iteration", "operator", "call", or "other"
    for a byte-code this module does not know; None when it is local to its frame, no
    scheduling point."""
    if name in LOCAL_OPS:
        return None
    if name == "BINARY_OP" and argrepr == _SUBSCRIPT_OPERATOR:
        return "subscript"
    return _KIND_OF.get(name, "other")


# Where the interpreter reports an instruction with an EXTENDED_ARG prefix: up to 3.11 at
# the prefix only (its first EXTENDED_ARG), from 3.12 at the prefix and at the instruction.
_EVENT_AT_PREFIX = sys.version_info < (3, 12)
_points_cache: dict[types.CodeType, dict[int, str]] = {}


# A frame's prologue, before its first instruction of the code as written; and what
# follows a `yield` before the generator goes on.
_PROLOGUE = frozenset({"RESUME", "COPY_FREE_VARS", "MAKE_CELL", "NOP", "CACHE",
                       "RETURN_GENERATOR", "GEN_START", "EXTENDED_ARG"})
_entry_cache: dict[types.CodeType, frozenset[int]] = {}


def entry_offsets(code: types.CodeType) -> frozenset[int]:
    """Where a frame of `code` starts, or goes on after a `yield`: the offset (as
    `frame.f_lasti` reports it at the opcode event) of the first instruction that is not
    prologue. A frame that a builtin or a library function runs (a callback) begins a step
    there when that call is not finished (`unfinished.unfinished_calls`): what the call
    did before it is visible to other threads (`cached_property` looked in the
    instance's dict, `list.sort` emptied the list)."""
    found = _entry_cache.get(code)
    if found is None:
        offsets: set[int] = set()
        starting, after_generator = True, False
        prefix: int | None = None
        for ins in dis.get_instructions(code):
            name = ins.opname
            if name == "EXTENDED_ARG":
                prefix = ins.offset if prefix is None else prefix
                continue
            if starting and (name in _PROLOGUE or (after_generator and name == "POP_TOP")):
                after_generator = name == "RETURN_GENERATOR"
                prefix = None
                continue
            if starting:
                offsets.add(ins.offset)
                if prefix is not None:
                    offsets.add(prefix)
                starting = False
            if name == "YIELD_VALUE":
                starting, after_generator = True, False
            prefix = None
        found = _entry_cache[code] = frozenset(offsets)
    return found


def scheduling_points(code: types.CodeType) -> dict[int, str]:
    """The scheduling points of `code`: the offset (as `frame.f_lasti` reports it at the
    instruction's opcode event) of each instruction that is not local, and its kind."""
    found = _points_cache.get(code)
    if found is None:
        found = {}
        prefix: int | None = None
        for ins in dis.get_instructions(code):
            if ins.opname == "EXTENDED_ARG":
                prefix = ins.offset if prefix is None else prefix
                continue
            kind = point_kind(ins.opname, ins.argrepr)
            if kind is not None:
                found[prefix if prefix is not None and _EVENT_AT_PREFIX else ins.offset] = kind
            prefix = None
        _points_cache[code] = found
    return found
