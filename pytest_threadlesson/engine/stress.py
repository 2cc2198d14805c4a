"""Stress mode: real OS threads, released together, preempted at random byte-codes.

For code that cannot run under the controlled scheduler (C extensions, real I/O). Weaker
than `explore` (the OS still decides), but far stronger than a plain loop: the threads
start from one barrier, the switch interval is tiny, and a seeded tracer makes the running
thread give up the interpreter at random byte-codes of the code under test.
"""

from __future__ import annotations

import random
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

from ..frames import is_user_file
from . import runtime as rt


def stress(target: Callable[[], Any], *, threads: int, calls: int, seed: int,
           rate: float = 0.05) -> None:
    if threads < 1 or calls < 1:
        raise ValueError("stress() needs at least one thread and one call")
    errors: list[BaseException] = []
    start = threading.Barrier(threads)
    old_interval = sys.getswitchinterval()

    def worker(index: int) -> None:
        rng = random.Random(f"{seed}:{index}")

        def local(frame: types.FrameType, event: str, arg: Any) -> Any:
            if event == "opcode" and rng.random() < rate:
                rt.real_sleep(0)  # give up the interpreter here: a forced preemption
            return local

        def global_trace(frame: types.FrameType, event: str, arg: Any) -> Any:
            if is_user_file(frame.f_code.co_filename):
                frame.f_trace_opcodes = True
                return local
            return None

        start.wait()
        sys.settrace(global_trace)
        try:
            for _ in range(calls):
                target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            sys.settrace(None)

    workers = [threading.Thread(target=worker, args=(i,), name=f"stress-{i + 1}")
               for i in range(threads)]
    sys.setswitchinterval(1e-6)
    try:
        for t in workers:
            t.start()
        for t in workers:
            t.join()
    finally:
        sys.setswitchinterval(old_interval)
    if errors:
        raise errors[0]
