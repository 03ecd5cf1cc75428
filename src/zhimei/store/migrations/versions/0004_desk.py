"""The desk: users, drafts with source snapshots and revisions, review, publications, audit log.

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# History is never rewritten: the database refuses UPDATE and DELETE on these, whatever client
# connects (restoring a backup lifts the triggers inside its own transaction, as for generations).
_APPEND_ONLY = (
    "desk_sources",
    "desk_revisions",
    "desk_checks",
    "desk_reviews",
    "desk_acks",
    "desk_comments",
    "desk_assignments",
    "desk_audit",
)
# These rows change (state, role, status) but are never deleted: a spiked draft or an unpublished
# publication stays on record.
_NO_DELETE = ("desk_users", "desk_drafts", "desk_publications")


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True)


def _stamp(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _draft_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["draft_id"], ["desk_drafts.id"], name=f"fk_{table}_draft_id_desk_drafts")


def _tables() -> None:
    op.create_table(
        "desk_users",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        _stamp("created_at"),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_desk_users"),
    )
    op.create_table(
        "desk_drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _stamp("created_at"),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _stamp("updated_at"),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("task_id", sa.String(), nullable=True),
        sa.Column("task_input", _json(), nullable=True),
        sa.Column("params", _json(), nullable=False),
        sa.Column("story_id", sa.String(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("head", sa.Integer(), nullable=False),
        sa.Column("approved_revision", sa.Integer(), nullable=True),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_desk_drafts"),
    )
    op.create_index("ix_desk_drafts_updated_at", "desk_drafts", ["updated_at"])
    op.create_index("ix_desk_drafts_story_id", "desk_drafts", ["story_id"])
    op.create_index("ix_desk_drafts_state", "desk_drafts", ["state"])
    op.create_table(
        "desk_sources",
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("ref", sa.Text(), nullable=True),
        _draft_fk("desk_sources"),
        sa.PrimaryKeyConstraint("draft_id", "position", name="pk_desk_sources"),
    )
    op.create_table(
        "desk_revisions",
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _stamp("created_at"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("generation_id", sa.String(), nullable=True),
        sa.Column("parent", sa.Integer(), nullable=True),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=80), nullable=False),
        sa.Column("spans", _json(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _draft_fk("desk_revisions"),
        sa.ForeignKeyConstraint(
            ["generation_id"], ["generations.id"], name="fk_desk_revisions_generation_id_generations"
        ),
        sa.PrimaryKeyConstraint("draft_id", "number", name="pk_desk_revisions"),
    )
    op.create_index("ix_desk_revisions_generation_id", "desk_revisions", ["generation_id"])
    op.create_table(
        "desk_checks",
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        _stamp("created_at"),
        sa.Column("verification", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id", "revision"],
            ["desk_revisions.draft_id", "desk_revisions.number"],
            name="fk_desk_checks_revision",
        ),
        sa.PrimaryKeyConstraint("draft_id", "revision", name="pk_desk_checks"),
    )
    op.create_table(
        "desk_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        _stamp("created_at"),
        sa.Column("reason", sa.Text(), nullable=True),
        _draft_fk("desk_reviews"),
        sa.PrimaryKeyConstraint("id", name="pk_desk_reviews"),
    )
    op.create_index("ix_desk_reviews_draft_id", "desk_reviews", ["draft_id"])
    op.create_table(
        "desk_acks",
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        _stamp("created_at"),
        sa.Column("note", sa.Text(), nullable=True),
        _draft_fk("desk_acks"),
        sa.PrimaryKeyConstraint("draft_id", "flag_id", name="pk_desk_acks"),
    )
    op.create_table(
        "desk_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=64), nullable=False),
        _stamp("created_at"),
        sa.Column("text", sa.Text(), nullable=False),
        _draft_fk("desk_comments"),
        sa.PrimaryKeyConstraint("id", name="pk_desk_comments"),
    )
    op.create_index("ix_desk_comments_draft_id", "desk_comments", ["draft_id"])
    op.create_table(
        "desk_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        _stamp("created_at"),
        _draft_fk("desk_assignments"),
        sa.PrimaryKeyConstraint("id", name="pk_desk_assignments"),
    )
    op.create_index("ix_desk_assignments_draft_id", "desk_assignments", ["draft_id"])
    op.create_table(
        "desk_publications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("pub_key", sa.String(length=80), nullable=False),
        sa.Column("live_key", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        _stamp("created_at"),
        _stamp("scheduled_at", nullable=True),
        _stamp("published_at", nullable=True),
        _stamp("unpublished_at", nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("label", _json(), nullable=True),
        sa.Column("correction", sa.Text(), nullable=True),
        _draft_fk("desk_publications"),
        sa.PrimaryKeyConstraint("id", name="pk_desk_publications"),
        sa.UniqueConstraint("live_key", name="uq_desk_publications_live_key"),
    )
    op.create_index("ix_desk_publications_draft_id", "desk_publications", ["draft_id"])
    op.create_index("ix_desk_publications_pub_key", "desk_publications", ["pub_key"])
    op.create_index("ix_desk_publications_status", "desk_publications", ["status"])
    op.create_index("ix_desk_publications_scheduled_at", "desk_publications", ["scheduled_at"])
    op.create_table(
        "desk_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _stamp("created_at"),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("detail", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_desk_audit"),
    )
    op.create_index("ix_desk_audit_created_at", "desk_audit", ["created_at"])
    op.create_index("ix_desk_audit_actor", "desk_audit", ["actor"])
    op.create_index("ix_desk_audit_draft_id", "desk_audit", ["draft_id"])


def _sqlite_triggers() -> list[str]:
    out = []
    for table in _APPEND_ONLY:
        out.append(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows cannot be updated'); END"
        )
    for table in _APPEND_ONLY + _NO_DELETE:
        out.append(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} keeps its history: rows cannot be deleted'); END"
        )
    return out


def _postgres_triggers() -> list[str]:
    # zhimei_reject_change() comes from revision 0001; redefined identically so this stands alone.
    out = [
        """
        CREATE OR REPLACE FUNCTION zhimei_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
        END
        $$
        """
    ]
    for table in _APPEND_ONLY:
        out.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION zhimei_reject_change()"
        )
    for table in _NO_DELETE:
        out.append(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION zhimei_reject_change()"
        )
    for table in _APPEND_ONLY + _NO_DELETE:
        out.append(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION zhimei_reject_change()"
        )
    return out


def upgrade() -> None:
    _tables()
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = _sqlite_triggers()
    elif dialect == "postgresql":
        statements = _postgres_triggers()
    else:
        raise NotImplementedError(f"no append-only trigger for {dialect}")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    for table in (
        "desk_audit",
        "desk_publications",
        "desk_assignments",
        "desk_comments",
        "desk_acks",
        "desk_reviews",
        "desk_checks",
        "desk_revisions",
        "desk_sources",
        "desk_drafts",
        "desk_users",
    ):
        op.drop_table(table)  # drops its triggers too
