"""Solution. Lesson: docs/lessons/5-pools-and-lifecycles.md, "Pool starvation"."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def _format_section(title: str, body: str) -> str:
    return f"## {title}\n{body}"


def render_report(sections: list[str], render: Callable[[str], str], workers: int = 2) -> str:
    """Render every section with `render` on `workers` threads and join them in order."""
    # Only leaf work goes to the pool, and only the caller (not a pool thread) waits for it.
    # A pool task that waits for another task of its own bounded pool holds a worker while
    # it waits: once every worker does that, the tasks they wait for can never start.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report") as pool:
        futures = [pool.submit(render, title) for title in sections]
        bodies = [future.result() for future in futures]
    return "\n\n".join(
        _format_section(title, body) for title, body in zip(sections, bodies, strict=True)
    )
