"""A sleep used as synchronisation: "5 s is surely enough for the loader"."""

import threading
import time

from corpus import RACY

VERDICT = RACY


def scenario() -> None:
    loaded: list[str] = []

    def loader() -> None:
        time.sleep(2.0)
        loaded.append("config")

    thread = threading.Thread(target=loader)
    thread.start()
    time.sleep(5.0)
    try:
        assert loaded, "read before the loader finished"
    finally:
        thread.join()
