"""RSS 2.0 and Atom feeds of the published items of one folder (feedgen), each item labelled through
the ``aigc`` extension of :mod:`zhimei.desk.labels.text.rss`."""

from __future__ import annotations

import html
from collections.abc import Sequence

from zhimei.desk.labels.text import apply_to_rss_entry
from zhimei.desk.publish.html import markdown_to_html
from zhimei.desk.publish.item import PublishItem
from zhimei.errors import ExtraMissingError

__all__ = ["FEED_ID", "render_feed"]

FEED_ID = "urn:zhimei:feed"


def render_feed(items: Sequence[PublishItem], *, title: str, link: str) -> tuple[bytes, bytes]:
    """(RSS 2.0, Atom) bytes of a feed holding ``items``, newest first."""
    try:
        from feedgen.feed import FeedGenerator
    except ImportError as exc:
        raise ExtraMissingError("feedgen", "desk") from exc
    feed = FeedGenerator()
    feed.id(FEED_ID)
    feed.title(title)
    feed.link(href=link, rel="alternate")
    feed.description(title)
    feed.language(items[0].lang if items else "zh")
    ordered = sorted(items, key=lambda i: (i.published_at, i.key))
    if ordered:
        feed.updated(ordered[-1].published_at)
    for item in ordered:  # feedgen puts each new entry first: oldest in, newest on top
        entry = feed.add_entry()
        entry.id(f"urn:zhimei:{item.key}")
        entry.guid(f"urn:zhimei:{item.key}", permalink=False)
        entry.title(item.title)
        entry.link(href=f"{link.rstrip('/')}/{item.slug}.html")
        entry.published(item.published_at)
        entry.updated(item.published_at)
        description = markdown_to_html(item.text)
        if item.correction:
            description = f'<p class="correction">{html.escape(item.correction)}</p>\n{description}'
        entry.description(description)
        if item.label is not None:
            apply_to_rss_entry(feed, entry, item.label)
    return feed.rss_str(pretty=True), feed.atom_str(pretty=True)
