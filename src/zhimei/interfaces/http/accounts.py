"""Signing in and out and first-start setup, shared by the JSON API and the studio's forms."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from zhimei.errors import AuthenticationError
from zhimei.interfaces.http.errors import HttpProblem
from zhimei.interfaces.http.security import CSRF_COOKIE, SESSION_COOKIE, new_csrf_token
from zhimei.interfaces.http.state import StudioState
from zhimei.records import AuthSession, User

if TYPE_CHECKING:
    from starlette.responses import Response as CookieJar

__all__ = [
    "CookieJar",
    "clear_session_cookies",
    "first_admin",
    "set_csrf_cookie",
    "set_session_cookies",
    "sign_in",
]


def sign_in(state: StudioState, name: str, password: str, client: str) -> tuple[User, str, AuthSession]:
    """Check name and password (throttled per name and per client address) and open a session."""
    name_key, client_key = f"name:{name.casefold()}", f"client:{client}"
    state.throttle.check(name_key, client_key)
    try:
        user = state.zm.auth_login(name, password)
    except AuthenticationError:
        state.throttle.failed(name_key, client_key)
        raise
    state.throttle.succeeded(name_key)
    secret, session = state.zm.auth_session_new(user.name)
    return user, secret, session


def first_admin(state: StudioState, code: str, name: str, password: str, client: str) -> None:
    """First start: with the setup code, make ``name`` the first admin (or give an existing admin
    without a password their password). Refused once any admin can sign in."""
    zm = state.zm
    if not zm.auth_setup_needed():
        raise HttpProblem(409, "setup_done", "the studio is set up already", "sign in instead")
    key = f"client:{client}"
    state.throttle.check(key, "setup")
    expected = state.options.setup_code
    if not expected or not hmac.compare_digest(expected.encode(), code.strip().encode()):
        state.throttle.failed(key, "setup")
        raise HttpProblem(403, "setup_code", "the setup code is wrong", "use the code `zhimei serve` printed")
    users = zm.users_list()
    existing = next((u for u in users if u.name == name), None)
    if existing is None and not users:
        zm.users_add(name, "admin")
    elif existing is None or existing.role != "admin":
        admins = [u.name for u in users if u.role == "admin"]
        raise HttpProblem(
            409,
            "setup_user",
            f"{name} is not an admin of this studio",
            "give the password of an existing admin: "
            + (", ".join(admins) or "(none: add one with the CLI)"),
        )
    zm.auth_set_password(name, password)


def set_session_cookies(response: CookieJar, secret: str, session: AuthSession, secure: bool) -> None:
    """The session cookie, and the CSRF cookie replaced by the session's token."""
    # A browser-session cookie; the server also ends the session when idle or too old.
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=secure, path="/")
    set_csrf_cookie(response, session.csrf, secure)


def set_csrf_cookie(response: CookieJar, token: str | None, secure: bool) -> str:
    """The pre-sign-in CSRF cookie (a new token unless one is given); returns the token."""
    value = token or new_csrf_token()
    response.set_cookie(CSRF_COOKIE, value, httponly=True, samesite="lax", secure=secure, path="/")
    return value


def clear_session_cookies(response: CookieJar, secure: bool) -> None:
    """Forget the session cookie (the CSRF cookie is renewed by the next page)."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
    response.delete_cookie(CSRF_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
