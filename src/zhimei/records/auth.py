"""Records of studio accounts: API tokens and sessions (the secrets themselves are never stored)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from zhimei.records.base import Record

__all__ = ["ApiToken", "AuthSession"]


class ApiToken(Record):
    """An API token of a user, for programs: only its sha256 is stored; ``prefix`` shows which one it is."""

    id: int
    user: str
    name: str = Field(min_length=1, max_length=100)
    prefix: str
    created_at: AwareDatetime
    last_used_at: AwareDatetime | None = None
    revoked_at: AwareDatetime | None = None


class AuthSession(Record):
    """A signed-in studio session: its user, its CSRF token and when it ends (idle or absolute)."""

    user: str
    csrf: str
    created_at: AwareDatetime
    expires_at: AwareDatetime
    last_seen_at: AwareDatetime
