"""Studio pages for jobs, sources, users (admins) and one's own account (password, API tokens)."""

from typing import TYPE_CHECKING, Annotated, Any

from zhimei.errors import InputError
from zhimei.interfaces.http.accounts import sign_in
from zhimei.interfaces.http.deps import Deps
from zhimei.interfaces.http.errors import HttpProblem
from zhimei.interfaces.http.routes.auth import client_address
from zhimei.interfaces.http.schemas import MAX_ID
from zhimei.interfaces.http.security import ADMINS, ANYONE, EDITORS, Principal
from zhimei.interfaces.web.pages import is_htmx, page, redirect

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["router"]

ROLES = ("reporter", "editor", "admin")


def router(deps: Deps) -> "APIRouter":
    from fastapi import APIRouter, Depends, Form, Path, Request

    Id = Annotated[int, Path(ge=1, le=MAX_ID)]

    state = deps.state
    zm = state.zm
    web = APIRouter(include_in_schema=False)
    anyone, editors, admins = deps.guard(ANYONE), deps.guard(EDITORS), deps.guard(ADMINS)

    @web.get("/jobs")
    def jobs(request: Request, caller: Principal = Depends(anyone)) -> Any:
        found = zm.jobs_list(limit=100)
        name = "jobs_table.html" if is_htmx(request) else "jobs.html"
        return page(request, caller, name, jobs=found, can_cancel=caller.may(EDITORS))

    @web.post("/jobs/{job_id}/cancel")
    def cancel_job(job_id: Id, caller: Principal = Depends(editors)) -> Any:
        zm.jobs_cancel(job_id)
        return redirect("/jobs")

    @web.get("/sources")
    def sources(request: Request, caller: Principal = Depends(anyone)) -> Any:
        return page(
            request,
            caller,
            "sources.html",
            sources=zm.sources_list(),
            can_edit=caller.may(EDITORS),
            can_folder=caller.may(ADMINS),
        )

    @web.post("/sources")
    def add_source(
        caller: Principal = Depends(editors),
        kind: str = Form(max_length=16),
        location: str = Form(max_length=2000),
        name: str = Form("", max_length=200),
        every: str = Form("", max_length=20),
    ) -> Any:
        if kind == "folder" and not caller.may(ADMINS):
            raise HttpProblem(403, "permission_denied", "only an admin adds folder sources", "ask an admin")
        zm.sources_add(kind, location, name=name or None, every=every or None)
        return redirect("/sources")

    @web.post("/sources/ingest")
    def ingest(caller: Principal = Depends(editors), source: str = Form("", max_length=200)) -> Any:
        zm.ingest_queue(source or None)
        return redirect("/jobs")

    @web.post("/sources/{name:path}/remove")
    def remove_source(name: str, caller: Principal = Depends(editors)) -> Any:
        zm.sources_remove(name)
        return redirect("/sources")

    @web.get("/users")
    def users(request: Request, caller: Principal = Depends(admins)) -> Any:
        with_password = {u.name for u in zm.users_list()} & zm.auth_store.users_with_password()
        return page(
            request, caller, "users.html", users=zm.users_list(), roles=ROLES, with_password=with_password
        )

    @web.post("/users")
    def add_user(
        caller: Principal = Depends(admins),
        name: str = Form(max_length=64),
        role: str = Form(max_length=16),
        password: str = Form(max_length=1024),
    ) -> Any:
        if len(password) < 8:
            raise InputError("a password needs at least 8 characters", "choose a longer password")
        user = zm.users_add(name, role, by=caller.name)
        zm.auth_set_password(user.name, password, by=caller.name)
        return redirect("/users")

    @web.post("/users/{name}/role")
    def set_role(name: str, caller: Principal = Depends(admins), role: str = Form(max_length=16)) -> Any:
        zm.users_set_role(name, role, by=caller.name)
        return redirect("/users")

    @web.post("/users/{name}/password")
    def reset_password(
        name: str, caller: Principal = Depends(admins), password: str = Form(max_length=1024)
    ) -> Any:
        zm.auth_set_password(name, password, by=caller.name)
        return redirect("/users")

    @web.get("/account")
    def account(request: Request, caller: Principal = Depends(anyone)) -> Any:
        assert caller.name is not None
        return page(request, caller, "account.html", tokens=zm.auth_tokens(caller.name), secret=None)

    @web.post("/account/password")
    def change_password(
        request: Request,
        caller: Principal = Depends(anyone),
        current: str = Form(max_length=1024),
        new: str = Form(max_length=1024),
    ) -> Any:
        assert caller.name is not None
        sign_in(state, caller.name, current, client_address(request))
        zm.auth_set_password(caller.name, new, by=caller.name)  # ends every session, this one too
        return redirect("/login")

    @web.post("/account/tokens")
    def new_token(
        request: Request, caller: Principal = Depends(anyone), name: str = Form(max_length=100)
    ) -> Any:
        assert caller.name is not None
        secret, _token = zm.auth_token_new(caller.name, name)
        return page(request, caller, "account.html", tokens=zm.auth_tokens(caller.name), secret=secret)

    @web.post("/account/tokens/{token_id}/revoke")
    def revoke_token(token_id: Id, caller: Principal = Depends(anyone)) -> Any:
        assert caller.name is not None
        zm.auth_token_revoke(caller.name, token_id)
        return redirect("/account")

    return web
