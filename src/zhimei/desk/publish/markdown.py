"""Markdown: YAML front matter (the implicit label and the publication's facts), the explicit label,
and the text with raw HTML neutralised (``<`` written as ``&lt;``, so no renderer runs a script)."""

from __future__ import annotations

from zhimei.desk.labels.text import apply_to_markdown, escape_markdown
from zhimei.desk.publish.item import PublishItem
from zhimei.errors import ExtraMissingError

__all__ = ["render_markdown"]


def _front(item: PublishItem) -> str:
    try:
        import yaml
    except ImportError as exc:
        raise ExtraMissingError("pyyaml", "desk") from exc
    meta = {
        "title": item.title,
        "lang": item.lang,
        "draft": item.draft_id,
        "revision": item.revision,
        "published": item.published_at.isoformat(),
        "approved_by": item.labelled.approval.actor,
    }
    if item.correction:
        meta["correction"] = item.correction
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{dumped}---\n"


def render_markdown(item: PublishItem) -> str:
    """The publication as a Markdown document."""
    body = item.text.replace("<", "&lt;")
    if item.correction:
        body = f"> {escape_markdown(item.correction)}\n\n{body}"
    document = f"{_front(item)}\n{body}\n"
    if item.label is None:
        return document
    return apply_to_markdown(document, item.label)
