"""Lazy initialisation without a lock: two threads both see no instance and both build
one."""

from corpus import RACY, run_threads

VERDICT = RACY


class Settings:
    built = 0

    def __init__(self) -> None:
        Settings.built += 1


class Registry:
    def __init__(self) -> None:
        self._settings: Settings | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings()
        return self._settings


def scenario() -> None:
    Settings.built = 0
    registry = Registry()
    run_threads(registry.settings, registry.settings)
    assert Settings.built == 1, f"built {Settings.built} times"
