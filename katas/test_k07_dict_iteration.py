"""Registry.snapshot: a private copy of a state the registry was really in, never a crash."""

import threading

from k07_dict_iteration import Registry


def run_together(*targets):
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_a_snapshot_is_not_changed_by_later_registrations():
    registry = Registry()
    registry.register("db", "v1")
    snapshot = registry.snapshot()

    registry.register("cache", "v1")
    registry.unregister("db")

    assert snapshot == {"db": "v1"}
    assert registry.snapshot() == {"cache": "v1"}


def test_a_snapshot_taken_while_a_service_registers_does_not_crash(contention):
    def scenario():
        registry = Registry()
        registry.register("db", "v1")
        registry.register("cache", "v1")
        snapshots = []
        run_together(
            lambda: snapshots.append(registry.snapshot()),
            lambda: registry.register("search", "v1"),
        )
        assert snapshots[0] in (
            {"db": "v1", "cache": "v1"},
            {"db": "v1", "cache": "v1", "search": "v1"},
        )

    contention.explore(scenario)


def test_a_snapshot_taken_while_a_service_unregisters_does_not_crash(contention):
    def scenario():
        registry = Registry()
        registry.register("db", "v1")
        registry.register("cache", "v1")
        registry.register("search", "v1")
        snapshots = []
        run_together(
            lambda: snapshots.append(registry.snapshot()),
            lambda: registry.unregister("cache"),
        )
        assert snapshots[0] in (
            {"db": "v1", "cache": "v1", "search": "v1"},
            {"db": "v1", "search": "v1"},
        )

    contention.explore(scenario)


def test_a_snapshot_shows_a_state_the_registry_was_really_in(contention):
    def scenario():
        registry = Registry()
        for name in ("db", "queue", "search", "cache"):
            registry.register(name, "v1")
        snapshots = []

        def upgrade():
            registry.register("db", "v2")
            registry.register("cache", "v2")

        def monitor():
            snapshots.append(registry.snapshot())
            snapshots.append(registry.snapshot())

        run_together(monitor, upgrade)
        for snapshot in snapshots:
            assert set(snapshot) == {"db", "queue", "search", "cache"}
            # The upgrade does db first, then cache: "cache already v2, db still v1"
            # is a state the registry was never in.
            assert (snapshot["db"], snapshot["cache"]) != ("v1", "v2"), snapshot

    contention.explore(scenario)
