"""The archive: the newsroom's past published articles, with headline and summary when known.

One row per content hash, so importing the same folder twice adds nothing; the training stage
builds its datasets from :meth:`ArchiveStore.articles`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, RowMapping, func, select
from sqlalchemy.dialects import postgresql, sqlite

from zhimei.errors import NotFoundError, StorageError
from zhimei.records import ArchiveArticle
from zhimei.store.db import describe
from zhimei.store.intake_schema import ARCHIVE

__all__ = ["ArchiveStore", "insert_article"]


def _article(row: RowMapping) -> ArchiveArticle:
    try:
        return ArchiveArticle.model_validate(dict(row))
    except ValidationError as exc:
        raise StorageError(
            f"archive article {row.get('id')} does not match the current record format: {exc}",
            "upgrade the database with zhimei.store.upgrade(engine)",
        ) from exc


def insert_article(
    conn: Connection,
    *,
    content_hash: str,
    title: str,
    text: str,
    lang: str,
    source_file: str,
    imported_at: datetime,
    headline: str | None = None,
    summary: str | None = None,
    published: datetime | None = None,
    url: str | None = None,
    author: str | None = None,
) -> int | None:
    """Insert an archive article inside the caller's transaction; None if its hash is stored already."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(ARCHIVE)
        .values(
            content_hash=content_hash,
            title=title,
            text=text,
            lang=lang,
            source_file=source_file,
            imported_at=imported_at,
            headline=headline,
            summary=summary,
            published=published,
            url=url,
            author=author,
        )
        .on_conflict_do_nothing()
        .returning(ARCHIVE.c.id)
    )
    new_id = conn.execute(statement).scalar()
    return None if new_id is None else int(new_id)


class ArchiveStore:
    """Repository of :class:`~zhimei.records.ArchiveArticle` rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, article_id: int) -> ArchiveArticle:
        """The archive article with this id; NotFoundError if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(ARCHIVE).where(ARCHIVE.c.id == article_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"no archive article {article_id} in the {describe(self.engine)}")
        return _article(row)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(ARCHIVE)).scalar_one())

    def articles(self, *, lang: str | None = None, batch: int = 500) -> Iterator[ArchiveArticle]:
        """Every archive article in import order (optionally of one language), read in batches."""
        last = 0
        while True:
            query = select(ARCHIVE).where(ARCHIVE.c.id > last).order_by(ARCHIVE.c.id).limit(batch)
            if lang is not None:
                query = query.where(ARCHIVE.c.lang == lang)
            with self.engine.connect() as conn:
                rows = [_article(r) for r in conn.execute(query).mappings()]
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1].id
