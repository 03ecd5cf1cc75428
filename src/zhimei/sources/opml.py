"""OPML import: the feed subscriptions a feed reader exports, as feed URLs with names and folders.

Defends against entity expansion and external entities (refused, see :mod:`.xmlsafe`; the
document is then parsed by defusedxml), wrong charsets (decoded by our rules), and feed URLs
zhimei must not fetch (``file:``, ``javascript:`` …): they are an error that lists them all,
rather than being dropped in silence. ``feed:`` URLs become ``http(s):``; repeats are dropped.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from zhimei.errors import ExtraMissingError, InputError
from zhimei.sources.xmlsafe import utf8_xml

__all__ = ["OpmlFeed", "parse_opml"]


class OpmlFeed(BaseModel):
    """One subscription: the feed URL, its name, its site and the folder path it sits in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    title: str | None = None
    html_url: str | None = None
    category: str | None = None


def _attr(element: Any, name: str) -> str | None:
    for key, value in element.attrib.items():
        if key.lower() == name.lower() and value.strip():
            return str(value).strip()
    return None


def _feed_url(url: str) -> str:
    if url.lower().startswith("feed://"):
        return "http://" + url[len("feed://") :]
    if url.lower().startswith("feed:"):
        return url[len("feed:") :]
    return url


def _walk(element: Any, folders: tuple[str, ...], out: list[OpmlFeed]) -> None:
    for child in element:
        if not isinstance(child.tag, str) or child.tag.rsplit("}", 1)[-1].lower() != "outline":
            continue
        name = _attr(child, "title") or _attr(child, "text")
        xml_url = _attr(child, "xmlUrl")
        if xml_url:
            out.append(
                OpmlFeed(
                    url=_feed_url(xml_url),
                    title=name,
                    html_url=_attr(child, "htmlUrl"),
                    category="/".join(folders) or None,
                )
            )
        _walk(child, (*folders, name) if name and not xml_url else folders, out)


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """The feeds listed in OPML ``data``, in document order, without repeats.

    Raises :class:`~zhimei.errors.InputError` when the bytes are no OPML or list URLs that are
    not http(s), and :class:`~zhimei.sources.errors.UnsafeXMLError` for entity declarations.
    """
    xml = utf8_xml(data, name="OPML file")
    try:
        from xml.etree.ElementTree import ParseError

        from defusedxml.ElementTree import fromstring
    except ImportError as exc:
        raise ExtraMissingError("defusedxml", "intake") from exc
    try:
        root = fromstring(xml)
    except ParseError as exc:
        raise InputError(f"the OPML file is not well-formed XML ({exc})", "export it again") from None
    if root.tag.rsplit("}", 1)[-1].lower() != "opml":
        raise InputError(f"the file is XML but not OPML (its root is <{root.tag}>)", "give an OPML export")
    feeds: list[OpmlFeed] = []
    for body in (child for child in root if str(child.tag).lower().endswith("body")):
        _walk(body, (), feeds)
    bad = [f.url for f in feeds if urlsplit(f.url).scheme.lower() not in ("http", "https")]
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise InputError(
            f"the OPML file lists {len(bad)} feed URL(s) that are not http(s): {shown}",
            "remove or fix those outlines and import again",
        )
    unique = {f.url: f for f in reversed(feeds)}  # the first occurrence wins
    return [unique[url] for url in dict.fromkeys(f.url for f in feeds)]
