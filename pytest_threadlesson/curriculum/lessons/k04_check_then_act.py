"""Lesson data for k04_check_then_act (hints are spoilers: shown only on request)."""

TITLE = "Check then act"
PAGE = "docs/lessons/2-races.md"
SECTION = "Check, then act"
DIAGNOSIS = "race"
HINTS = (
    "Look at BankAccount.withdraw: the `if` and the line after it.",
    "The check is only valid while no other thread can change the balance. Checking and "
    "acting must be one atomic step, not two steps that are each safe on their own.",
    "Hold the account's existing lock around the whole `if` block in withdraw: the test, "
    "the subtraction and the return value, all in one `with`.",
)
EXPLANATION = (
    "Both withdrawals checked the balance before either had taken the money, so both saw\n"
    "enough and both paid out. A decision based on shared state goes stale the moment\n"
    "another thread can change that state between the check and the action."
)
