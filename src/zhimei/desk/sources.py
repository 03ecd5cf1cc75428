"""The source snapshots of a draft, from whatever its text was written from."""

from __future__ import annotations

import json
from collections.abc import Sequence

from zhimei.checks.text import detect_lang
from zhimei.errors import InputError
from zhimei.records import ArticleInput, Document, DraftSource, RecordInput, SourcesInput

__all__ = ["MAX_SOURCES", "draft_sources", "sources_of_input"]

MAX_SOURCES = 50


def _record_text(inp: RecordInput) -> str:
    # One "field: value" line per field, so figures can be checked against the record.
    lines = []
    for key, value in inp.data.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"{key}: {shown}")
    return "\n".join(lines)


def sources_of_input(inp: ArticleInput | SourcesInput | RecordInput) -> tuple[DraftSource, ...]:
    """The sources a task input holds: the article, each source document, or the data record."""
    if isinstance(inp, ArticleInput):
        return (DraftSource(text=inp.text, lang=inp.lang, title=inp.title or ""),)
    if isinstance(inp, SourcesInput):
        return tuple(DraftSource(text=s.text, lang=s.lang, title=s.title or "") for s in inp.sources)
    return (DraftSource(text=_record_text(inp), lang=inp.lang, title="data record"),)


def draft_sources(items: Sequence[Document | DraftSource | ArticleInput | str]) -> tuple[DraftSource, ...]:
    """Source snapshots from documents (their content hash is the reference), task articles or plain text."""
    if isinstance(items, str | bytes):
        raise InputError("sources must be a list", "pass a list of documents or texts")
    if len(items) > MAX_SOURCES:
        raise InputError(f"{len(items)} sources; a draft keeps at most {MAX_SOURCES}")
    out = []
    for item in items:
        if isinstance(item, DraftSource):
            out.append(item)
        elif isinstance(item, Document):
            out.append(DraftSource(text=item.text, lang=item.lang, title=item.title, ref=item.content_hash))
        elif isinstance(item, ArticleInput):
            out.append(DraftSource(text=item.text, lang=item.lang, title=item.title or ""))
        elif isinstance(item, str):
            out.append(DraftSource(text=item, lang=detect_lang(item) if item.strip() else "en"))
        else:
            raise InputError(f"a source cannot be a {type(item).__name__}", "pass documents or texts")
    return tuple(out)
