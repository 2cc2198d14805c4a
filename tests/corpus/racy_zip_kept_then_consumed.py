"""A `zip` made before the threads start and consumed by `dict()` in one of them while
another changes a list it zips: the zip holds iterators, not copies, so `dict(pairs)`
reads the list when it runs."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    names = ["ann", "bob"]
    scores = [1, 2]
    pairs = zip(names, scores, strict=True)
    seen: list[dict[str, int]] = []

    def correct() -> None:
        scores[0] = 9

    def publish() -> None:
        seen.append(dict(pairs))

    run_threads(correct, publish)
    assert seen == [{"ann": 9, "bob": 2}], f"published before the correction: {seen}"
