"""Feeds: RSS 0.9x/1.0 (RDF)/2.0 and Atom, parsed with feedparser from bytes we fetched ourselves.

Defends against: entity expansion and external entities (refused before parsing, see
:mod:`.xmlsafe`); wrong or missing charset labels (decoded by our rules, handed on as UTF-8);
feedparser reading files or URLs (it opens a ``str`` or ``bytes`` argument as a path or URL, so
it only ever gets a stream of bytes); malformed XML ("bozo" feeds still give the items
feedparser could read, with the reason in :attr:`FeedParse.bozo`); HTML and scripts in items
(items become plain text: scripts and styles are dropped, no markup survives); things that are
not feeds at all (:class:`NotAFeedError`).
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from zhimei.errors import ExtraMissingError
from zhimei.records import Document
from zhimei.sources.clean import clean_text, html_to_text, make_document
from zhimei.sources.errors import NotAFeedError
from zhimei.sources.xmlsafe import utf8_xml

__all__ = ["FeedItem", "FeedParse", "item_document", "parse_feed"]


class FeedItem(BaseModel):
    """One entry of a feed, as plain text. ``content`` is the full text when the feed carries it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    link: str | None = None
    guid: str | None = None
    published: AwareDatetime | None = None
    author: str | None = None
    summary: str = ""
    content: str = ""
    categories: tuple[str, ...] = ()


class FeedParse(BaseModel):
    """A parsed feed. ``bozo`` says why the feed is not well-formed (its items are still here)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    version: str
    title: str | None = None
    link: str | None = None
    language: str | None = None
    items: list[FeedItem]
    bozo: str | None = None


def _feedparser() -> Any:
    try:
        import feedparser
    except ImportError as exc:
        raise ExtraMissingError("feedparser", "intake") from exc
    return feedparser


def _text(detail: Any, fallback: str = "") -> str:
    """Plain text of a feedparser text construct (``title_detail``, ``content[i]`` …)."""
    if not detail:
        return clean_text(fallback)
    value = detail.get("value", "") or ""
    kind = detail.get("type", "text/html") or "text/html"
    return html_to_text(value) if "html" in kind else clean_text(value)


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(entry, key)  # feedparser's own get() maps keys, with a deprecation warning
        if isinstance(parsed, time.struct_time):
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (ValueError, OverflowError):
                continue
    return None


def _item(entry: Any) -> FeedItem | None:
    contents = [_text(c) for c in entry.get("content") or []]
    content = max(contents, key=len, default="")
    summary = _text(entry.get("summary_detail"), entry.get("summary", ""))
    title = _text(entry.get("title_detail"), entry.get("title", ""))
    link = entry.get("link") or None
    if not (title or content or summary or link):
        return None  # an empty <item/>: nothing to keep
    tags = tuple(dict.fromkeys(t["term"].strip() for t in entry.get("tags") or [] if t.get("term")))
    return FeedItem(
        title=" ".join(title.split()),
        link=link,
        guid=entry.get("id") or link,
        published=_when(entry),
        author=entry.get("author") or None,
        summary=summary if summary != content else "",
        content=content,
        categories=tuple(t for t in tags if t),
    )


def parse_feed(data: bytes, url: str, headers: Mapping[str, str] | None = None) -> FeedParse:
    """Parse feed bytes fetched from ``url`` (relative links resolve against it).

    ``headers`` are the response headers (as in :attr:`~zhimei.sources.fetch.FetchResult.headers`);
    the charset of ``content-type`` is used. Raises
    :class:`~zhimei.errors.InputError` for empty, binary or undecodable input,
    :class:`~zhimei.sources.errors.UnsafeXMLError` for entity declarations and
    :class:`NotAFeedError` when the bytes are no feed.
    """
    content_type = {k.lower(): v for k, v in (headers or {}).items()}.get("content-type")
    xml = utf8_xml(data, content_type=content_type, name=url)
    parsed = _feedparser().parse(
        io.BytesIO(xml),
        response_headers={"content-location": url, "content-type": "application/xml; charset=utf-8"},
        # Items become plain text (scripts and styles dropped): links inside their HTML need no
        # resolving and the HTML no sanitising, which halves feedparser's time. Item links are
        # still resolved against the feed URL.
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    bozo = str(parsed.get("bozo_exception") or "malformed") if parsed.get("bozo") else None
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        raise NotAFeedError(
            f"{url} is not an RSS or Atom feed" + (f" ({bozo})" if bozo else ""),
            "check the feed URL; a web page usually links its feed in <link rel=alternate>",
        )
    feed = parsed.feed
    items = [item for item in map(_item, parsed.entries) if item is not None]
    return FeedParse(
        url=url,
        version=version or "unknown",
        title=_text(feed.get("title_detail"), feed.get("title", "")) or None,
        link=feed.get("link") or None,
        language=feed.get("language") or None,
        items=items,
        bozo=bozo,
    )


def item_document(item: FeedItem, *, source: str) -> Document:
    """A :class:`Document` from a feed item's own text (its content, else its summary).

    Raises :class:`~zhimei.errors.InputError` when the item has no text: fetch its link and use
    :func:`~zhimei.sources.pages.parse_page` instead.
    """
    return make_document(
        source=source,
        title=item.title,
        text=item.content or item.summary,
        url=item.link,
        published=item.published,
        author=item.author,
    )
