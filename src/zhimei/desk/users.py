"""Desk users and roles. The first user is an admin and needs no one to add them; after that only
an admin adds users or changes roles, and every such change is in the audit log."""

from __future__ import annotations

import re

from zhimei.desk.context import DeskContext
from zhimei.desk.permissions import SYSTEM_ACTOR
from zhimei.errors import InputError
from zhimei.records import Role, User

__all__ = ["ROLES", "add_user", "list_users", "set_role"]

ROLES: tuple[Role, ...] = ("reporter", "editor", "admin")
# Letters (any script), digits and . _ - @: names show up in labels, files and audit lines.
_NAME = re.compile(r"[^\W_][\w.@-]{0,63}")


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name == SYSTEM_ACTOR:
        raise InputError(
            f"invalid user name {name!r}",
            "use up to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit "
            f"('{SYSTEM_ACTOR}' is reserved)",
        )
    return name


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}", f"use one of: {', '.join(ROLES)}")
    return role


def add_user(ctx: DeskContext, name: str, role: str, *, by: str | None) -> User:
    """Add a user. With no users yet, the first must be an admin and needs no ``by``."""
    name, checked = _check_name(name), _check_role(role)
    now = ctx.now()
    if not ctx.store.users():
        if checked != "admin":
            raise InputError(
                "the first user must be an admin", f"start with: zhimei users add {name} --role admin"
            )
        user = User(name=name, role=checked, created_at=now, created_by=None)
        ctx.store.add_user(user, ctx.event("user.add", name, role=checked, first=True), first=True)
        return user
    actor = ctx.actor(by, "users.manage")
    user = User(name=name, role=checked, created_at=now, created_by=actor.name)
    ctx.store.add_user(user, ctx.event("user.add", actor, user=name, role=checked))
    return user


def set_role(ctx: DeskContext, name: str, role: str, *, by: str | None) -> User:
    """Change a user's role (an admin cannot take the admin role from themselves)."""
    checked = _check_role(role)
    actor = ctx.actor(by, "users.manage")
    user = ctx.store.user(name)
    if user is not None and user.name == actor.name and checked != "admin":
        raise InputError("an admin cannot give up their own admin role", "ask another admin")
    previous = user.role if user else None
    ctx.store.set_role(
        name, checked, ctx.event("role.change", actor, user=name, role=checked, previous=previous), ctx.now()
    )
    updated = ctx.store.user(name)
    assert updated is not None
    return updated


def list_users(ctx: DeskContext) -> list[User]:
    """Every user, by name."""
    return ctx.store.users()
