"""dine(): every philosopher eats every meal, at the same table, and dinner always ends."""

from k10_dining_philosophers import dine


def test_every_philosopher_eats_every_meal(contention):
    def scenario():
        assert dine(philosophers=3, meals=2) == [2, 2, 2]

    result = contention.explore(scenario)
    assert result.threads_started >= 3, "each philosopher must eat in their own thread"


def test_a_table_of_five_finishes_dinner():
    # Real threads, whatever timing they get: a fork order that *could* close a cycle
    # around the table is reported even when this run happens not to hang.
    assert dine(philosophers=5, meals=20) == [20] * 5
