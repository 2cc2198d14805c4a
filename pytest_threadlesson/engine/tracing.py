"""The tracing helpers under controlled mode's byte-code preemption: chaining a previous
tracer, version quirks of the trace trampoline, and the byte-codes and lines where no
thread switch may happen."""

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


opcode_ready: set[types.CodeType] = set()
opcode_seen: set[types.CodeType] = set()
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
