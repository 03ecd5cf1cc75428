"""The intake's tables: sources, documents and their embeddings, stories, near-duplicates, the
archive, jobs, auto-drafts of stories and the full-text search entries (migration 0003).

Text search: ``search_entries`` holds, per document, story and archive article, its text cut into
words (jieba for Chinese) and joined by spaces. SQLite indexes it with the FTS5 table
``search_fts`` (external content, kept in step by triggers); PostgreSQL with a GIN index on
``to_tsvector('simple', …)``. Both are built by the migration; see :mod:`zhimei.store.search`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhimei.store.schema import Base, UTCDateTime, json_column

__all__ = [
    "ARCHIVE",
    "DOCUMENTS",
    "DOCUMENT_VECTORS",
    "FOLDER_FILES",
    "JOBS",
    "NEAR_DUPLICATES",
    "SEARCH_ENTRIES",
    "SOURCES",
    "STORIES",
    "STORY_DOCUMENTS",
    "STORY_GENERATIONS",
    "search_vector",
]


class SourceRow(Base):
    """A feed, a web page or a watched folder; ``every`` is its polling interval in seconds."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(Text)
    every: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    etag: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_modified: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_kind: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_counts: Mapped[dict[str, Any] | None] = mapped_column(json_column(), nullable=True)
    failures: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("kind", "location", name="uq_sources_kind_location"),)


class FolderFileRow(Base):
    """A file seen in a folder source: its size and mtime when read, so unchanged files are skipped."""

    __tablename__ = "folder_files"

    source_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    path: Mapped[str] = mapped_column(Text, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    documents: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DocumentRow(Base):
    """A stored :class:`~zhimei.records.Document`. ``content_hash`` makes a re-ingested item one row;
    ``locator`` (canonical URL, URL or file path) is unique per source, so a revised article
    replaces its earlier text instead of becoming a second document."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("sources.id", ondelete="SET NULL"), nullable=True, index=True
    )
    source: Mapped[str] = mapped_column(Text)
    locator: Mapped[str | None] = mapped_column(Text, nullable=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    canonical_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    author: Mapped[str | None] = mapped_column(Text, nullable=True)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    topics: Mapped[list[Any] | None] = mapped_column(json_column(), nullable=True)
    keywords: Mapped[list[Any] | None] = mapped_column(json_column(), nullable=True)
    entities: Mapped[list[Any] | None] = mapped_column(json_column(), nullable=True)

    __table_args__ = (UniqueConstraint("source_id", "locator", name="uq_documents_source_locator"),)


class DocumentVectorRow(Base):
    """A document's sentence embedding: L2-normalised float32, little-endian, ``dim`` values."""

    __tablename__ = "document_vectors"

    document_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(200))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class StoryRow(Base):
    """Documents about one event. ``key`` is the stable id of the clustering (``story-…``); tags are
    the representative document's."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    title: Mapped[str] = mapped_column(Text)
    representative_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("documents.id", ondelete="SET NULL"), nullable=True
    )
    size: Mapped[int] = mapped_column(Integer)
    langs: Mapped[list[str]] = mapped_column(json_column())
    topic: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    topics: Mapped[list[Any]] = mapped_column(json_column())
    keywords: Mapped[list[Any]] = mapped_column(json_column())
    entities: Mapped[list[Any]] = mapped_column(json_column())


class StoryDocumentRow(Base):
    """Membership: each document is in at most one story; ``similarity`` is its cosine to the
    story's centroid when it joined (1.0 for the first)."""

    __tablename__ = "story_documents"

    story_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, unique=True
    )
    position: Mapped[int] = mapped_column(Integer)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    similarity: Mapped[float] = mapped_column(Float)


class NearDuplicateRow(Base):
    """``document_id`` nearly repeats the earlier ``duplicate_of`` (estimated Jaccard similarity)."""

    __tablename__ = "near_duplicates"

    document_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    duplicate_of: Mapped[int] = mapped_column(
        Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    similarity: Mapped[float] = mapped_column(Float)


class StoryGenerationRow(Base):
    """An auto-draft of a story: one generation per story and task, the desk draft made from it
    (when the desk is there), and the intake's own flags."""

    __tablename__ = "story_generations"

    story_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    task: Mapped[str] = mapped_column(String(32), primary_key=True)
    generation_id: Mapped[str] = mapped_column(String, ForeignKey("generations.id"), index=True)
    draft_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    flags: Mapped[list[Any]] = mapped_column(json_column())


class ArchiveRow(Base):
    """A past published article of the newsroom (with its headline and summary when known)."""

    __tablename__ = "archive_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    headline: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    lang: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    author: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_file: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobRow(Base):
    """A unit of long work. ``key`` makes enqueueing idempotent; a running job holds a lease that its
    worker's heartbeat extends, so a job whose worker died is taken over when the lease expires."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(json_column())
    state: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    progress_done: Mapped[int] = mapped_column(Integer)
    progress_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    cancel_requested: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(json_column(), nullable=True)

    __table_args__ = (Index("ix_jobs_state_run_after", "state", "run_after"),)


class SearchEntryRow(Base):
    """One searchable thing: ``kind`` document, story or archive, ``ref`` its id. ``tokens`` is its
    text cut into words and joined by spaces; ``extra`` the shorter words inside long ones (so
    "共和国" finds "中华人民共和国"); ``at`` is when it was published (else ingested)."""

    __tablename__ = "search_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lang: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    tokens: Mapped[str] = mapped_column(Text)
    extra: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("kind", "ref", name="uq_search_entries_kind_ref"),)


SOURCES: Table = SourceRow.__table__  # type: ignore[assignment]
FOLDER_FILES: Table = FolderFileRow.__table__  # type: ignore[assignment]
DOCUMENTS: Table = DocumentRow.__table__  # type: ignore[assignment]
DOCUMENT_VECTORS: Table = DocumentVectorRow.__table__  # type: ignore[assignment]
STORIES: Table = StoryRow.__table__  # type: ignore[assignment]
STORY_DOCUMENTS: Table = StoryDocumentRow.__table__  # type: ignore[assignment]
NEAR_DUPLICATES: Table = NearDuplicateRow.__table__  # type: ignore[assignment]
STORY_GENERATIONS: Table = StoryGenerationRow.__table__  # type: ignore[assignment]
ARCHIVE: Table = ArchiveRow.__table__  # type: ignore[assignment]
JOBS: Table = JobRow.__table__  # type: ignore[assignment]
SEARCH_ENTRIES: Table = SearchEntryRow.__table__  # type: ignore[assignment]


def search_vector() -> Any:
    """The PostgreSQL text-search vector of a search entry: exactly the expression its GIN index is on."""
    column = SEARCH_ENTRIES.c
    return func.to_tsvector(
        literal_column("'simple'::regconfig"), column.tokens + literal_column("' '") + column.extra
    )


# PostgreSQL only (SQLite searches through the FTS5 table the migration creates). Written as the
# server prints it back, so that comparing the schema with this module finds no difference.
Index(
    "ix_search_entries_tsv",
    text("to_tsvector('simple'::regconfig, (tokens || ' '::text) || extra)"),
    postgresql_using="gin",
    _table=SEARCH_ENTRIES,
).ddl_if(dialect="postgresql")
