"""k17: a heartbeat thread ends when it is stopped, promptly, and leaves nothing behind."""

import threading
import time

from k17_leaked_worker import Heartbeat


def test_a_stopped_heartbeat_leaves_no_thread_behind():
    first_beat = threading.Event()
    heartbeat = Heartbeat(60.0, first_beat.set)

    heartbeat.start()
    first_beat.wait()
    heartbeat.stop()
    # Nothing more to do: a thread started by this test and still alive at its end fails it,
    # and a stop() that waits out the 60 s interval is stopped by the plugin's timeout.


def test_stop_returns_only_once_the_thread_has_ended(contention):
    def scenario():
        threads_before = threading.active_count()
        heartbeat = Heartbeat(60.0, lambda: None)
        heartbeat.start()
        heartbeat.stop()
        assert threading.active_count() == threads_before

    contention.explore(scenario)


def test_stop_does_not_wait_out_the_interval(contention):
    # Inside a scenario time is virtual: waiting out a 60 s interval costs no real time, but
    # the clock shows it.
    def scenario():
        beats = []
        heartbeat = Heartbeat(60.0, lambda: beats.append(time.monotonic()))
        heartbeat.start()
        asked_to_stop = time.monotonic()
        heartbeat.stop()
        assert time.monotonic() - asked_to_stop < 60.0

    contention.explore(scenario)
