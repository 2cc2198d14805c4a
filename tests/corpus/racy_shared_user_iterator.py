"""Two threads take tickets from one iterator of a user class (`__iter__` returns itself,
`__next__` reads and then writes the next number). `for` calls `__next__` from the
interpreter; what the iteration touches is in `__next__`'s own steps, so both threads
can read the same number before either writes it: a ticket taken twice."""

from corpus import RACY
from corpus.racy_shared_generator import take_in_two_threads

VERDICT = RACY


class Tickets:
    def __init__(self, last: int) -> None:
        self.next_number = 1
        self.last = last

    def __iter__(self) -> "Tickets":
        return self

    def __next__(self) -> int:
        number = self.next_number
        if number > self.last:
            raise StopIteration
        self.next_number = number + 1
        return number


def scenario() -> None:
    take_in_two_threads(Tickets(last=2))
