"""From extracted text to a :class:`~zhimei.records.Document`: cleaning, the content hash, language.

Two levels of normalisation, each defined once:

* :func:`clean_text` is what a document's ``text`` holds: NFC, no control, zero-width or
  replacement (U+FFFD) characters, no runs of spaces, trimmed lines, at most one blank line
  between paragraphs.
* :func:`hash_key` is what ``content_hash`` is computed over: the cleaned text in NFKC
  (full-width letters, digits and punctuation become their ASCII forms), case-folded, with every
  run of whitespace one space and whitespace next to a CJK character dropped, so the same article
  taken from a feed and from its page, or re-wrapped, hashes the same.

:func:`html_to_text` turns the small HTML fragments of feeds (already sanitised by feedparser)
into text with paragraph breaks; scripts and styles are dropped.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from html.parser import HTMLParser

from zhimei.checks.text import detect_lang
from zhimei.errors import InputError
from zhimei.records import Document

__all__ = ["clean_text", "content_hash", "hash_key", "html_to_text", "make_document"]

_TITLE_MAX = 200
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BY_CJK = re.compile(f"(?<=[{_CJK}]) | (?=[{_CJK}])")


_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _clean_line(line: str) -> str:
    # Control characters and format characters (zero-width spaces and joiners, soft hyphens,
    # BOMs, bidi marks) carry nothing an editor sees. U+FFFD is never made by our decoding; one
    # that arrives stands for the source's own broken bytes or character references and carries
    # nothing either. Most lines hold none of these once spaces are collapsed: a C-speed check.
    collapsed = _SPACES.sub(" ", line)
    if collapsed.isprintable() and "\ufffd" not in collapsed:
        return collapsed.strip()
    visible = "".join(
        ch for ch in line if ch.isspace() or (ch != "\ufffd" and unicodedata.category(ch) not in _INVISIBLE)
    )
    return _SPACES.sub(" ", visible).strip()


def clean_text(text: str) -> str:
    """The display form of extracted text (see the module notes)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_clean_line(line) for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def hash_key(text: str) -> str:
    """The normalised form ``content_hash`` is computed over (see the module notes)."""
    key = unicodedata.normalize("NFKC", clean_text(text)).casefold()
    key = " ".join(key.split())
    return _SPACE_BY_CJK.sub("", key)


def content_hash(text: str) -> str:
    """sha256 (hex) of :func:`hash_key` of ``text``."""
    return hashlib.sha256(hash_key(text).encode("utf-8")).hexdigest()


_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, one line per block element, cleaned by :func:`clean_text`."""
    if "<" not in html and "&" not in html:
        return clean_text(html)
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return clean_text("".join(collector.parts))


def _title(title: str | None, text: str) -> str:
    candidate = " ".join((title or "").split())
    if not candidate:
        candidate = text.split("\n", 1)[0]
    if len(candidate) > _TITLE_MAX:
        candidate = candidate[: _TITLE_MAX - 1].rstrip() + "…"
    return candidate


def make_document(
    *,
    source: str,
    title: str | None,
    text: str,
    url: str | None = None,
    canonical_url: str | None = None,
    published: datetime | None = None,
    author: str | None = None,
) -> Document:
    """A :class:`Document` from extracted parts: text cleaned, hashed, language detected.

    A missing title becomes the first line of the text; a naive ``published`` is taken as UTC.
    Raises :class:`InputError` naming ``source`` when no text is left after cleaning.
    """
    body = clean_text(text)
    if not body:
        raise InputError(f"{source} has no text", "check that the source has an article in it")
    heading = _title(title, body)
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return Document(
        source=source,
        title=heading,
        text=body,
        lang=detect_lang(heading + "\n" + body[:20000]),
        content_hash=content_hash(body),
        url=url or None,
        canonical_url=canonical_url or None,
        published=published,
        author=" ".join(author.split()) or None if author else None,
    )
