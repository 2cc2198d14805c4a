"""A method replaced on the class while another thread calls it on an instance: the
instance finds the method through its class, so which one runs depends on the order."""

from corpus import RACY, run_threads

VERDICT = RACY


class Greeter:
    def hello(self) -> str:
        return "hello"


def polite_hello(self: Greeter) -> str:
    return "good morning"


def scenario() -> None:
    Greeter.hello = lambda self: "hello"  # type: ignore[method-assign]
    greeter = Greeter()
    said: list[str] = []

    def upgrade() -> None:
        Greeter.hello = polite_hello  # type: ignore[method-assign]

    def greet() -> None:
        said.append(greeter.hello())

    run_threads(upgrade, greet)
    assert said == ["good morning"], f"greeted with the old method: {said}"
