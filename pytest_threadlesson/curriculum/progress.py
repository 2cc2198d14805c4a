"""A session's kata results: which katas are red, which solved, what each was diagnosed
with, and the focus (the first red kata in curriculum order, whose report is shown in full)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import catalogue as kt

if TYPE_CHECKING:
    import pytest


class Progress:
    """This session's kata results; the first red kata in curriculum order is the focus."""

    def __init__(self) -> None:
        self.status: dict[str, str] = {}
        self.diagnosis: dict[str, str] = {}
        self.focus: str | None = None
        self.hidden: list[pytest.TestReport] = []

    def record(self, kata: str, rep: pytest.TestReport, full: bool) -> None:
        if rep.failed:
            self.status[kata] = "red"
            found = dict(rep.user_properties).get("threadlesson_diagnosis")
            if found and kata not in self.diagnosis:
                self.diagnosis[kata] = str(found)
            if self.focus is None or kt.order_key(kata) < kt.order_key(self.focus):
                self.focus = kata
            if not full:
                self.hidden.append(rep)
        elif rep.when == "call" and rep.passed:
            self.status.setdefault(kata, "solved")

    def red(self) -> list[str]:
        """The red katas, in curriculum order."""
        return sorted((k for k, s in self.status.items() if s == "red"), key=kt.order_key)
