"""The desk's audit log: every change, who made it and when. Append-only in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from zhimei.records import AuditEvent
from zhimei.store.desk_rows import from_row
from zhimei.store.desk_tables import DESK_AUDIT

__all__ = ["insert_event", "list_events"]


def insert_event(
    conn: Connection,
    *,
    created_at: datetime,
    actor: str,
    action: str,
    draft_id: int | None,
    revision: int | None,
    detail: dict[str, Any],
) -> None:
    """Append one event."""
    conn.execute(
        DESK_AUDIT.insert(),
        {
            "created_at": created_at,
            "actor": actor,
            "action": action,
            "draft_id": draft_id,
            "revision": revision,
            "detail": detail,
        },
    )


def list_events(
    conn: Connection, *, draft_id: int | None = None, actor: str | None = None, limit: int | None = None
) -> list[AuditEvent]:
    """Events oldest first (the newest ``limit`` when given), optionally of one draft or actor."""
    query = select(DESK_AUDIT)
    if draft_id is not None:
        query = query.where(DESK_AUDIT.c.draft_id == draft_id)
    if actor is not None:
        query = query.where(DESK_AUDIT.c.actor == actor)
    if limit is not None:
        query = query.order_by(DESK_AUDIT.c.id.desc()).limit(limit)
        rows = list(conn.execute(query).mappings())[::-1]
    else:
        rows = list(conn.execute(query.order_by(DESK_AUDIT.c.id)).mappings())
    return [from_row(AuditEvent, row) for row in rows]
