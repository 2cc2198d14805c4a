"""Wrong fix: compute the squares without threads.

Correct results, but the kata asks for one thread per number: the point is to learn to
wait for threads, not to drop them.
"""


def squares_in_parallel(numbers: list[int]) -> list[int]:
    return [n * n for n in numbers]
