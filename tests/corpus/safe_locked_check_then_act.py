"""Check-then-act on a dict under a lock: one object per key."""

import threading

from corpus import SAFE, run_threads

VERDICT = SAFE


def scenario() -> None:
    cache: dict[str, object] = {}
    made: list[object] = []
    lock = threading.Lock()

    def get(key: str) -> None:
        with lock:
            if key not in cache:
                cache[key] = object()
                made.append(cache[key])

    run_threads(lambda: get("config"), lambda: get("config"))
    assert len(made) == 1, made
