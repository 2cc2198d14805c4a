"""k20: a started Service answers requests however long its start-up takes."""

from k20_sleep_is_not_sync import Service


def test_a_started_service_answers_requests():
    service = Service()
    service.start()

    assert service.request(20) == 41


def test_a_started_service_answers_requests_however_long_start_up_takes(contention):
    # Inside a scenario time is virtual: a sleep guarantees nothing about how far another
    # thread has got, just as on a loaded machine.
    def scenario():
        service = Service()
        service.start()
        assert service.request(20) == 41
        assert service.request(0) == 1

    contention.explore(scenario)
