"""An attribute written through the object's `__dict__` (kept from `vars(obj)`) while
another thread reads it as an attribute: one place under two names, `settings["mode"]`
and `config.mode`."""

from corpus import RACY, run_threads

VERDICT = RACY


class Config:
    def __init__(self) -> None:
        self.mode = "draft"


def scenario() -> None:
    config = Config()
    settings = vars(config)
    seen: list[str] = []

    def publish() -> None:
        settings["mode"] = "live"

    def look() -> None:
        seen.append(config.mode)

    run_threads(publish, look)
    assert seen == ["live"], f"read the mode before it was published: {seen}"
