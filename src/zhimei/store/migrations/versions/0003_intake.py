"""Intake: sources, documents and embeddings, stories, near-duplicates, archive, jobs, search.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# SQLite: an FTS5 index over search_entries (external content), kept in step by triggers, so every
# insert, update and delete of an entry (a restore's too) updates the index in the same transaction.
_SQLITE_SEARCH = [
    """
    CREATE VIRTUAL TABLE search_fts USING fts5(
        tokens, extra, content='search_entries', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER search_entries_fts_insert AFTER INSERT ON search_entries BEGIN
        INSERT INTO search_fts(rowid, tokens, extra) VALUES (new.id, new.tokens, new.extra);
    END
    """,
    """
    CREATE TRIGGER search_entries_fts_delete AFTER DELETE ON search_entries BEGIN
        INSERT INTO search_fts(search_fts, rowid, tokens, extra)
        VALUES ('delete', old.id, old.tokens, old.extra);
    END
    """,
    """
    CREATE TRIGGER search_entries_fts_update AFTER UPDATE ON search_entries BEGIN
        INSERT INTO search_fts(search_fts, rowid, tokens, extra)
        VALUES ('delete', old.id, old.tokens, old.extra);
        INSERT INTO search_fts(rowid, tokens, extra) VALUES (new.id, new.tokens, new.extra);
    END
    """,
]

_POSTGRES_SEARCH = [
    """
    CREATE INDEX ix_search_entries_tsv ON search_entries
    USING gin (to_tsvector('simple'::regconfig, tokens || ' ' || extra))
    """,
]


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True)


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("every", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        _time("created_at"),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        _time("last_run_at", True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_kind", sa.String(length=64), nullable=True),
        sa.Column("last_counts", _json(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.UniqueConstraint("name", name="uq_sources_name"),
        sa.UniqueConstraint("kind", "location", name="uq_sources_kind_location"),
    )
    op.create_table(
        "folder_files",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("documents", sa.Integer(), nullable=False),
        _time("seen_at"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_folder_files_source_id_sources", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("source_id", "path", name="pk_folder_files"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("locator", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("canonical_url", sa.Text(), nullable=True),
        _time("published", True),
        sa.Column("author", sa.Text(), nullable=True),
        _time("ingested_at"),
        _time("revised_at", True),
        sa.Column("topics", _json(), nullable=True),
        sa.Column("keywords", _json(), nullable=True),
        sa.Column("entities", _json(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_documents_source_id_sources", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("content_hash", name="uq_documents_content_hash"),
        sa.UniqueConstraint("source_id", "locator", name="uq_documents_source_locator"),
    )
    op.create_index("ix_documents_source_id", "documents", ["source_id"])
    op.create_index("ix_documents_published", "documents", ["published"])
    op.create_index("ix_documents_ingested_at", "documents", ["ingested_at"])
    op.create_table(
        "document_vectors",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_document_vectors_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name="pk_document_vectors"),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("representative_id", sa.Integer(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("langs", _json(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("topics", _json(), nullable=False),
        sa.Column("keywords", _json(), nullable=False),
        sa.Column("entities", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["representative_id"],
            ["documents.id"],
            name="fk_stories_representative_id_documents",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_stories"),
        sa.UniqueConstraint("key", name="uq_stories_key"),
    )
    op.create_index("ix_stories_created_at", "stories", ["created_at"])
    op.create_index("ix_stories_updated_at", "stories", ["updated_at"])
    op.create_index("ix_stories_topic", "stories", ["topic"])
    op.create_table(
        "story_documents",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _time("joined_at"),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name="fk_story_documents_story_id_stories", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_story_documents_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", "document_id", name="pk_story_documents"),
        sa.UniqueConstraint("document_id", name="uq_story_documents_document_id"),
    )
    op.create_table(
        "near_duplicates",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_near_duplicates_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["documents.id"],
            name="fk_near_duplicates_duplicate_of_documents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "duplicate_of", name="pk_near_duplicates"),
    )
    op.create_index("ix_near_duplicates_duplicate_of", "near_duplicates", ["duplicate_of"])
    op.create_table(
        "story_generations",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=32), nullable=False),
        sa.Column("generation_id", sa.String(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        _time("created_at"),
        sa.Column("flags", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name="fk_story_generations_story_id_stories", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["generation_id"], ["generations.id"], name="fk_story_generations_generation_id_generations"
        ),
        sa.PrimaryKeyConstraint("story_id", "task", name="pk_story_generations"),
    )
    op.create_index("ix_story_generations_generation_id", "story_generations", ["generation_id"])
    op.create_table(
        "archive_articles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        _time("published", True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("source_file", sa.Text(), nullable=False),
        _time("imported_at"),
        sa.PrimaryKeyConstraint("id", name="pk_archive_articles"),
        sa.UniqueConstraint("content_hash", name="uq_archive_articles_content_hash"),
    )
    op.create_index("ix_archive_articles_published", "archive_articles", ["published"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        _time("run_after"),
        _time("started_at", True),
        _time("finished_at", True),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        _time("lease_expires", True),
        _time("heartbeat_at", True),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", _json(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.UniqueConstraint("key", name="uq_jobs_key"),
    )
    op.create_index("ix_jobs_kind", "jobs", ["kind"])
    op.create_index("ix_jobs_state_run_after", "jobs", ["state", "run_after"])
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        _time("at"),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_search_entries"),
        sa.UniqueConstraint("kind", "ref", name="uq_search_entries_kind_ref"),
    )
    op.create_index("ix_search_entries_at", "search_entries", ["at"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = _SQLITE_SEARCH
    elif dialect == "postgresql":
        statements = _POSTGRES_SEARCH
    else:
        raise NotImplementedError(f"no full-text search for {dialect}")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")  # its triggers go with search_entries
    for table in (
        "search_entries",
        "jobs",
        "archive_articles",
        "story_generations",
        "near_duplicates",
        "story_documents",
        "stories",
        "document_vectors",
        "documents",
        "folder_files",
        "sources",
    ):
        op.drop_table(table)
