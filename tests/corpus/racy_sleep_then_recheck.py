"""Sleeping again when the data is not there yet: a slower start-up still loses."""

import threading
import time

from corpus import RACY

VERDICT = RACY


class Service:
    def __init__(self) -> None:
        self.settings: dict[str, int] | None = None

    def start_up(self) -> None:
        time.sleep(0.01)
        self.settings = {"scale": 2}

    def request(self) -> int:
        if self.settings is None:
            time.sleep(0.1)  # "give it a moment more"
        if self.settings is None:
            raise RuntimeError("request() before start-up finished")
        return self.settings["scale"]


def scenario() -> None:
    service = Service()
    thread = threading.Thread(target=service.start_up)
    thread.start()
    time.sleep(0.05)
    try:
        assert service.request() == 2
    finally:
        thread.join()
