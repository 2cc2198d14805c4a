"""A list read while another thread sorts it with a key: `list.sort` empties the list
until it ends, and the key function's steps run in between (a builtin calling back into
the code under test is not finished when its callback runs)."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    scores = [3, 1, 2]
    seen: list[int] = []

    def sort_by_rank() -> None:
        scores.sort(key=lambda score: -score)

    def count() -> None:
        seen.append(len(scores))

    run_threads(sort_by_rank, count)
    assert seen == [3], f"counted {seen[0]} scores while they were being sorted"
