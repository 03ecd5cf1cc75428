"""Documents: stored once per content hash, their embeddings, tags and near-duplicate links.

Functions taking a ``Connection`` run inside the caller's transaction, so the ingest of one item
(document, embedding, story membership, search entry, draft jobs) commits as one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, Select, select, update
from sqlalchemy.dialects import postgresql, sqlite

from zhimei.errors import NotFoundError
from zhimei.records import Document, DocumentTags, DuplicateLink
from zhimei.store.db import describe
from zhimei.store.intake_schema import (
    DOCUMENT_VECTORS,
    DOCUMENTS,
    NEAR_DUPLICATES,
    STORY_DOCUMENTS,
)

__all__ = [
    "IndexedDocument",
    "StoredDocument",
    "document_ids",
    "duplicates_of",
    "get_document",
    "indexed_documents",
    "insert_document",
    "link_duplicates",
    "locator_hashes",
    "max_document_id",
    "revise_document",
    "set_tags",
    "set_vector",
]


@dataclass(frozen=True)
class StoredDocument:
    """A document row: the record, its id, its source id and when it was ingested."""

    id: int
    source_id: int | None
    locator: str | None
    ingested_at: datetime
    document: Document


@dataclass(frozen=True)
class IndexedDocument:
    """What the in-memory near-duplicate and story indexes need of a stored document."""

    id: int
    content_hash: str
    title: str
    text: str
    lang: str
    published: datetime | None
    story_id: int | None
    vector: bytes | None
    dim: int | None


def _insert(conn: Connection) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(DOCUMENTS)


def insert_document(
    conn: Connection, doc: Document, *, source_id: int | None, locator: str | None, at: datetime
) -> int | None:
    """Insert ``doc`` and return its new id; None (and nothing written) if its content hash, or its
    locator within the source, is already stored."""
    row = {
        **doc.model_dump(),
        "source_id": source_id,
        "locator": locator,
        "ingested_at": at,
    }
    statement = _insert(conn).values(**row).on_conflict_do_nothing().returning(DOCUMENTS.c.id)
    new_id = conn.execute(statement).scalar()
    return None if new_id is None else int(new_id)


def revise_document(conn: Connection, document_id: int, doc: Document, at: datetime) -> None:
    """Replace a stored document's text and metadata with a revised version of it."""
    values = doc.model_dump(exclude={"source"})
    conn.execute(update(DOCUMENTS).where(DOCUMENTS.c.id == document_id).values(**values, revised_at=at))


def document_ids(conn: Connection, hashes: Iterable[str]) -> dict[str, int]:
    """The ids of the stored documents among ``hashes``."""
    wanted = list(dict.fromkeys(hashes))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(DOCUMENTS.c.content_hash, DOCUMENTS.c.id).where(DOCUMENTS.c.content_hash.in_(chunk))
        found.update({h: int(i) for h, i in conn.execute(query)})
    return found


def locator_hashes(conn: Connection, source_id: int, locators: Iterable[str]) -> dict[str, tuple[int, str]]:
    """For each stored locator of the source among ``locators``: (document id, content hash)."""
    wanted = list(dict.fromkeys(locators))
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(wanted), 500):
        query = select(DOCUMENTS.c.locator, DOCUMENTS.c.id, DOCUMENTS.c.content_hash).where(
            DOCUMENTS.c.source_id == source_id, DOCUMENTS.c.locator.in_(wanted[start : start + 500])
        )
        found.update({loc: (int(i), h) for loc, i, h in conn.execute(query)})
    return found


def set_vector(conn: Connection, document_id: int, model: str, dim: int, vector: bytes) -> None:
    """Store a document's embedding (little-endian float32, ``dim`` values)."""
    if len(vector) != 4 * dim:
        raise ValueError(f"an embedding of {dim} float32 values has {4 * dim} bytes, not {len(vector)}")
    conn.execute(
        DOCUMENT_VECTORS.insert().values(document_id=document_id, model=model, dim=dim, vector=vector)
    )


def set_tags(conn: Connection, document_id: int, tags: DocumentTags) -> None:
    """Store a document's topics, keywords and entities."""
    data = tags.model_dump(mode="json")
    conn.execute(
        update(DOCUMENTS)
        .where(DOCUMENTS.c.id == document_id)
        .values(topics=data["topics"], keywords=data["keywords"], entities=data["entities"])
    )


def link_duplicates(conn: Connection, document_id: int, links: Sequence[tuple[int, float]]) -> None:
    """Record that ``document_id`` nearly repeats each (earlier document id, similarity)."""
    rows = [
        {"document_id": document_id, "duplicate_of": other, "similarity": similarity}
        for other, similarity in links
        if other != document_id
    ]
    if rows:
        conn.execute(NEAR_DUPLICATES.insert(), rows)


def duplicates_of(conn: Connection, document_ids: Sequence[int]) -> list[DuplicateLink]:
    """Near-duplicate links touching any of ``document_ids``, most similar first."""
    if not document_ids:
        return []
    t = NEAR_DUPLICATES
    query = (
        select(t.c.document_id, t.c.duplicate_of, t.c.similarity)
        .where(t.c.document_id.in_(document_ids) | t.c.duplicate_of.in_(document_ids))
        .order_by(t.c.similarity.desc(), t.c.document_id)
    )
    return [DuplicateLink(document=a, duplicate_of=b, similarity=s) for a, b, s in conn.execute(query)]


def _stored(row: RowMapping) -> StoredDocument:
    fields = {name: row[name] for name in Document.model_fields}
    return StoredDocument(
        id=row["id"],
        source_id=row["source_id"],
        locator=row["locator"],
        ingested_at=row["ingested_at"],
        document=Document.model_validate(fields),
    )


def get_document(engine: Engine, document_id: int) -> StoredDocument:
    """The stored document with this id; NotFoundError if there is none."""
    with engine.connect() as conn:
        row = conn.execute(select(DOCUMENTS).where(DOCUMENTS.c.id == document_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no document {document_id} in the {describe(engine)}", "search for it")
    return _stored(row)


def max_document_id(engine: Engine) -> int:
    """The highest document id so far (0 for none)."""
    from sqlalchemy import func

    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(DOCUMENTS.c.id), 0))).scalar_one())


def _index_query(after_id: int, since: datetime | None) -> Select[Any]:
    d, v, m = DOCUMENTS, DOCUMENT_VECTORS, STORY_DOCUMENTS
    query = (
        select(
            d.c.id,
            d.c.content_hash,
            d.c.title,
            d.c.text,
            d.c.lang,
            d.c.published,
            m.c.story_id,
            v.c.vector,
            v.c.dim,
        )
        .select_from(d.outerjoin(v, v.c.document_id == d.c.id).outerjoin(m, m.c.document_id == d.c.id))
        .where(d.c.id > after_id)
        .order_by(d.c.id)
    )
    return query.where(d.c.ingested_at >= since) if since is not None else query


def indexed_documents(
    engine: Engine, *, after_id: int = 0, since: datetime | None = None, batch: int = 500
) -> Iterator[IndexedDocument]:
    """Documents with id above ``after_id`` (ingested at or after ``since``), oldest first, with
    their story and embedding: what rebuilds the in-memory indexes after a restart."""
    last = after_id
    while True:
        with engine.connect() as conn:
            rows = conn.execute(_index_query(last, since).limit(batch)).all()
        for r in rows:
            yield IndexedDocument(
                r.id, r.content_hash, r.title, r.text, r.lang, r.published, r.story_id, r.vector, r.dim
            )
        if len(rows) < batch:
            return
        last = rows[-1].id
