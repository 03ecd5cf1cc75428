"""Drafts, their source snapshots, their revisions and the verification of each revision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from zhimei.records import Draft, DraftSource, Revision, RevisionCheck
from zhimei.store.desk_rows import from_row, to_row
from zhimei.store.desk_tables import DESK_CHECKS, DESK_DRAFTS, DESK_REVISIONS, DESK_SOURCES

__all__ = [
    "get_check",
    "get_draft",
    "get_revision",
    "get_sources",
    "insert_check",
    "insert_draft",
    "insert_revision",
    "insert_sources",
    "list_checks",
    "list_drafts",
    "list_revisions",
    "update_draft",
]

# Columns a draft's changes may touch; the rest is fixed at creation.
_MUTABLE = ("updated_at", "title", "state", "head", "approved_revision", "assignee")


def insert_draft(conn: Connection, draft: Draft) -> int:
    """Insert ``draft`` (its ``id`` is ignored) and return the id the database gave it."""
    row = to_row(draft)
    del row["id"]
    result = conn.execute(DESK_DRAFTS.insert().returning(DESK_DRAFTS.c.id), row)
    return int(result.scalar_one())


def update_draft(conn: Connection, draft: Draft, expect_version: int) -> bool:
    """Write ``draft``'s changeable fields if the stored version is still ``expect_version``.

    The stored version becomes ``expect_version + 1``. Returns False (and changes nothing) when
    another writer changed the draft first.
    """
    row = to_row(draft)
    values: dict[str, Any] = {name: row[name] for name in _MUTABLE}
    result = conn.execute(
        update(DESK_DRAFTS)
        .where(DESK_DRAFTS.c.id == draft.id, DESK_DRAFTS.c.version == expect_version)
        .values(**values, version=expect_version + 1)
    )
    return result.rowcount == 1


def get_draft(conn: Connection, draft_id: int) -> Draft | None:
    """The draft, or None."""
    row = conn.execute(select(DESK_DRAFTS).where(DESK_DRAFTS.c.id == draft_id)).mappings().first()
    return None if row is None else from_row(Draft, row)


def list_drafts(
    conn: Connection,
    *,
    state: str | None = None,
    assignee: str | None = None,
    story_id: str | None = None,
    limit: int = 50,
) -> list[Draft]:
    """The most recently changed drafts first, optionally filtered."""
    query = select(DESK_DRAFTS).order_by(DESK_DRAFTS.c.updated_at.desc(), DESK_DRAFTS.c.id.desc())
    if state is not None:
        query = query.where(DESK_DRAFTS.c.state == state)
    if assignee is not None:
        query = query.where(DESK_DRAFTS.c.assignee == assignee)
    if story_id is not None:
        query = query.where(DESK_DRAFTS.c.story_id == story_id)
    return [from_row(Draft, row) for row in conn.execute(query.limit(limit)).mappings()]


def insert_sources(conn: Connection, draft_id: int, sources: tuple[DraftSource, ...]) -> None:
    """Store the draft's source snapshots, in order."""
    if sources:
        rows = [{**to_row(s), "draft_id": draft_id, "position": i} for i, s in enumerate(sources)]
        conn.execute(DESK_SOURCES.insert(), rows)


def get_sources(conn: Connection, draft_id: int) -> list[DraftSource]:
    """The draft's source snapshots, in order."""
    query = select(DESK_SOURCES).where(DESK_SOURCES.c.draft_id == draft_id).order_by(DESK_SOURCES.c.position)
    out = []
    for row in conn.execute(query).mappings():
        data = {k: v for k, v in row.items() if k not in ("draft_id", "position")}
        out.append(from_row(DraftSource, data))
    return out


def insert_revision(conn: Connection, revision: Revision) -> None:
    """Append a revision."""
    conn.execute(DESK_REVISIONS.insert(), to_row(revision))


def get_revision(conn: Connection, draft_id: int, number: int) -> Revision | None:
    """One revision of a draft, or None."""
    query = select(DESK_REVISIONS).where(
        DESK_REVISIONS.c.draft_id == draft_id, DESK_REVISIONS.c.number == number
    )
    row = conn.execute(query).mappings().first()
    return None if row is None else from_row(Revision, row)


def list_revisions(conn: Connection, draft_id: int) -> list[Revision]:
    """Every revision of a draft, oldest first."""
    query = (
        select(DESK_REVISIONS).where(DESK_REVISIONS.c.draft_id == draft_id).order_by(DESK_REVISIONS.c.number)
    )
    return [from_row(Revision, row) for row in conn.execute(query).mappings()]


def insert_check(conn: Connection, check: RevisionCheck) -> None:
    """Store a revision's verification."""
    conn.execute(DESK_CHECKS.insert(), to_row(check))


def get_check(conn: Connection, draft_id: int, revision: int) -> RevisionCheck | None:
    """The verification of one revision, or None."""
    query = select(DESK_CHECKS).where(DESK_CHECKS.c.draft_id == draft_id, DESK_CHECKS.c.revision == revision)
    row = conn.execute(query).mappings().first()
    return None if row is None else from_row(RevisionCheck, row)


def list_checks(conn: Connection, draft_id: int) -> list[RevisionCheck]:
    """The verification of every revision of a draft, oldest first."""
    query = select(DESK_CHECKS).where(DESK_CHECKS.c.draft_id == draft_id).order_by(DESK_CHECKS.c.revision)
    return [from_row(RevisionCheck, row) for row in conn.execute(query).mappings()]
