"""Alternative solution: each section task renders its own body instead of submitting it."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def _render_section(title: str, render: Callable[[str], str]) -> str:
    # Already on a pool thread: do the work here. Submitting it to the same bounded pool
    # and waiting would hold this worker while the body waits for a free one.
    return f"## {title}\n{render(title)}"


def render_report(sections: list[str], render: Callable[[str], str], workers: int = 2) -> str:
    """Render every section with `render` on `workers` threads and join them in order."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report") as pool:
        futures = [pool.submit(_render_section, title, render) for title in sections]
        return "\n\n".join(future.result() for future in futures)
