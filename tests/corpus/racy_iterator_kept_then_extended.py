"""A list iterator made before the threads start, drained by `list.extend` while another
thread changes the list: `extend` reads the list through the iterator when it runs."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    batch = [1, 2]
    pending = iter(batch)
    copied: list[int] = []

    def amend() -> None:
        batch[1] = 5

    def copy() -> None:
        copied.extend(pending)

    run_threads(amend, copy)
    assert copied == [1, 5], f"copied before the amendment: {copied}"
