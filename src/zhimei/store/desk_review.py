"""Review decisions, flag acknowledgements, comments and assignments of drafts. All append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from zhimei.records import Assignment, Comment, FlagAck, ReviewDecision
from zhimei.store.desk_rows import from_row, to_row
from zhimei.store.desk_tables import DESK_ACKS, DESK_ASSIGNMENTS, DESK_COMMENTS, DESK_REVIEWS

__all__ = [
    "insert_ack",
    "insert_assignment",
    "insert_comment",
    "insert_review",
    "list_acks",
    "list_assignments",
    "list_comments",
    "list_reviews",
]


def insert_review(
    conn: Connection,
    draft_id: int,
    revision: int,
    decision: str,
    actor: str,
    created_at: datetime,
    reason: str | None,
) -> int:
    """Append a review decision; returns its id."""
    values = {
        "draft_id": draft_id,
        "revision": revision,
        "decision": decision,
        "actor": actor,
        "created_at": created_at,
        "reason": reason,
    }
    return int(conn.execute(DESK_REVIEWS.insert().returning(DESK_REVIEWS.c.id), values).scalar_one())


def insert_ack(conn: Connection, ack: FlagAck) -> None:
    """Append an acknowledgement (one per flag and draft; the caller checked)."""
    conn.execute(DESK_ACKS.insert(), to_row(ack))


def insert_comment(
    conn: Connection, draft_id: int, revision: int | None, author: str, created_at: datetime, text: str
) -> int:
    """Append a comment; returns its id."""
    values = {
        "draft_id": draft_id,
        "revision": revision,
        "author": author,
        "created_at": created_at,
        "text": text,
    }
    return int(conn.execute(DESK_COMMENTS.insert().returning(DESK_COMMENTS.c.id), values).scalar_one())


def insert_assignment(
    conn: Connection, draft_id: int, assignee: str, actor: str, created_at: datetime
) -> int:
    """Append an assignment; returns its id."""
    values = {"draft_id": draft_id, "assignee": assignee, "actor": actor, "created_at": created_at}
    return int(conn.execute(DESK_ASSIGNMENTS.insert().returning(DESK_ASSIGNMENTS.c.id), values).scalar_one())


def list_reviews(conn: Connection, draft_id: int) -> list[ReviewDecision]:
    """A draft's review decisions, oldest first."""
    query = select(DESK_REVIEWS).where(DESK_REVIEWS.c.draft_id == draft_id).order_by(DESK_REVIEWS.c.id)
    return [from_row(ReviewDecision, row) for row in conn.execute(query).mappings()]


def list_acks(conn: Connection, draft_id: int) -> list[FlagAck]:
    """A draft's flag acknowledgements, oldest first."""
    query = (
        select(DESK_ACKS)
        .where(DESK_ACKS.c.draft_id == draft_id)
        .order_by(DESK_ACKS.c.created_at, DESK_ACKS.c.flag_id)
    )
    return [from_row(FlagAck, row) for row in conn.execute(query).mappings()]


def list_comments(conn: Connection, draft_id: int) -> list[Comment]:
    """A draft's comments, oldest first."""
    query = select(DESK_COMMENTS).where(DESK_COMMENTS.c.draft_id == draft_id).order_by(DESK_COMMENTS.c.id)
    return [from_row(Comment, row) for row in conn.execute(query).mappings()]


def list_assignments(conn: Connection, draft_id: int) -> list[Assignment]:
    """A draft's assignments, oldest first (the last is the current one)."""
    query = (
        select(DESK_ASSIGNMENTS)
        .where(DESK_ASSIGNMENTS.c.draft_id == draft_id)
        .order_by(DESK_ASSIGNMENTS.c.id)
    )
    return [from_row(Assignment, row) for row in conn.execute(query).mappings()]
