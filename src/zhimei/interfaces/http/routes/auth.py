"""Health, sign-in and out, the caller, own password, API tokens, first-start setup."""

from typing import TYPE_CHECKING

from zhimei.interfaces.http.accounts import (
    clear_session_cookies,
    first_admin,
    set_csrf_cookie,
    set_session_cookies,
    sign_in,
)
from zhimei.interfaces.http.deps import Deps
from zhimei.interfaces.http.errors import ERROR_RESPONSES, HttpProblem
from zhimei.interfaces.http.schemas import (
    MAX_ID,
    LoginIn,
    Me,
    NewTokenOut,
    PasswordChangeIn,
    SetupIn,
    TokenIn,
)
from zhimei.interfaces.http.security import ANYONE, PUBLIC, Principal
from zhimei.records import ApiToken

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["client_address", "router", "secure_cookies"]


def client_address(request: object) -> str:
    """The client's address (for throttling) from a Starlette request."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", None) or "unknown")


def secure_cookies(deps: Deps, request: object) -> bool:
    """Whether cookies get ``Secure``: the server is set for https, or this request came over it."""
    url = getattr(request, "url", None)
    return deps.state.options.https or getattr(url, "scheme", "") == "https"


def router(deps: Deps) -> "APIRouter":
    from fastapi import APIRouter, Depends, Path, Request, Response

    zm = deps.state.zm
    api = APIRouter(prefix="/api", tags=["auth"], responses=ERROR_RESPONSES)
    public = deps.guard(PUBLIC)
    anyone = deps.guard(ANYONE)

    @api.get("/health")
    def health() -> dict[str, str]:
        """Whether the server answers (no sign-in needed)."""
        return {"status": "ok"}

    @api.get("/auth/csrf")
    def csrf(request: Request, response: Response, caller: Principal = Depends(public)) -> dict[str, str]:
        """The CSRF token state-changing browser requests must send (header X-CSRF-Token)."""
        token = caller.csrf or set_csrf_cookie(response, None, secure_cookies(deps, request))
        return {"csrf": token}

    @api.post("/auth/login")
    def login(body: LoginIn, request: Request, response: Response, caller: Principal = Depends(public)) -> Me:
        """Sign in with name and password: sets the session cookie and returns the new CSRF token."""
        user, secret, session = sign_in(deps.state, body.name, body.password, client_address(request))
        if caller.session_secret:
            zm.auth_session_end(caller.session_secret)
        set_session_cookies(response, secret, session, secure_cookies(deps, request))
        return Me(name=user.name, role=user.role, via="session", csrf=session.csrf)

    @api.post("/auth/logout", status_code=204)
    def logout(request: Request, response: Response, caller: Principal = Depends(anyone)) -> None:
        """End this session."""
        if caller.session_secret:
            zm.auth_session_end(caller.session_secret)
        clear_session_cookies(response, secure_cookies(deps, request))

    @api.get("/auth/me")
    def me(caller: Principal = Depends(anyone)) -> Me:
        """Who is signed in (or owns the token)."""
        assert caller.name is not None and caller.role != "anonymous" and caller.via != "none"
        return Me(name=caller.name, role=caller.role, via=caller.via, csrf=caller.csrf)

    @api.post("/auth/password", status_code=204)
    def change_password(
        body: PasswordChangeIn, request: Request, caller: Principal = Depends(anyone)
    ) -> None:
        """Change your own password (the current one is checked); your other sessions end."""
        assert caller.name is not None
        sign_in(deps.state, caller.name, body.current, client_address(request))  # throttled like a sign-in
        zm.auth_set_password(caller.name, body.new, by=caller.name)

    @api.get("/auth/tokens")
    def tokens(caller: Principal = Depends(anyone)) -> list[ApiToken]:
        """Your API tokens (never their secrets)."""
        assert caller.name is not None
        return zm.auth_tokens(caller.name)

    @api.post("/auth/tokens", status_code=201)
    def new_token(body: TokenIn, caller: Principal = Depends(anyone)) -> NewTokenOut:
        """A new API token for programs; its secret is in this response only."""
        assert caller.name is not None
        secret, token = zm.auth_token_new(caller.name, body.name)
        return NewTokenOut(secret=secret, token=token)

    @api.delete("/auth/tokens/{token_id}")
    def revoke_token(token_id: int = Path(ge=1, le=MAX_ID), caller: Principal = Depends(anyone)) -> ApiToken:
        """Revoke one of your API tokens."""
        assert caller.name is not None
        return zm.auth_token_revoke(caller.name, token_id)

    @api.post("/setup")
    def setup(body: SetupIn, request: Request, response: Response, caller: Principal = Depends(public)) -> Me:
        """First start: the setup code printed by ``zhimei serve`` makes the first admin, signed in."""
        if caller.signed_in:
            raise HttpProblem(409, "setup_done", "you are signed in already", "sign out first")
        first_admin(deps.state, body.code, body.name, body.password, client_address(request))
        user, secret, session = sign_in(deps.state, body.name, body.password, client_address(request))
        set_session_cookies(response, secret, session, secure_cookies(deps, request))
        return Me(name=user.name, role=user.role, via="session", csrf=session.csrf)

    return api
