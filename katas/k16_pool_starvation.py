"""A report that never arrives: every pool thread waits, and none does the work.

A report is a list of sections, and rendering one is slow, so `render_report` renders
them on a thread pool of `workers` threads, and each section hands its slow body to the
pool too. With one section it works. With as many sections as workers, now and then the
report never comes back, though no lock is taken anywhere. Make every report finish, whatever the
number of sections, with sections still rendered at the same time and never more than
`workers` at once. The output stays the same: each section as "## title" and then its
rendered text, in input order, separated by blank lines.

Lesson: docs/lessons/5-pools-and-lifecycles.md, "Pool starvation".
"""

from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor


def _render_section(pool: Executor, title: str, render: Callable[[str], str]) -> str:
    # The body is the slow part: hand it to the pool too.
    body = pool.submit(render, title)
    return f"## {title}\n{body.result()}"


def render_report(sections: list[str], render: Callable[[str], str], workers: int = 2) -> str:
    """Render every section with `render` on `workers` threads and join them in order."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report") as pool:
        futures = [pool.submit(_render_section, pool, title, render) for title in sections]
        return "\n\n".join(future.result() for future in futures)
