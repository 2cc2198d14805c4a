"""Check-then-act on a dict: two threads both find the key missing and both create it.
The dict is an argument of the worker, a local variable: the check is a CONTAINS_OP on
it and the act a STORE_SUBSCR, with no attribute or global access in between."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    cache: dict[str, object] = {}
    made: list[object] = []

    def get(table: dict[str, object], key: str) -> None:
        if key not in table:
            table[key] = object()
            made.append(table[key])

    run_threads(lambda: get(cache, "config"), lambda: get(cache, "config"))
    assert len(made) == 1, f"made {len(made)} objects for one key"
