"""The byte-code of a code object read once, for `footprint`: for each instruction, the
objects it works on as symbols (`self`, the global `items`, `self.items`, a method of
`self._lock`), from a small symbolic value stack.

Where two paths meet (a jump target) what the stack holds is forgotten, except a loop's
iterator; after an unconditional jump the stack is empty; a byte-code this module does not
read replaces what it pops by unknowns. An unknown symbol makes its step touch any memory:
a wrong symbol would be unsound, a missing one only costs reduction.
"""

from __future__ import annotations

import dis
import sys
import types
from typing import Any

from .tracing import assert_lines

_V = sys.version_info[:2]

# -- the symbolic stack: which object each shared byte-code works on -------------------

Sym = tuple[Any, ...] | None  # ("local", n) ("global", n) ("deref", n) ("const", v) ("ret", f)
#                                ("attr", sym, n) ("meth", sym, n) ("iter", sym) ("null",)
_LOAD_LOCAL = {"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_BORROW", "LOAD_FAST_AND_CLEAR"}
_PAIRS = {"LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW"}
ENDS = {"RETURN_VALUE", "RETURN_CONST", "RAISE_VARARGS", "RERAISE", "JUMP_FORWARD",
         "JUMP_BACKWARD", "JUMP_ABSOLUTE", "JUMP", "JUMP_BACKWARD_NO_INTERRUPT",
         "JUMP_NO_INTERRUPT"}
TWO = {"BINARY_OP", "COMPARE_OP", "CONTAINS_OP", "BINARY_SUBSCR", "DELETE_SUBSCR",
        "LIST_EXTEND", "SET_UPDATE", "DICT_UPDATE", "DICT_MERGE"}
# Byte-codes that only pop (what is below stays as it was).
_PURE_POPS = ("POP_TOP", "STORE_", "DELETE_", "POP_JUMP", "LIST_APPEND", "SET_ADD",
              "MAP_ADD", "LIST_EXTEND", "SET_UPDATE", "DICT_UPDATE", "DICT_MERGE", "END_FOR",
              "POP_ITER", "NOP", "RESUME", "CACHE", "NOT_TAKEN", "PRINT_EXPR", "POP_BLOCK",
              "SETUP_FINALLY", "SETUP_CLEANUP", "MAKE_CELL", "COPY_FREE_VARS", "GEN_START",
              "JUMP")
CALLS = {"CALL", "CALL_FUNCTION", "CALL_METHOD", "CALL_FUNCTION_KW", "CALL_KW"}


def _pops(name: str, arg: int) -> int | None:
    """How many entries a call pops (None: not a call this module reads)."""
    if (name in ("CALL", "CALL_METHOD") and _V >= (3, 11)) or name == "CALL_METHOD":
        return arg + 2
    if name == "CALL_FUNCTION":
        return arg + 1
    if name == "CALL_FUNCTION_KW":
        return arg + 2
    if name == "CALL_KW":
        return arg + 3
    return None


class Decoded:
    """Per offset (as `f_lasti` reports it): (opname, argval, the symbols it works on)."""

    def __init__(self, code: types.CodeType) -> None:
        self.at: dict[int, tuple[str, Any, str, tuple[Sym, ...]]] = {}
        instrs = list(dis.get_instructions(code))
        # Where paths meet, the states that arrive: forward jumps (known when reached),
        # exception handlers (3.11+: the state where their range starts, cut to its depth),
        # and backward jumps (not known yet: only what the block structure fixes is kept).
        arriving: dict[int, list[list[Sym]]] = {}
        backward = {i.argval for i in instrs if _jumps(i) and i.argval <= i.offset}
        handlers: dict[int, list[tuple[int, int, bool]]] = {}
        for e in getattr(dis.Bytecode(code), "exception_entries", ()):
            handlers.setdefault(e.target, []).append((e.start, e.depth, e.lasti))
        starts = {start for entries in handlers.values() for start, _, _ in entries}
        at_start: dict[int, list[Sym]] = {}
        stack: list[Sym] = []
        live = True
        prefix: int | None = None
        asserts = assert_lines(code)
        self.asserts = bool(asserts)
        for ins in instrs:
            name, arg, val = ins.opname, ins.arg or 0, ins.argval
            if name == "EXTENDED_ARG":
                prefix = ins.offset if prefix is None else prefix
                continue
            at = prefix if prefix is not None and _V < (3, 12) else ins.offset
            prefix = None
            if ins.is_jump_target or ins.offset in handlers or ins.offset in arriving:
                states = arriving.pop(ins.offset, [])
                if live:
                    states.append(stack)
                for start, depth, lasti in handlers.get(ins.offset, ()):
                    base = at_start.get(start)
                    base = base[:depth] if base is not None and len(base) >= depth \
                        else [None] * depth
                    states.append(base + [None] * (1 + lasti))
                stack = _merge(states, ins.offset in backward, name == "FOR_ITER")
            if ins.offset in starts:
                at_start[ins.offset] = list(stack)
            self.at[at] = (name, ins.argrepr if name == "LOAD_SPECIAL" else val,
                           ins.argrepr, self._inputs(name, arg, stack))
            before = list(stack)
            self._effect(ins, name, arg, val, stack, at)
            if _jumps(ins) and ins.argval > ins.offset:
                arriving.setdefault(ins.argval, []).append(_jumped(ins, before, stack))
            live = name not in ENDS
            if not live:
                stack = []

    @staticmethod
    def _inputs(name: str, arg: int, stack: list[Sym]) -> tuple[Sym, ...]:
        if name == "WITH_EXCEPT_START":
            return (next((s for s in reversed(stack) if _is_exit(s) or (
                s is not None and s[0] == "meth" and s[2] == "__exit__")), None),)
        if name in TWO or name.startswith(("BINARY_", "INPLACE_")):
            n = 2
        elif name == "STORE_SUBSCR":
            n = 3
        elif name == "STORE_ATTR":
            n = 2
        else:
            n = _pops(name, arg) or 1
        pad: list[Sym] = [None] * (n - len(stack))
        got = stack[-n:] if n <= len(stack) else pad + stack
        return tuple(got)

    @staticmethod
    def _effect(ins: dis.Instruction, name: str, arg: int, val: Any,
                stack: list[Sym], at: int) -> None:
        def pop() -> Sym:
            return stack.pop() if stack else None

        if name in ("PRECALL", "KW_NAMES"):
            return  # 3.11: the CALL after it pops the arguments
        if name in _LOAD_LOCAL:
            stack.append(("local", val))
        elif name in _PAIRS:
            stack.extend(("local", n) for n in val)
        elif name in ("LOAD_CONST", "LOAD_SMALL_INT"):
            stack.append(("const", val))
        elif name == "LOAD_ASSERTION_ERROR":  # an assert's failure: a new AssertionError
            stack.append(("const", AssertionError))
        elif name == "LOAD_COMMON_CONSTANT" and isinstance(val, type):  # 3.14's
            stack.append(("const", val))
        elif name == "LOAD_GLOBAL":
            if _V >= (3, 11) and arg & 1:
                stack.append(("null",))
            stack.append(("global", val))
        elif name in ("LOAD_DEREF", "LOAD_CLASSDEREF"):
            stack.append(("deref", val))
        elif name == "PUSH_NULL":
            stack.append(("null",))
        elif name in ("LOAD_ATTR", "LOAD_METHOD", "LOAD_SPECIAL"):
            owner = pop()
            attr = ins.argrepr if name == "LOAD_SPECIAL" else val
            if name != "LOAD_ATTR" or (_V >= (3, 12) and arg & 1):
                stack.extend((("meth", owner, attr), ("self", owner)))
            else:
                stack.append(("attr", owner, attr))
        elif name == "GET_ITER":
            stack.append(("iter", pop()))
        elif name == "SET_FUNCTION_ATTRIBUTE":
            made = pop()
            pop()
            stack.append(made)
        elif name in ("BEFORE_WITH", "SETUP_WITH"):
            # the with's exit: a marker naming the byte-code that entered it (`footprint`
            # keeps, per frame, what that entry found)
            stack.extend((("meth", pop(), "__exit__", at), None))
        elif name == "WITH_EXCEPT_START":
            found = next((s for s in reversed(stack) if _is_exit(s)), None)
            stack.append(("exited", found[3]) if found is not None else None)
        elif name in ("BUILD_TUPLE", "BUILD_LIST", "LIST_TO_TUPLE"):
            for _ in range(arg if name != "LIST_TO_TUPLE" else 1):
                pop()
            stack.append(("built",))  # a new tuple or list: only this frame has it
        elif name.startswith("BINARY_") and name != "BINARY_SLICE":
            right, left = pop(), pop()
            item = name == "BINARY_SUBSCR" or ins.argrepr == "[]"
            stack.append(("item" if item else "binop", left, right))
        elif name == "COMPARE_OP" and len(stack) >= 2:
            right, left = pop(), pop()
            stack.append(("cmp", left, right))  # a bool when both are plain values
        elif name in _BOOLS and stack:
            for _ in range(-dis.stack_effect(ins.opcode, ins.arg if ins.opcode >=
                                             dis.HAVE_ARGUMENT else None) + 1):
                pop()
            stack.append(("const", True))  # a bool, whatever the operands were
        elif name == "DUP_TOP_TWO":  # 3.10: `x[k] += v`
            stack.extend(stack[-2:] if len(stack) >= 2 else [None, None])
        elif name in ("COPY", "DUP_TOP"):
            n = arg if name == "COPY" else 1
            stack.append(stack[-n] if len(stack) >= n else None)
        elif name in ("SWAP", "ROT_TWO"):
            n = arg if name == "SWAP" else 2
            if len(stack) >= n:
                stack[-1], stack[-n] = stack[-n], stack[-1]
            else:
                stack[:] = [None] * len(stack)
        else:
            try:
                effect = dis.stack_effect(ins.opcode, ins.arg if ins.opcode >= dis.HAVE_ARGUMENT
                                          else None, jump=False)
            except ValueError:
                effect = 0
            pops = _pops(name, arg)
            if pops is not None:
                popped = [pop() for _ in range(pops)][::-1]
                callee = next((c for c in popped[:2] if c is None or c[0] != "null"), None)
                stack.append(("ret", callee))  # what a call of `callee` returned
                return
            if name == "MAKE_FUNCTION":
                for _ in range(1 - effect):
                    pop()
                stack.append(("made",))  # a function of this code: user code too
                return
            for _ in range(-effect):
                pop()
            stack.extend([None] * max(effect, 0))
            if effect <= 0 and stack and not name.startswith(_PURE_POPS):
                stack[-1] = None  # it replaced what was there (or it is not known)


# Byte-codes whose result is always an exact bool.
_BOOLS = {"IS_OP", "CONTAINS_OP", "CHECK_EXC_MATCH", "UNARY_NOT", "TO_BOOL"}


def _is_exit(sym: Sym) -> bool:
    return sym is not None and sym[0] == "meth" and len(sym) == 4


def _jumps(ins: dis.Instruction) -> bool:
    return ins.opcode in _JUMPS and isinstance(ins.argval, int)


_JUMPS = set(dis.hasjrel) | set(dis.hasjabs)


def _jumped(ins: dis.Instruction, before: list[Sym], after: list[Sym]) -> list[Sym]:
    """The stack at the target of `ins` when it jumps (from the stack `before` it)."""
    if ins.opname == "SETUP_WITH":  # 3.10: the handler has the exit and 6 more values
        return after[:-1] + [None] * 6
    try:
        effect = dis.stack_effect(ins.opcode, ins.arg if ins.opcode >= dis.HAVE_ARGUMENT
                                  else None, jump=True)
    except ValueError:
        return [None] * len(before)
    kept = before[:len(before) + min(effect, 0)]
    if not ins.opname.startswith(("JUMP", "POP_JUMP")) and kept and effect >= 0:
        kept[-1] = None  # not a plain jump: what it left on top is not known (what it
        # only popped down to is: a loop that ends leaves its with's exit below it)
    return kept + [None] * max(effect, 0)


def _merge(states: list[list[Sym]], back: bool, loop: bool) -> list[Sym]:
    """What is known where paths meet: an entry all paths agree on; across a backward
    jump (not seen yet) only what the block structure fixes: a with's exit, a loop's
    iterator, and the iterator of the loop starting here."""
    if not states:
        return []
    n = len(states[0])
    if any(len(s) != n for s in states):
        return [None] * max(len(s) for s in states)
    out: list[Sym] = []
    for i in range(n):
        v = states[0][i]
        same = all(s[i] == v for s in states[1:])
        fixed = v is not None and (_is_exit(v) or v[0] == "iter")
        out.append(v if same and (not back or fixed) else None)
    if loop and back and n and states[-1][-1] is not None:
        out[-1] = states[-1][-1]  # the loop's iterator (the path that falls into it)
    return out


_decoded: dict[types.CodeType, Decoded] = {}


def decoded(code: types.CodeType) -> Decoded:
    found = _decoded.get(code)
    if found is None:
        found = _decoded[code] = Decoded(code)
    return found
