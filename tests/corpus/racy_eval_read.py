"""Two reads inside one `eval`'d expression: `a.balance - a.balance` is two attribute reads,
and a deposit between them makes it non-zero. The switch must come inside the `eval`."""

from corpus import RACY, run_threads

VERDICT = RACY


class Account:
    def __init__(self) -> None:
        self.balance = 0


def scenario() -> None:
    account = Account()
    seen: list[int] = []

    def deposit() -> None:
        account.balance = 100

    def audit() -> None:
        seen.append(eval("a.balance - a.balance", {"a": account}))

    run_threads(audit, deposit)
    assert seen == [0], f"the same balance read twice differed by {seen[0]}"
