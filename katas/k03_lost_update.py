"""A hit counter that loses hits when two threads count at once.

`Counter` is the classic shared counter wrapped in a class. Called from one thread it
is exact; called from several threads at once, some increments vanish. Make every
`increment()` count, whichever threads call it and however they interleave.

Lesson: docs/lessons/2-races.md, "Lost updates".
"""


class Counter:
    def __init__(self) -> None:
        self._value = 0

    def increment(self) -> None:
        self._value += 1

    @property
    def value(self) -> int:
        return self._value
