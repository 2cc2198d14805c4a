"""A buffer written through a memoryview made before the threads start, while another
thread reads the buffer itself: the view's items are the buffer's bytes."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    frame = bytearray(b"ok")
    header = memoryview(frame)
    seen: list[int] = []

    def mark_bad() -> None:
        header[0] = ord("X")

    def inspect() -> None:
        seen.append(frame[0])

    run_threads(mark_bad, inspect)
    assert seen == [ord("X")], f"inspected the frame before it was marked: {bytes(seen)!r}"
