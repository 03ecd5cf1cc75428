"""Stories: their documents, representative and tags, and the auto-drafts written for them.

Write functions take a ``Connection`` and run inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, RowMapping, func, select, update

from zhimei.errors import NotFoundError, StorageError
from zhimei.records import CheckResult, StoredStory, StoryDocument, StoryDraft
from zhimei.store.db import describe
from zhimei.store.documents import duplicates_of
from zhimei.store.intake_schema import (
    DOCUMENT_VECTORS,
    DOCUMENTS,
    STORIES,
    STORY_DOCUMENTS,
    STORY_GENERATIONS,
)
from zhimei.store.schema import GENERATIONS

__all__ = [
    "Member",
    "StoryTags",
    "add_member",
    "create_story",
    "draft_generation",
    "find_generation",
    "get_story",
    "has_table",
    "link_generation",
    "list_stories",
    "members",
    "story_of",
    "story_tags",
    "update_story",
]


@dataclass(frozen=True)
class Member:
    """A story member as the representative rule needs it."""

    document_id: int
    content_hash: str
    title: str
    published: datetime | None
    length: int
    lang: str
    vector: bytes | None


@dataclass(frozen=True)
class StoryTags:
    """What a story shows of its representative document."""

    title: str
    topics: list[Any]
    keywords: list[Any]
    entities: list[Any]


def create_story(
    conn: Connection, key: str, document_id: int, lang: str, tags: StoryTags, at: datetime
) -> int:
    """Start a story with one document; returns the story's id."""
    story_id = conn.execute(
        STORIES.insert()
        .values(
            key=key,
            created_at=at,
            updated_at=at,
            title=tags.title,
            representative_id=document_id,
            size=1,
            langs=[lang],
            topic=tags.topics[0]["label"] if tags.topics else None,
            topics=tags.topics,
            keywords=tags.keywords,
            entities=tags.entities,
        )
        .returning(STORIES.c.id)
    ).scalar_one()
    conn.execute(
        STORY_DOCUMENTS.insert().values(
            story_id=story_id, document_id=document_id, position=0, joined_at=at, similarity=1.0
        )
    )
    return int(story_id)


def add_member(conn: Connection, story_id: int, document_id: int, similarity: float, at: datetime) -> None:
    """Add a document to a story (the story's size grows; its representative is updated apart)."""
    size = conn.execute(select(STORIES.c.size).where(STORIES.c.id == story_id)).scalar_one()
    conn.execute(
        STORY_DOCUMENTS.insert().values(
            story_id=story_id, document_id=document_id, position=size, joined_at=at, similarity=similarity
        )
    )
    conn.execute(update(STORIES).where(STORIES.c.id == story_id).values(size=size + 1, updated_at=at))


def members(conn: Connection, story_id: int) -> list[Member]:
    """A story's documents in the order they joined, with their embeddings."""
    d, m, v = DOCUMENTS, STORY_DOCUMENTS, DOCUMENT_VECTORS
    query = (
        select(
            d.c.id,
            d.c.content_hash,
            d.c.title,
            d.c.published,
            (func.length(d.c.title) + func.length(d.c.text)).label("length"),
            d.c.lang,
            v.c.vector,
        )
        .select_from(m.join(d, d.c.id == m.c.document_id).outerjoin(v, v.c.document_id == d.c.id))
        .where(m.c.story_id == story_id)
        .order_by(m.c.position)
    )
    return [Member(*row) for row in conn.execute(query)]


def update_story(
    conn: Connection, story_id: int, *, representative_id: int, langs: list[str], tags: StoryTags
) -> None:
    """Set a story's representative, languages and the tags shown for it."""
    conn.execute(
        update(STORIES)
        .where(STORIES.c.id == story_id)
        .values(
            representative_id=representative_id,
            langs=langs,
            title=tags.title,
            topic=tags.topics[0]["label"] if tags.topics else None,
            topics=tags.topics,
            keywords=tags.keywords,
            entities=tags.entities,
        )
    )


def story_tags(conn: Connection, document_id: int) -> tuple[StoryTags, str]:
    """What a story shows when this document represents it, and the document's language."""
    d = DOCUMENTS
    row = conn.execute(
        select(
            d.c.title, func.substr(d.c.text, 1, 80), d.c.lang, d.c.topics, d.c.keywords, d.c.entities
        ).where(d.c.id == document_id)
    ).one()
    title, lead, lang, topics, keywords, entities = row
    return StoryTags(
        title=title or lead, topics=topics or [], keywords=keywords or [], entities=entities or []
    ), lang


def story_of(conn: Connection, document_id: int) -> int | None:
    """The id of the story a document is in, or None."""
    query = select(STORY_DOCUMENTS.c.story_id).where(STORY_DOCUMENTS.c.document_id == document_id)
    found = conn.execute(query).scalar()
    return None if found is None else int(found)


def _story(row: RowMapping, **parts: Any) -> StoredStory:
    data = {name: row[name] for name in ("id", "key", "title", "created_at", "updated_at", "size", "langs")}
    data.update(
        representative=row["representative_id"],
        topic=row["topic"],
        topics=row["topics"] or [],
        keywords=row["keywords"] or [],
        entities=row["entities"] or [],
        **parts,
    )
    try:
        return StoredStory.model_validate(data)
    except ValidationError as exc:
        raise StorageError(
            f"stored story {row['id']} does not match the current record format: {exc}",
            "upgrade the database with zhimei.store.upgrade(engine)",
        ) from exc


def list_stories(
    engine: Engine, *, since: datetime | None = None, topic: str | None = None, limit: int = 50
) -> list[StoredStory]:
    """Stories changed at or after ``since`` (optionally of one topic), most recently changed first."""
    query = select(STORIES).order_by(STORIES.c.updated_at.desc(), STORIES.c.id.desc()).limit(limit)
    if since is not None:
        query = query.where(STORIES.c.updated_at >= since)
    if topic is not None:
        query = query.where(STORIES.c.topic == topic)
    with engine.connect() as conn:
        return [_story(row) for row in conn.execute(query).mappings()]


def _documents(conn: Connection, story_id: int, representative: int | None) -> list[StoryDocument]:
    d, m = DOCUMENTS, STORY_DOCUMENTS
    query = (
        select(
            d.c.id, d.c.title, d.c.source, d.c.lang, d.c.url, d.c.published, d.c.ingested_at, m.c.similarity
        )
        .select_from(m.join(d, d.c.id == m.c.document_id))
        .where(m.c.story_id == story_id)
        .order_by(m.c.position)
    )
    return [
        StoryDocument(**dict(row._mapping), representative=row.id == representative)
        for row in conn.execute(query)
    ]


def _drafts(conn: Connection, story_id: int) -> list[StoryDraft]:
    s, g = STORY_GENERATIONS, GENERATIONS
    query = (
        select(
            s.c.task, s.c.generation_id, s.c.draft_id, s.c.created_at, s.c.flags, g.c.output, g.c.checks_final
        )
        .select_from(s.join(g, g.c.id == s.c.generation_id))
        .where(s.c.story_id == story_id)
        .order_by(s.c.created_at, s.c.task)
    )
    out = []
    for task, gen_id, draft_id, created, flags, output, checks in conn.execute(query):
        final = [CheckResult.model_validate(c) for c in checks or []]
        own = [CheckResult.model_validate(f) for f in flags or []]
        out.append(
            StoryDraft(
                task=task,
                generation_id=gen_id,
                draft_id=draft_id,
                created_at=created,
                text=(output or {}).get("text"),
                passed=output is not None and all(c.passed for c in [*final, *own]),
                flags=tuple(own),
            )
        )
    return out


def get_story(engine: Engine, ref: int | str) -> StoredStory:
    """A story with its documents, near-duplicate links and drafts, by id or key."""
    column = STORIES.c.key if isinstance(ref, str) else STORIES.c.id
    with engine.connect() as conn:
        row = conn.execute(select(STORIES).where(column == ref)).mappings().first()
        if row is None:
            raise NotFoundError(
                f"no story {ref!r} in the {describe(engine)}", "list them: zhimei stories list"
            )
        docs = _documents(conn, row["id"], row["representative_id"])
        links = duplicates_of(conn, [d.id for d in docs])
        drafts = _drafts(conn, row["id"])
    return _story(row, documents=tuple(docs), duplicates=tuple(links), drafts=tuple(drafts))


def draft_generation(conn: Connection, story_id: int, task: str) -> str | None:
    """The generation id of a story's auto-draft for ``task``, if it has one."""
    query = select(STORY_GENERATIONS.c.generation_id).where(
        STORY_GENERATIONS.c.story_id == story_id, STORY_GENERATIONS.c.task == task
    )
    found = conn.execute(query).scalar()
    return None if found is None else str(found)


def link_generation(
    conn: Connection,
    story_id: int,
    task: str,
    generation_id: str,
    flags: list[dict[str, Any]],
    at: datetime,
    draft_id: int | None = None,
) -> bool:
    """Record a generation (and the desk draft made from it) as the story's auto-draft for
    ``task``; False if the story has one already."""
    if draft_generation(conn, story_id, task) is not None:
        return False
    conn.execute(
        STORY_GENERATIONS.insert().values(
            story_id=story_id,
            task=task,
            generation_id=generation_id,
            draft_id=draft_id,
            flags=flags,
            created_at=at,
        )
    )
    return True


def has_table(engine: Engine, name: str) -> bool:
    """Whether the database has a table ``name`` (a stage whose migration this zhimei lacks has none)."""
    from sqlalchemy import inspect

    return bool(inspect(engine).has_table(name))


def find_generation(engine: Engine, task_id: str, input_hash: str) -> str | None:
    """The newest logged generation of ``task_id`` for an input with this hash (a draft an earlier,
    interrupted attempt already wrote), or None."""
    query = (
        select(GENERATIONS.c.id)
        .where(GENERATIONS.c.task_id == task_id, GENERATIONS.c.input_hash == input_hash)
        .order_by(GENERATIONS.c.created_at.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        found = conn.execute(query).scalar()
    return None if found is None else str(found)
