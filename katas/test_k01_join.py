"""squares_in_parallel returns every square, in input order, computed on its own thread."""

from k01_join import squares_in_parallel


def test_every_square_is_there_when_the_function_returns(contention):
    numbers = [1, 2, 3]

    def scenario():
        assert squares_in_parallel(numbers) == [1, 4, 9]

    result = contention.explore(scenario)
    assert result.threads_started >= len(numbers), "one thread per number"


def test_squares_come_back_in_input_order(contention):
    numbers = [3, -2, 0]

    def scenario():
        assert squares_in_parallel(numbers) == [9, 4, 0]

    result = contention.explore(scenario)
    assert result.threads_started >= len(numbers), "one thread per number"


def test_no_numbers_means_no_squares():
    assert squares_in_parallel([]) == []
