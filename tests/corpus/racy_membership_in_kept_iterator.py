"""`x in it` on an iterator made before the threads start: it runs the iterator over a
list that another thread changes meanwhile."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    tickets = [1, 2]
    unseen = iter(tickets)
    found: list[bool] = []

    def reissue() -> None:
        tickets[1] = 7

    def search() -> None:
        found.append(7 in unseen)

    run_threads(reissue, search)
    assert found == [True], "searched before the ticket was reissued"
