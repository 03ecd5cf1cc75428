"""Publications: one row per (approved revision, format, target), its status changing over time.

A publication is live while scheduled or published; ``live_key`` (unique) holds its key only then,
so the database itself keeps one live publication per key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from zhimei.records import Label, Publication
from zhimei.store.desk_rows import from_row
from zhimei.store.desk_tables import DESK_PUBLICATIONS

__all__ = [
    "LIVE",
    "NewPublication",
    "PublicationUpdate",
    "get_publication",
    "insert_publication",
    "list_publications",
    "live_by_key",
    "update_publication",
]

LIVE = ("scheduled", "published")


@dataclass(frozen=True)
class NewPublication:
    """A publication to record (its id comes from the database)."""

    revision: int
    format: str
    target: str
    key: str
    status: str
    actor: str
    scheduled_at: datetime | None = None
    published_at: datetime | None = None
    location: str | None = None
    label: Label | None = None
    correction: str | None = None


@dataclass(frozen=True)
class PublicationUpdate:
    """A status change of a stored publication (None leaves a field as it is)."""

    id: int
    status: str
    published_at: datetime | None = None
    unpublished_at: datetime | None = None
    location: str | None = None
    label: Label | None = None


def insert_publication(conn: Connection, draft_id: int, new: NewPublication, created_at: datetime) -> int:
    """Record a publication; returns its id."""
    values: dict[str, Any] = {
        "draft_id": draft_id,
        "revision": new.revision,
        "format": new.format,
        "target": new.target,
        "pub_key": new.key,
        "live_key": new.key if new.status in LIVE else None,
        "status": new.status,
        "actor": new.actor,
        "created_at": created_at,
        "scheduled_at": new.scheduled_at,
        "published_at": new.published_at,
        "unpublished_at": None,
        "location": new.location,
        "label": new.label.model_dump(mode="json") if new.label else None,
        "correction": new.correction,
    }
    query = DESK_PUBLICATIONS.insert().returning(DESK_PUBLICATIONS.c.id)
    return int(conn.execute(query, values).scalar_one())


def update_publication(conn: Connection, change: PublicationUpdate) -> None:
    """Apply a status change."""
    values: dict[str, Any] = {
        "status": change.status,
        "live_key": DESK_PUBLICATIONS.c.pub_key if change.status in LIVE else None,
    }
    if change.published_at is not None:
        values["published_at"] = change.published_at
    if change.unpublished_at is not None:
        values["unpublished_at"] = change.unpublished_at
    if change.location is not None:
        values["location"] = change.location
    if change.label is not None:
        values["label"] = change.label.model_dump(mode="json")
    conn.execute(update(DESK_PUBLICATIONS).where(DESK_PUBLICATIONS.c.id == change.id).values(**values))


def _record(row: Any) -> Publication:
    data = {k: v for k, v in dict(row).items() if k != "live_key"}
    data["key"] = data.pop("pub_key")
    return from_row(Publication, data)


def get_publication(conn: Connection, publication_id: int) -> Publication | None:
    """One publication, or None."""
    query = select(DESK_PUBLICATIONS).where(DESK_PUBLICATIONS.c.id == publication_id)
    row = conn.execute(query).mappings().first()
    return None if row is None else _record(row)


def live_by_key(conn: Connection, key: str) -> Publication | None:
    """The live (scheduled or published) publication with this key, or None."""
    row = (
        conn.execute(select(DESK_PUBLICATIONS).where(DESK_PUBLICATIONS.c.live_key == key)).mappings().first()
    )
    return None if row is None else _record(row)


def list_publications(
    conn: Connection,
    *,
    draft_id: int | None = None,
    statuses: tuple[str, ...] | None = None,
    fmt: str | None = None,
    target: str | None = None,
    due_by: datetime | None = None,
) -> list[Publication]:
    """Publications oldest first, filtered by draft, statuses, format, target, or scheduled by ``due_by``."""
    query = select(DESK_PUBLICATIONS).order_by(DESK_PUBLICATIONS.c.id)
    if draft_id is not None:
        query = query.where(DESK_PUBLICATIONS.c.draft_id == draft_id)
    if statuses is not None:
        query = query.where(DESK_PUBLICATIONS.c.status.in_(statuses))
    if fmt is not None:
        query = query.where(DESK_PUBLICATIONS.c.format == fmt)
    if target is not None:
        query = query.where(DESK_PUBLICATIONS.c.target == target)
    if due_by is not None:
        query = query.where(DESK_PUBLICATIONS.c.scheduled_at <= due_by)
    return [_record(row) for row in conn.execute(query).mappings()]
