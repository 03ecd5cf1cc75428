"""Web pages: the article in an HTML page (title, author, date, main text) via trafilatura.

Defends against: wrong charset labels (decoded by our rules: BOM, HTTP header, ``<meta>``,
detection; GBK/GB2312 as GB18030; no U+FFFD for valid GB, Big5 or UTF-8), binary bodies served
as HTML (refused), oversized input (20 MB cap) and pages without an article — index pages,
error pages, empty shells rendered by JavaScript — which raise :class:`NoArticleError` instead
of yielding navigation text. trafilatura is imported on first use (it costs ~0.4 s).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from zhimei.checks.text import detect_lang, text_length
from zhimei.errors import ExtraMissingError, InputError
from zhimei.records import Document
from zhimei.sources.clean import make_document
from zhimei.sources.decode import MAX_BYTES, decode_markup
from zhimei.sources.errors import NoArticleError

__all__ = ["MIN_ARTICLE", "extract_article", "parse_html", "parse_page"]

# Less text than this (characters for zh, words for en) is a menu or a notice, not an article.
MIN_ARTICLE = {"zh": 15, "en": 8}

# lxml refuses str input that carries an encoding declaration; the text is decoded already.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def _trafilatura() -> Any:
    try:
        import trafilatura
    except ImportError as exc:
        raise ExtraMissingError("trafilatura", "intake") from exc
    return trafilatura


def extract_article(html: str | bytes, url: str | None = None) -> Any:
    """trafilatura's extraction with the options zhimei uses: metadata, tables, no comments, and
    precision over recall (a menu, a list of links or a "please enable JavaScript" notice is no
    article); dates from the page's text count (many Chinese news pages have no date metadata)."""
    return _trafilatura().bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
        deduplicate=False,
        date_extraction_params={"extensive_search": True, "original_date": True},
    )


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_html(html: str, *, name: str, url: str | None = None, source: str | None = None) -> Document:
    """The article in decoded HTML as a :class:`Document`; :class:`NoArticleError` if there is none."""
    html = _XML_DECLARATION.sub("", html, count=1)
    try:
        found = extract_article(html, url)
    except (ValueError, TypeError, RecursionError) as exc:  # lxml on pathological markup
        raise InputError(f"{name} cannot be read as HTML ({exc})", "check that it is a web page") from None
    text = (found.text or "") if found is not None else ""
    lang = detect_lang(text)
    if text_length(text, lang) < MIN_ARTICLE[lang]:
        raise NoArticleError(
            f"{name} has no article text that could be found",
            "if it is an index or list page, add its feed instead; if its text is drawn by "
            "JavaScript, find a feed or an export of it",
        )
    canonical = found.url if found.url and found.url != url else None
    return make_document(
        source=source or url or name,
        title=found.title,
        text=text,
        url=url,
        canonical_url=canonical,
        published=_date(found.date),
        author=found.author,
    )


def parse_page(
    data: bytes,
    url: str | None,
    headers: Mapping[str, str] | None = None,
    *,
    source: str | None = None,
) -> Document:
    """The article of a fetched page as a :class:`Document`.

    ``headers`` are the response headers (lower-case names, as in
    :attr:`~zhimei.sources.fetch.FetchResult.headers`); the charset of ``content-type`` is used.
    ``source`` defaults to the URL. Raises :class:`~zhimei.errors.InputError` (empty, binary,
    undecodable, over 20 MB) or :class:`NoArticleError`.
    """
    name = url or "page"
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{name} is {len(data) / 1_048_576:.1f} MB, over the {MAX_BYTES / 1_048_576:g} MB limit",
            "a page that large is not an article",
        )
    content_type = {k.lower(): v for k, v in (headers or {}).items()}.get("content-type")
    html = decode_markup(data, content_type=content_type, name=name)
    return parse_html(html, name=name, url=url, source=source)
