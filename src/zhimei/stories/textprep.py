"""Text clean-up shared by the stories stage: control characters out, whitespace collapsed, a length cap.

Every model and index in this package reads a bounded prefix of a text, so one pasted book or a
binary blob decoded as text costs no more than a long article.
"""

from __future__ import annotations

import re
import unicodedata

from zhimei.checks.text import detect_lang
from zhimei.errors import InputError
from zhimei.records import Document, Lang

__all__ = ["MAX_CHARS", "clean_text", "document_text", "resolve_lang"]

# Characters of a text that any stage here reads; the rest is ignored (news items are far shorter).
MAX_CHARS = 100_000

_SPACES = re.compile(r"\s+")


def _visible(ch: str) -> bool:
    # Cc (controls), Cf (format: zero-width, bidi marks), Cs/Co/Cn (surrogates, private use, unassigned).
    return unicodedata.category(ch)[0] != "C"


def clean_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """``text`` without control/format characters, whitespace collapsed to single spaces, capped.

    Line breaks and tabs become spaces. The cap applies before cleaning, so the work is bounded by
    ``max_chars`` whatever the input.
    """
    head = text[:max_chars]
    if not head.isprintable():
        head = "".join(ch if _visible(ch) else " " for ch in head)
    return _SPACES.sub(" ", head).strip()


def document_text(doc: Document, max_chars: int = MAX_CHARS) -> str:
    """Title and text of ``doc`` as one cleaned string; InputError when both are empty."""
    text = clean_text(f"{doc.title}\n{doc.text}", max_chars)
    if not text:
        raise InputError(
            f"document {doc.content_hash[:12]} has neither title nor text",
            "drop empty documents before grouping or tagging them",
        )
    return text


def resolve_lang(text: str, lang: Lang | None) -> Lang:
    """``lang`` if given, else the language detected from the first part of ``text``."""
    return lang if lang is not None else detect_lang(text[:5000])
