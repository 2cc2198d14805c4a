"""Wrong fix: wait for the body with a timeout and give up when it does not come.

The report no longer hangs, but a starved section comes back as a placeholder instead of
its text: the deadlock became a silently wrong report.
"""

from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor, TimeoutError


def _render_section(pool: Executor, title: str, render: Callable[[str], str]) -> str:
    # The body is the slow part: hand it to the pool too.
    body = pool.submit(render, title)
    try:
        text = body.result(timeout=1.0)
    except TimeoutError:
        body.cancel()
        text = "(section not available)"
    return f"## {title}\n{text}"


def render_report(sections: list[str], render: Callable[[str], str], workers: int = 2) -> str:
    """Render every section with `render` on `workers` threads and join them in order."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report") as pool:
        futures = [pool.submit(_render_section, pool, title, render) for title in sections]
        return "\n\n".join(future.result() for future in futures)
