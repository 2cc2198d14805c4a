"""A dict's key view kept in a variable and tested while another thread adds a key: the
view is not a copy, `"eu" in regions` reads the dict itself."""

from corpus import RACY, run_threads

VERDICT = RACY


def scenario() -> None:
    servers: dict[str, int] = {"us": 3}
    regions = servers.keys()
    seen: list[bool] = []

    def open_region() -> None:
        servers["eu"] = 1

    def check() -> None:
        seen.append("eu" in regions)

    run_threads(open_region, check)
    assert seen == [True], f"checked for the region before it opened: {seen}"
