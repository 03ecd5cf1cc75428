"""Studio accounts: password hashes (argon2id), signed-in sessions and API tokens.

No secret is stored in clear: passwords as argon2id hashes, session ids and API tokens as their
sha256 (they are long random strings, so a fast hash is enough and lookups stay one index probe).
Changing a user's password ends all their sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, ForeignKey, Integer, String, Table, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from zhimei.errors import ExtraMissingError, InputError, NotFoundError
from zhimei.records import ApiToken, AuthSession, utcnow
from zhimei.store.db import begin_write
from zhimei.store.schema import Base, UTCDateTime

if TYPE_CHECKING:
    from argon2 import PasswordHasher

__all__ = [
    "MAX_PASSWORD_CHARS",
    "MIN_PASSWORD_CHARS",
    "TOKEN_PREFIX",
    "AuthStore",
    "SessionPolicy",
    "check_password",
    "secret_hash",
]

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024
TOKEN_PREFIX = "zmt_"
# Sessions and tokens are touched at most this often: a write per request would serialise readers.
_TOUCH_EVERY = timedelta(seconds=60)


class AuthCredentialRow(Base):
    __tablename__ = "auth_credentials"

    user: Mapped[str] = mapped_column(String(64), ForeignKey("desk_users.name"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuthSessionRow(Base):
    __tablename__ = "auth_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(String(64), ForeignKey("desk_users.name"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuthTokenRow(Base):
    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user: Mapped[str] = mapped_column(String(64), ForeignKey("desk_users.name"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def _table(row: type[Base]) -> Table:
    table = row.__table__
    assert isinstance(table, Table)
    return table


CREDENTIALS = _table(AuthCredentialRow)
SESSIONS = _table(AuthSessionRow)
TOKENS = _table(AuthTokenRow)


class SessionPolicy:
    """How long a session lasts: ``idle`` since it was last used, and ``absolute`` since sign-in."""

    def __init__(
        self, idle: timedelta = timedelta(hours=12), absolute: timedelta = timedelta(days=7)
    ) -> None:
        self.idle = idle
        self.absolute = absolute

    def expiry(self, created_at: datetime, seen_at: datetime) -> datetime:
        """When a session signed in at ``created_at`` and last used at ``seen_at`` ends."""
        return min(created_at + self.absolute, seen_at + self.idle)


def secret_hash(secret: str) -> str:
    """The stored form of a session id or API token: its sha256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_password(password: str) -> str:
    """``password`` if it is long enough and not absurdly long; InputError otherwise."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise InputError(
            f"a password needs at least {MIN_PASSWORD_CHARS} characters", "choose a longer password"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise InputError(f"a password has at most {MAX_PASSWORD_CHARS} characters", "choose a shorter one")
    return password


@cache
def _hasher() -> PasswordHasher:
    try:
        from argon2 import PasswordHasher
    except ImportError as exc:
        raise ExtraMissingError("argon2-cffi", "web") from exc
    return PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters


@cache
def _dummy_hash() -> str:
    # Verified against when the user has no password, so a wrong name takes as long as a wrong password.
    return _hasher().hash(secrets.token_urlsafe(16))


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row.id,
        user=row.user,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class AuthStore:
    """Credentials, sessions and API tokens of the studio's users on one database."""

    def __init__(self, engine: Engine, policy: SessionPolicy | None = None) -> None:
        self.engine = engine
        self.policy = policy or SessionPolicy()

    # -- passwords ---------------------------------------------------------------------------------
    def set_password(self, user: str, password: str, *, by: str | None, now: datetime | None = None) -> None:
        """Store ``user``'s new password (hashed) and end all their sessions."""
        hashed = _hasher().hash(check_password(password))
        at = now or utcnow()
        with begin_write(self.engine) as conn:
            found = conn.execute(select(CREDENTIALS.c.user).where(CREDENTIALS.c.user == user)).first()
            values = {"password_hash": hashed, "updated_at": at, "updated_by": by}
            if found:
                conn.execute(update(CREDENTIALS).where(CREDENTIALS.c.user == user).values(**values))
            else:
                conn.execute(CREDENTIALS.insert().values(user=user, **values))
            conn.execute(delete(SESSIONS).where(SESSIONS.c.user == user))

    def verify_password(self, user: str, password: str) -> bool:
        """Whether ``password`` is ``user``'s; takes as long for an unknown user. Rehashes outdated hashes."""
        hasher = _hasher()
        from argon2.exceptions import InvalidHashError, VerificationError

        with self.engine.connect() as conn:
            stored = conn.execute(
                select(CREDENTIALS.c.password_hash).where(CREDENTIALS.c.user == user)
            ).scalar()
        try:
            hasher.verify(stored or _dummy_hash(), password[:MAX_PASSWORD_CHARS])
        except (VerificationError, InvalidHashError):
            return False
        if stored is None:
            return False
        if hasher.check_needs_rehash(stored):
            with begin_write(self.engine) as conn:
                conn.execute(
                    update(CREDENTIALS)
                    .where(CREDENTIALS.c.user == user)
                    .values(password_hash=hasher.hash(password))
                )
        return True

    def users_with_password(self) -> set[str]:
        """The users who can sign in with a password."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(CREDENTIALS.c.user)).scalars())

    # -- sessions ----------------------------------------------------------------------------------
    def create_session(self, user: str, now: datetime | None = None) -> tuple[str, AuthSession]:
        """A new session of ``user``: its secret id (for the cookie) and the session with its CSRF token."""
        at = now or utcnow()
        secret = secrets.token_urlsafe(32)
        session = AuthSession(
            user=user,
            csrf=secrets.token_urlsafe(32),
            created_at=at,
            expires_at=self.policy.expiry(at, at),
            last_seen_at=at,
        )
        with begin_write(self.engine) as conn:
            conn.execute(delete(SESSIONS).where(SESSIONS.c.expires_at <= at))
            conn.execute(SESSIONS.insert().values(id_hash=secret_hash(secret), **session.model_dump()))
        return secret, session

    def session(self, secret: str, now: datetime | None = None) -> AuthSession | None:
        """The live session with this secret id (its idle expiry extended), or None."""
        at = now or utcnow()
        key = secret_hash(secret)
        with self.engine.connect() as conn:
            row = conn.execute(select(SESSIONS).where(SESSIONS.c.id_hash == key)).mappings().first()
        if row is None or row["expires_at"] <= at:
            return None
        session = AuthSession.model_validate({k: row[k] for k in AuthSession.model_fields})
        if at - session.last_seen_at >= _TOUCH_EVERY:
            expires = self.policy.expiry(session.created_at, at)
            with begin_write(self.engine) as conn:
                conn.execute(
                    update(SESSIONS)
                    .where(SESSIONS.c.id_hash == key)
                    .values(last_seen_at=at, expires_at=expires)
                )
            session = session.model_copy(update={"last_seen_at": at, "expires_at": expires})
        return session

    def end_session(self, secret: str) -> None:
        """Sign a session out (nothing happens for an unknown one)."""
        with begin_write(self.engine) as conn:
            conn.execute(delete(SESSIONS).where(SESSIONS.c.id_hash == secret_hash(secret)))

    def end_sessions(self, user: str) -> int:
        """End every session of ``user``; returns how many there were."""
        with begin_write(self.engine) as conn:
            return conn.execute(delete(SESSIONS).where(SESSIONS.c.user == user)).rowcount or 0

    # -- API tokens --------------------------------------------------------------------------------
    def create_token(self, user: str, name: str, now: datetime | None = None) -> tuple[str, ApiToken]:
        """A new API token of ``user``: the secret (shown once) and its record."""
        label = name.strip() if isinstance(name, str) else ""
        if not label or len(label) > 100:
            raise InputError("a token needs a name of 1 to 100 characters", "name what it is for")
        at = now or utcnow()
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        prefix = secret[: len(TOKEN_PREFIX) + 6]
        with begin_write(self.engine) as conn:
            new_id = conn.execute(
                TOKENS.insert()
                .values(user=user, name=label, prefix=prefix, token_hash=secret_hash(secret), created_at=at)
                .returning(TOKENS.c.id)
            ).scalar_one()
        return secret, ApiToken(id=new_id, user=user, name=label, prefix=prefix, created_at=at)

    def token_user(self, secret: str, now: datetime | None = None) -> str | None:
        """The user of a live (not revoked) API token, or None."""
        at = now or utcnow()
        key = secret_hash(secret)
        with self.engine.connect() as conn:
            row = conn.execute(select(TOKENS).where(TOKENS.c.token_hash == key)).first()
        if row is None or row.revoked_at is not None:
            return None
        if row.last_used_at is None or at - row.last_used_at >= _TOUCH_EVERY:
            with begin_write(self.engine) as conn:
                conn.execute(update(TOKENS).where(TOKENS.c.id == row.id).values(last_used_at=at))
        return str(row.user)

    def tokens(self, user: str) -> list[ApiToken]:
        """Every token of ``user``, newest first (revoked ones too, marked)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(TOKENS).where(TOKENS.c.user == user).order_by(TOKENS.c.id.desc()))
            return [_token(r) for r in rows]

    def revoke_token(self, user: str, token_id: int, now: datetime | None = None) -> ApiToken:
        """Revoke one of ``user``'s tokens (revoking twice keeps the first time)."""
        at = now or utcnow()
        with begin_write(self.engine) as conn:
            row = conn.execute(select(TOKENS).where(TOKENS.c.id == token_id, TOKENS.c.user == user)).first()
            if row is None:
                raise NotFoundError(f"{user} has no API token {token_id}", "list the tokens to find its id")
            if row.revoked_at is None:
                conn.execute(update(TOKENS).where(TOKENS.c.id == token_id).values(revoked_at=at))
            row = conn.execute(select(TOKENS).where(TOKENS.c.id == token_id)).first()
        return _token(row)
