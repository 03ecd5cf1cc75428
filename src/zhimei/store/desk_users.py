"""Desk users and their roles."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from zhimei.records import User
from zhimei.store.desk_rows import from_row, to_row
from zhimei.store.desk_tables import DESK_USERS

__all__ = ["count_users", "get_user", "insert_user", "list_users", "set_role"]


def get_user(conn: Connection, name: str) -> User | None:
    """The user called ``name``, or None."""
    row = conn.execute(select(DESK_USERS).where(DESK_USERS.c.name == name)).mappings().first()
    return None if row is None else from_row(User, row)


def list_users(conn: Connection) -> list[User]:
    """Every user, by name."""
    rows = conn.execute(select(DESK_USERS).order_by(DESK_USERS.c.name)).mappings()
    return [from_row(User, row) for row in rows]


def count_users(conn: Connection) -> int:
    """How many users there are."""
    return len(conn.execute(select(DESK_USERS.c.name)).all())


def insert_user(conn: Connection, user: User) -> None:
    """Add ``user`` (the caller checked the name is free)."""
    conn.execute(DESK_USERS.insert(), to_row(user))


def set_role(conn: Connection, name: str, role: str) -> None:
    """Change a user's role."""
    conn.execute(update(DESK_USERS).where(DESK_USERS.c.name == name).values(role=role))
