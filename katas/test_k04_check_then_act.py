"""BankAccount.withdraw() never overdraws, and no deposit or withdrawal is lost."""

import threading

from k04_check_then_act import BankAccount


def test_a_withdrawal_within_the_balance_succeeds():
    account = BankAccount(100)
    assert account.withdraw(30) is True
    assert account.balance == 70


def test_a_withdrawal_beyond_the_balance_is_refused_and_changes_nothing():
    account = BankAccount(100)
    assert account.withdraw(101) is False
    assert account.balance == 100


def test_a_deposit_adds_to_the_balance():
    account = BankAccount(10)
    account.deposit(5)
    assert account.balance == 15


def test_two_withdrawals_cannot_both_take_the_last_money(contention):
    def scenario():
        account = BankAccount(100)
        outcomes = []

        def withdraw_80():
            outcomes.append(account.withdraw(80))

        threads = [threading.Thread(target=withdraw_80) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert account.balance >= 0, f"overdrawn: balance {account.balance}"
        assert sorted(outcomes) == [False, True], f"outcomes {outcomes}"
        assert account.balance == 20

    contention.explore(scenario)


def test_a_deposit_during_a_withdrawal_is_not_lost(contention):
    def scenario():
        account = BankAccount(50)
        outcomes = []

        def withdraw_20():
            outcomes.append(account.withdraw(20))

        threads = [
            threading.Thread(target=withdraw_20),
            threading.Thread(target=account.deposit, args=(30,)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcomes == [True]
        assert account.balance == 60

    contention.explore(scenario)
