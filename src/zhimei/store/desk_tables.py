"""The desk's tables: users, drafts with their sources and revisions, review, publications, audit.

Append-only (the database refuses UPDATE and DELETE, see migration 0004): sources, revisions,
checks, reviews, acks, comments, assignments and the audit log. Users (their role), drafts (state,
head, assignee) and publications (status) change, and every change is an audit event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhimei.store.schema import Base, UTCDateTime, json_column

__all__ = [
    "APPEND_ONLY_TABLES",
    "DESK_ACKS",
    "DESK_ASSIGNMENTS",
    "DESK_AUDIT",
    "DESK_CHECKS",
    "DESK_COMMENTS",
    "DESK_DRAFTS",
    "DESK_PUBLICATIONS",
    "DESK_REVIEWS",
    "DESK_REVISIONS",
    "DESK_SOURCES",
    "DESK_USERS",
]


class DeskUserRow(Base):
    __tablename__ = "desk_users"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class DeskDraftRow(Base):
    __tablename__ = "desk_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    title: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    task_id: Mapped[str | None] = mapped_column(String, nullable=True)
    task_input: Mapped[dict[str, Any] | None] = mapped_column(json_column(), nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(json_column())
    # A story of the intake, by id; no foreign key, so drafts do not depend on the intake tables.
    story_id: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    head: Mapped[int] = mapped_column(Integer)
    approved_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer)


def _draft_fk() -> Any:
    return ForeignKey("desk_drafts.id")


class DeskSourceRow(Base):
    __tablename__ = "desk_sources"

    draft_id: Mapped[int] = mapped_column(Integer, _draft_fk(), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    ref: Mapped[str | None] = mapped_column(Text, nullable=True)


class DeskRevisionRow(Base):
    __tablename__ = "desk_revisions"

    draft_id: Mapped[int] = mapped_column(Integer, _draft_fk(), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(64))
    generation_id: Mapped[str | None] = mapped_column(
        String, ForeignKey("generations.id"), nullable=True, index=True
    )
    parent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    restored_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    diff: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(80))
    spans: Mapped[list[dict[str, Any]]] = mapped_column(json_column())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class DeskCheckRow(Base):
    __tablename__ = "desk_checks"
    __table_args__ = (
        ForeignKeyConstraint(
            ["draft_id", "revision"],
            ["desk_revisions.draft_id", "desk_revisions.number"],
            name="fk_desk_checks_revision",
        ),
    )

    draft_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verification: Mapped[dict[str, Any]] = mapped_column(json_column())


class DeskReviewRow(Base):
    __tablename__ = "desk_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(Integer, _draft_fk(), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class DeskAckRow(Base):
    __tablename__ = "desk_acks"

    draft_id: Mapped[int] = mapped_column(Integer, _draft_fk(), primary_key=True)
    flag_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class DeskCommentRow(Base):
    __tablename__ = "desk_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(Integer, _draft_fk(), index=True)
    revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)


class DeskAssignmentRow(Base):
    __tablename__ = "desk_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(Integer, _draft_fk(), index=True)
    assignee: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeskPublicationRow(Base):
    __tablename__ = "desk_publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(Integer, _draft_fk(), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(Text)
    pub_key: Mapped[str] = mapped_column(String(80), index=True)
    # pub_key while scheduled or published, NULL otherwise: one live publication per key.
    live_key: Mapped[str | None] = mapped_column(String(80), nullable=True, unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unpublished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    location: Mapped[str | None] = mapped_column(Text, nullable=True)
    label: Mapped[dict[str, Any] | None] = mapped_column(json_column(), nullable=True)
    correction: Mapped[str | None] = mapped_column(Text, nullable=True)


class DeskAuditRow(Base):
    __tablename__ = "desk_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32))
    # No foreign key: the audit log outlives anything it mentions and also records user changes.
    draft_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(json_column())


def _table(row: type[Base]) -> Table:
    table = row.__table__
    assert isinstance(table, Table)
    return table


DESK_USERS = _table(DeskUserRow)
DESK_DRAFTS = _table(DeskDraftRow)
DESK_SOURCES = _table(DeskSourceRow)
DESK_REVISIONS = _table(DeskRevisionRow)
DESK_CHECKS = _table(DeskCheckRow)
DESK_REVIEWS = _table(DeskReviewRow)
DESK_ACKS = _table(DeskAckRow)
DESK_COMMENTS = _table(DeskCommentRow)
DESK_ASSIGNMENTS = _table(DeskAssignmentRow)
DESK_PUBLICATIONS = _table(DeskPublicationRow)
DESK_AUDIT = _table(DeskAuditRow)

APPEND_ONLY_TABLES = (
    "desk_sources",
    "desk_revisions",
    "desk_checks",
    "desk_reviews",
    "desk_acks",
    "desk_comments",
    "desk_assignments",
    "desk_audit",
)
