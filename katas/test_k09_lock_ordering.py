"""transfer(): opposite transfers never deadlock, and money never goes missing."""

import threading

from k09_lock_ordering import Account, transfer


def run_together(*targets):
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_a_transfer_moves_the_money():
    alice = Account("alice", 100)
    bob = Account("bob", 50)

    transfer(alice, bob, 30)

    assert (alice.balance, bob.balance) == (70, 80)


def test_opposite_transfers_do_not_deadlock(contention):
    def scenario():
        alice = Account("alice", 100)
        bob = Account("bob", 100)
        run_together(
            lambda: transfer(alice, bob, 10),
            lambda: transfer(bob, alice, 5),
        )
        assert (alice.balance, bob.balance) == (95, 105)

    contention.explore(scenario)


def test_opposite_transfers_in_real_threads_do_not_deadlock():
    # No explored schedule here: real threads, whatever timing they get. A lock order
    # that *could* deadlock is reported even when this run happens not to hang.
    alice = Account("alice", 100)
    bob = Account("bob", 100)
    run_together(
        lambda: transfer(alice, bob, 10),
        lambda: transfer(bob, alice, 5),
    )
    assert (alice.balance, bob.balance) == (95, 105)


def test_money_never_goes_missing_during_a_transfer(contention):
    def scenario():
        alice = Account("alice", 100)
        bob = Account("bob", 100)
        totals = []

        def pay_three_times():
            for _ in range(3):
                transfer(alice, bob, 10)

        def audit_three_times():
            # Read the sender first, then the receiver, each under its own lock. Every
            # transfer is atomic, so it happens either before or after each read: the
            # auditor may count a payment twice, but never find it missing.
            for _ in range(3):
                with alice.lock:
                    total = alice.balance
                with bob.lock:
                    total += bob.balance
                totals.append(total)

        run_together(pay_three_times, audit_three_times)
        for total in totals:
            assert total >= 200, f"the auditor found {200 - total} missing"
        assert (alice.balance, bob.balance) == (70, 130)

    contention.explore(scenario)
