"""Wrong fix: render the sections one after the other, without a pool.

Nothing can starve any more, but the sections no longer render at the same time: a slow
report stays slow, and `workers` means nothing.
"""

from collections.abc import Callable


def render_report(sections: list[str], render: Callable[[str], str], workers: int = 2) -> str:
    """Render every section with `render` and join them in order."""
    return "\n\n".join(f"## {title}\n{render(title)}" for title in sections)
