"""The studio's pages: sign-in, first start, language, inbox and stories; the draft, review and
publishing pages are in :mod:`views_drafts`, jobs, sources, users and account in :mod:`views_admin`."""

from pathlib import Path
from typing import TYPE_CHECKING, Any

from zhimei.interfaces.http.accounts import clear_session_cookies, first_admin, set_session_cookies, sign_in
from zhimei.interfaces.http.deps import Deps
from zhimei.interfaces.http.routes.auth import client_address, secure_cookies
from zhimei.interfaces.http.security import ANYONE, PUBLIC, Principal
from zhimei.interfaces.web.i18n import LANG_COOKIE, LANGS
from zhimei.interfaces.web.pages import HtmlErrors, page, redirect

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI

__all__ = ["STATIC", "install_web", "safe_next"]

STATIC = Path(__file__).parent / "static"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def install_web(app: "FastAPI", deps: Deps) -> None:
    """Mount the studio's pages and static files on ``app``."""
    from starlette.staticfiles import StaticFiles

    from zhimei.interfaces.web import views_admin, views_drafts

    app.state.html_errors = HtmlErrors()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router(deps))
    app.include_router(views_drafts.router(deps))
    app.include_router(views_admin.router(deps))


def router(deps: Deps) -> "APIRouter":
    from fastapi import APIRouter, Depends, Form, Query, Request

    state = deps.state
    zm = state.zm
    web = APIRouter(include_in_schema=False)
    public, anyone = deps.guard(PUBLIC), deps.guard(ANYONE)

    @web.get("/")
    def home(caller: Principal = Depends(public)) -> Any:
        if zm.auth_setup_needed():
            return redirect("/setup")
        return redirect("/inbox" if caller.signed_in else "/login")

    @web.get("/login")
    def login_page(request: Request, caller: Principal = Depends(public), next: str = "/") -> Any:
        if zm.auth_setup_needed():
            return redirect("/setup")
        return page(request, caller, "login.html", next=safe_next(next))

    @web.post("/login")
    def login(
        request: Request,
        caller: Principal = Depends(public),
        name: str = Form(max_length=64),
        password: str = Form(max_length=1024),
        next: str = Form("/"),
    ) -> Any:
        _user, secret, session = sign_in(state, name, password, client_address(request))
        if caller.session_secret:
            zm.auth_session_end(caller.session_secret)
        response = redirect(safe_next(next) if next != "/" else "/inbox")
        set_session_cookies(response, secret, session, secure_cookies(deps, request))
        return response

    @web.post("/logout")
    def logout(request: Request, caller: Principal = Depends(anyone)) -> Any:
        if caller.session_secret:
            zm.auth_session_end(caller.session_secret)
        response = redirect("/login")
        clear_session_cookies(response, secure_cookies(deps, request))
        return response

    @web.get("/setup")
    def setup_page(request: Request, caller: Principal = Depends(public)) -> Any:
        if not zm.auth_setup_needed():
            return redirect("/login")
        return page(request, caller, "setup.html")

    @web.post("/setup")
    def setup(
        request: Request,
        caller: Principal = Depends(public),
        code: str = Form(max_length=200),
        name: str = Form(max_length=64),
        password: str = Form(max_length=1024),
    ) -> Any:
        first_admin(state, code, name, password, client_address(request))
        _user, secret, session = sign_in(state, name, password, client_address(request))
        response = redirect("/users")
        set_session_cookies(response, secret, session, secure_cookies(deps, request))
        return response

    @web.post("/lang")
    def switch_lang(
        request: Request,
        caller: Principal = Depends(public),
        lang: str = Form(max_length=8),
        next: str = Form("/"),
    ) -> Any:
        response = redirect(safe_next(next))
        if lang in LANGS:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
        return response

    @web.get("/inbox")
    def inbox(
        request: Request,
        caller: Principal = Depends(anyone),
        topic: str | None = Query(None, max_length=100),
        lang: str | None = Query(None, max_length=8),
        since: str | None = Query(None, max_length=40),
        q: str | None = Query(None, max_length=500),
    ) -> Any:
        topic, since, q = topic or None, since or None, (q or "").strip() or None
        stories = zm.stories_list(since=since, topic=topic, limit=200)
        if lang in ("zh", "en"):
            stories = [s for s in stories if lang in s.langs]
        hits = zm.search(q, since=since, limit=50) if q else []
        topics = sorted({s.topic for s in zm.stories_list(limit=500) if s.topic})
        return page(
            request,
            caller,
            "inbox.html",
            stories=stories,
            hits=hits,
            topics=topics,
            topic=topic or "",
            lang_filter=lang or "",
            since=since or "",
            q=q or "",
        )

    @web.get("/stories/{ref}")
    def story(request: Request, ref: str, caller: Principal = Depends(anyone)) -> Any:
        return page(request, caller, "story.html", story=zm.story(ref), tasks=state.task_names)

    @web.post("/stories/{ref}/drafts")
    def story_draft(
        ref: str,
        caller: Principal = Depends(anyone),
        task: str = Form(max_length=64),
        n: int = Form(1, ge=1, le=5),
    ) -> Any:
        with state.gate.admit():
            draft = zm.drafts_from_story(ref, task, by=caller.name, n=n)
        return redirect(f"/drafts/{draft.id}")

    return web
