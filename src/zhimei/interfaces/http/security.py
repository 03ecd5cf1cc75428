"""Who is asking and whether they may: sessions (cookie), API tokens (Bearer), roles, CSRF, headers.

Studio pages use a session cookie (HttpOnly, SameSite=Lax, Secure over https) and a synchronizer
CSRF token bound to the session; before sign-in, a double-submit token (cookie ``zm_csrf`` equal
to the form field or header) protects the sign-in and setup forms. Programs send
``Authorization: Bearer zmt_…``; such requests carry no ambient credential, so they need no CSRF
token. Every state-changing request from a browser also has its ``Origin`` (when sent) checked.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from zhimei.interfaces.http.errors import HttpProblem
from zhimei.records import Role

__all__ = [
    "ADMINS",
    "ANYONE",
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "EDITORS",
    "PUBLIC",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "Principal",
    "SecurityHeaders",
    "check_csrf",
    "check_role",
    "content_security_policy",
    "new_csrf_token",
]

SESSION_COOKIE = "zm_session"
CSRF_COOKIE = "zm_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Who may call an endpoint. PUBLIC includes people who are not signed in.
PUBLIC: frozenset[str] = frozenset({"anonymous", "reporter", "editor", "admin"})
ANYONE: frozenset[str] = frozenset({"reporter", "editor", "admin"})
EDITORS: frozenset[str] = frozenset({"editor", "admin"})
ADMINS: frozenset[str] = frozenset({"admin"})


@dataclass(frozen=True)
class Principal:
    """The caller: a user (by session or token) or nobody. ``csrf`` is the token their unsafe
    requests must carry (the session's, or the pre-sign-in cookie's); None for token callers."""

    name: str | None
    role: Role | Literal["anonymous"]
    via: Literal["session", "token", "none"]
    csrf: str | None = None
    session_secret: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.name is not None

    def may(self, roles: frozenset[str]) -> bool:
        """Whether the caller's role is among ``roles``."""
        return self.role in roles


def new_csrf_token() -> str:
    """A fresh random CSRF token."""
    return secrets.token_urlsafe(32)


def check_role(principal: Principal, roles: frozenset[str]) -> None:
    """401 for nobody where a user is needed, 403 for a role not in ``roles``."""
    if principal.may(roles):
        return
    if not principal.signed_in:
        raise HttpProblem(401, "not_signed_in", "sign in first", "POST /api/auth/login or use an API token")
    raise HttpProblem(
        403,
        "permission_denied",
        f"{principal.name} ({principal.role}) may not do this",
        "ask a user with the role " + " or ".join(sorted(roles - {"anonymous"})),
    )


def check_csrf(
    method: str, principal: Principal, sent: str | None, origin: str | None, host: str | None
) -> None:
    """403 unless a state-changing browser request carries the expected token from our own origin."""
    if method in SAFE_METHODS or principal.via == "token":
        return
    if origin and origin != "null" and host and urlsplit(origin).netloc.lower() != host.lower():
        raise HttpProblem(403, "csrf_failed", "the request comes from another site", "use the studio itself")
    expected = principal.csrf
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise HttpProblem(
            403,
            "csrf_failed",
            "the CSRF token is missing or wrong",
            "reload the page and try again (programs use an API token instead)",
        )


def content_security_policy() -> str:
    """The studio's CSP: nothing inline, nothing from other hosts."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        )
    )


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeaders:
    """ASGI middleware adding the CSP and the usual hardening headers to every HTTP response."""

    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        headers = [
            (b"content-security-policy", content_security_policy().encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if https:
            headers.append((b"strict-transport-security", b"max-age=31536000"))
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
