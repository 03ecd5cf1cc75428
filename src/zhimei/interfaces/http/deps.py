"""FastAPI dependencies, built per app: the caller (session cookie or API token) and the guard every
route uses, which checks the caller's role and, for state-changing browser requests, CSRF.

FastAPI is imported inside :func:`make_deps` (it is an optional extra), so this module has no
``from __future__ import annotations``: the dependencies' annotations must be real objects.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from zhimei.interfaces.http.errors import HttpProblem
from zhimei.interfaces.http.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    Principal,
    check_csrf,
    check_role,
)
from zhimei.interfaces.http.state import StudioState

__all__ = ["Deps", "make_deps"]

Guard = Callable[..., Awaitable[Principal]]
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True)
class Deps:
    """The shared state, the caller resolver and the guard factory of one app."""

    state: StudioState
    principal: Callable[..., Principal]
    guard: Callable[[frozenset[str]], Guard]


def resolve_principal(state: StudioState, authorization: str | None, cookies: dict[str, str]) -> Principal:
    """The caller of a request from its Authorization header and cookies (401 for a bad token)."""
    zm = state.zm
    if authorization:
        scheme, _, secret = authorization.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret or len(secret) > 200:
            raise HttpProblem(
                401, "invalid_token", "use: Authorization: Bearer zmt_…", "create a token in the studio"
            )
        user = zm.auth_token_user(secret)
        if user is None:
            raise HttpProblem(401, "invalid_token", "the API token is unknown or revoked", "create a new one")
        return Principal(user.name, user.role, "token")
    cookie = cookies.get(SESSION_COOKIE)
    if cookie and len(cookie) <= 200:
        found = zm.auth_session(cookie)
        if found is not None:
            user, session = found
            return Principal(user.name, user.role, "session", csrf=session.csrf, session_secret=cookie)
    pre = cookies.get(CSRF_COOKIE)
    return Principal(None, "anonymous", "none", csrf=pre if pre and len(pre) <= 200 else None)


def make_deps(state: StudioState) -> Deps:
    """The dependencies of one app."""
    from fastapi import Depends, Request

    def principal(request: Request) -> Principal:
        cached = getattr(request.state, "principal", None)
        if isinstance(cached, Principal):
            return cached
        found = resolve_principal(state, request.headers.get("authorization"), dict(request.cookies))
        request.state.principal = found
        return found

    def guard(roles: frozenset[str]) -> Guard:
        async def allowed(request: Request, caller: Principal = Depends(principal)) -> Principal:
            check_role(caller, roles)
            if request.method not in SAFE_METHODS and caller.via != "token":
                sent = request.headers.get(CSRF_HEADER)
                content_type = request.headers.get("content-type", "")
                if sent is None and content_type.startswith(_FORMS):
                    value: Any = (await request.form()).get(CSRF_FIELD)
                    sent = value if isinstance(value, str) else None
                check_csrf(
                    request.method, caller, sent, request.headers.get("origin"), request.headers.get("host")
                )
            return caller

        allowed.roles = roles  # type: ignore[attr-defined]
        return allowed

    return Deps(state=state, principal=principal, guard=guard)
