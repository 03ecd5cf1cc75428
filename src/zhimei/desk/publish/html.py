"""HTML: the text rendered from Markdown (markdown-it-py ``js-default``: raw HTML stays text) and
sanitised with nh3, with the label as ``<meta name="AIGC">``, JSON-LD and a visible paragraph."""

from __future__ import annotations

import html

from zhimei.desk.labels.text import html_document
from zhimei.desk.publish.item import PublishItem
from zhimei.errors import ExtraMissingError

__all__ = ["markdown_to_html", "render_html"]


def markdown_to_html(text: str) -> str:
    """``text`` as HTML; raw HTML in it is escaped, unsafe links are dropped (nh3 runs after)."""
    try:
        from markdown_it import MarkdownIt
    except ImportError as exc:
        raise ExtraMissingError("markdown-it-py", "desk") from exc
    return str(MarkdownIt("js-default").render(text))


def _sanitise(fragment: str) -> str:
    try:
        import nh3
    except ImportError as exc:
        raise ExtraMissingError("nh3", "desk") from exc
    return str(nh3.clean(fragment))


def render_html(item: PublishItem) -> str:
    """The publication as a complete, sanitised HTML page."""
    parts = [f"<h1>{html.escape(item.title)}</h1>"]
    if item.correction:
        # Sanitising keeps no classes: the notice stands out by its emphasis and its place on top.
        parts.append(f"<p><strong>{html.escape(item.correction)}</strong></p>")
    parts.append(markdown_to_html(item.text))
    body = "\n".join(parts)
    if item.label is not None:
        return html_document(item.title, body, item.label)
    return (
        f'<!DOCTYPE html>\n<html lang="{item.lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(item.title)}</title>\n</head>\n"
        f"<body>\n<article>\n{_sanitise(body)}\n</article>\n</body>\n</html>\n"
    )
