"""What the full-text index holds for documents, stories and archive articles, and searching it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from zhimei.intake.segment import parse_query, query_words, segment, snippet
from zhimei.records import Document, SearchHit
from zhimei.store.search import Kind, SearchEntry, search

__all__ = ["document_entry", "find", "story_entry", "text_entry"]


def text_entry(kind: Kind, ref: int, at: datetime, lang: str, title: str, text: str) -> SearchEntry:
    """The entry of a titled text: the title's words, then the text's."""
    # Documents usually open with their title: index it once.
    tokens, extra = segment(text if not title or text.startswith(title) else f"{title}\n{text}")
    return SearchEntry(
        kind=kind, ref=ref, at=at, lang=lang, title=title or text[:80], tokens=tokens, extra=extra
    )


def document_entry(document_id: int, doc: Document, ingested_at: datetime) -> SearchEntry:
    """A document's entry, dated when it was published (else when it was ingested)."""
    return text_entry("document", document_id, doc.published or ingested_at, doc.lang, doc.title, doc.text)


def story_entry(
    story_id: int,
    at: datetime,
    lang: str,
    title: str,
    keywords: Sequence[dict[str, Any]],
    entities: Sequence[dict[str, Any]],
    titles: Sequence[str] = (),
) -> SearchEntry:
    """A story's entry: its title, its documents' titles (in any language), keywords and named
    entities (the documents' texts are indexed apart)."""
    words = [t for t in titles if t != title]
    words += [str(k.get("text", "")) for k in keywords] + [str(e.get("text", "")) for e in entities]
    return text_entry("story", story_id, at, lang, title, "\n".join(w for w in words if w))


def find(
    engine: Engine,
    query: str,
    *,
    since: datetime | None = None,
    kinds: tuple[Kind, ...] = (),
    limit: int = 20,
) -> list[SearchHit]:
    """Search documents, stories and the archive (see :mod:`zhimei.intake.segment` for the syntax)."""
    parsed = parse_query(query)
    words = query_words(parsed)
    return [
        SearchHit(
            kind=row.kind,
            ref=row.ref,
            title=row.title,
            lang=row.lang if row.lang in ("zh", "en") else "en",  # type: ignore[arg-type]
            at=row.at,
            score=round(row.score, 4),
            snippet=snippet(row.tokens, words),
        )
        for row in search(engine, parsed, since=since, kinds=kinds, limit=limit)
    ]
