"""Every endpoint × every role (anonymous, reporter, editor, admin): the permission matrix.

The table below is the contract: for each route, the roles allowed. A role not allowed gets 401
(anonymous) or 403; an allowed one gets neither (it may get 404, 409 … from what it asked). Every
route of the app must be in the table, so a new route cannot ship without a rule. The API is run
with API tokens and with session cookies (+ CSRF); the studio's pages with session cookies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.http.conftest import PASSWORDS, ROLES, SOURCE, Studio, login

ALL = ("anonymous", "reporter", "editor", "admin")
PUBLIC = frozenset(ALL)
ANYONE = frozenset({"reporter", "editor", "admin"})
EDITORS = frozenset({"editor", "admin"})
ADMINS = frozenset({"admin"})

Body = Callable[[str], Any] | None


def _own(role: str) -> str:
    return ROLES.get(role, "rita")


@dataclass(frozen=True)
class Rule:
    method: str
    path: str  # the route's path template
    url: str  # the URL called
    roles: frozenset[str]
    body: Body = None
    form: bool = False
    ends_sessions: bool = False  # signs the caller out, or in anew: the next call signs in again


def _draft(text: str = SOURCE) -> dict[str, Any]:
    return {"task": "headline", "text": text, "n": 1}


API: list[Rule] = [
    Rule("GET", "/api/health", "/api/health", PUBLIC),
    Rule("GET", "/api/auth/csrf", "/api/auth/csrf", PUBLIC),
    Rule(
        "POST",
        "/api/auth/login",
        "/api/auth/login",
        PUBLIC,
        lambda r: {"name": "rita", "password": PASSWORDS["rita"]},
        ends_sessions=True,
    ),
    Rule(
        "POST",
        "/api/setup",
        "/api/setup",
        PUBLIC,
        lambda r: {"code": "x", "name": "ada", "password": "12345678"},
    ),
    Rule("GET", "/feed.xml", "/feed.xml", PUBLIC),
    Rule("POST", "/api/auth/logout", "/api/auth/logout", ANYONE, ends_sessions=True),
    Rule("GET", "/api/auth/me", "/api/auth/me", ANYONE),
    Rule(
        "POST",
        "/api/auth/password",
        "/api/auth/password",
        ANYONE,
        lambda r: {"current": PASSWORDS[_own(r)], "new": PASSWORDS[_own(r)]},
        ends_sessions=True,
    ),
    Rule("GET", "/api/auth/tokens", "/api/auth/tokens", ANYONE),
    Rule("POST", "/api/auth/tokens", "/api/auth/tokens", ANYONE, lambda r: {"name": f"matrix {r}"}),
    Rule("DELETE", "/api/auth/tokens/{token_id}", "/api/auth/tokens/999999", ANYONE),
    Rule("GET", "/api/users", "/api/users", ANYONE),
    Rule(
        "POST",
        "/api/users",
        "/api/users",
        ADMINS,
        lambda r: {"name": f"new-{r}", "role": "reporter", "password": "12345678"},
    ),
    Rule("PUT", "/api/users/{name}/role", "/api/users/rita/role", ADMINS, lambda r: {"role": "reporter"}),
    Rule(
        "POST",
        "/api/users/{name}/password",
        "/api/users/rita/password",
        ADMINS,
        lambda r: {"password": PASSWORDS["rita"]},
        ends_sessions=True,
    ),
    Rule("GET", "/api/tasks", "/api/tasks", ANYONE),
    Rule("POST", "/api/generate", "/api/generate", ANYONE, lambda r: _draft()),
    Rule("GET", "/api/generations", "/api/generations", ANYONE),
    Rule("POST", "/api/streams/{stream_id}/cancel", "/api/streams/nope/cancel", ANYONE),
    Rule("GET", "/api/drafts", "/api/drafts", ANYONE),
    Rule("POST", "/api/drafts", "/api/drafts", ANYONE, lambda r: _draft()),
    Rule("POST", "/api/drafts/stream", "/api/drafts/stream", ANYONE, lambda r: _draft()),
    Rule("GET", "/api/drafts/{draft_id}", "/api/drafts/1", ANYONE),
    Rule("GET", "/api/drafts/{draft_id}/revisions/{number}", "/api/drafts/1/revisions/1", ANYONE),
    Rule(
        "POST",
        "/api/drafts/{draft_id}/revisions",
        "/api/drafts/1/revisions",
        ANYONE,
        lambda r: {"text": f"{SOURCE} {r}"},
    ),
    Rule(
        "POST", "/api/drafts/{draft_id}/restore", "/api/drafts/1/restore", ANYONE, lambda r: {"revision": 1}
    ),
    Rule("GET", "/api/drafts/{draft_id}/diff", "/api/drafts/1/diff?old=1&new=2", ANYONE),
    Rule(
        "POST",
        "/api/drafts/{draft_id}/paragraphs/{index}/regenerate",
        "/api/drafts/1/paragraphs/1/regenerate",
        ANYONE,
        lambda r: {"parent": 999},
    ),
    Rule("POST", "/api/drafts/{draft_id}/regenerate", "/api/drafts/1/regenerate", ANYONE, lambda r: {"n": 1}),
    Rule(
        "POST",
        "/api/drafts/{draft_id}/regenerate/stream",
        "/api/drafts/1/regenerate/stream",
        ANYONE,
        lambda r: {"n": 1},
    ),
    Rule(
        "POST", "/api/drafts/{draft_id}/comments", "/api/drafts/1/comments", ANYONE, lambda r: {"text": "ok"}
    ),
    Rule("POST", "/api/drafts/{draft_id}/assign", "/api/drafts/1/assign", EDITORS, lambda r: {"to": "rita"}),
    Rule(
        "POST",
        "/api/drafts/{draft_id}/flags/{flag_id}/ack",
        "/api/drafts/1/flags/nope/ack",
        EDITORS,
        lambda r: {},
    ),
    Rule("GET", "/api/drafts/{draft_id}/audit", "/api/drafts/1/audit", EDITORS),
    Rule("GET", "/api/review/queue", "/api/review/queue", ANYONE),
    Rule("POST", "/api/drafts/{draft_id}/submit", "/api/drafts/1/submit", ANYONE),
    Rule("POST", "/api/drafts/{draft_id}/approve", "/api/drafts/1/approve", EDITORS),
    Rule(
        "POST", "/api/drafts/{draft_id}/reject", "/api/drafts/1/reject", EDITORS, lambda r: {"reason": "no"}
    ),
    Rule("POST", "/api/drafts/{draft_id}/spike", "/api/drafts/2/spike", EDITORS, lambda r: {"reason": "dup"}),
    Rule("GET", "/api/drafts/{draft_id}/preview/{fmt}", "/api/drafts/1/preview/html", ANYONE),
    Rule(
        "POST",
        "/api/drafts/{draft_id}/publish",
        "/api/drafts/1/publish",
        EDITORS,
        lambda r: {"format": "rss"},
    ),
    Rule("POST", "/api/drafts/{draft_id}/unpublish", "/api/drafts/1/unpublish", EDITORS, lambda r: {}),
    Rule(
        "POST",
        "/api/drafts/{draft_id}/correct",
        "/api/drafts/1/correct",
        EDITORS,
        lambda r: {"text": "t", "note": "n"},
    ),
    Rule("GET", "/api/audit", "/api/audit", EDITORS),
    Rule("GET", "/api/stories", "/api/stories", ANYONE),
    Rule("GET", "/api/stories/{ref}", "/api/stories/1", ANYONE),
    Rule("POST", "/api/stories/{ref}/drafts", "/api/stories/1/drafts", ANYONE, lambda r: {"task": "summary"}),
    Rule("GET", "/api/search", "/api/search?q=票价", ANYONE),
    Rule("GET", "/api/sources", "/api/sources", ANYONE),
    Rule(
        "POST",
        "/api/sources",
        "/api/sources",
        EDITORS,
        lambda r: {"kind": "rss", "location": f"https://{r}.example/rss"},
    ),
    Rule("DELETE", "/api/sources/{name:path}", "/api/sources/nope", EDITORS),
    Rule("POST", "/api/ingest", "/api/ingest", EDITORS, lambda r: {}),
    Rule("GET", "/api/jobs", "/api/jobs", ANYONE),
    Rule("POST", "/api/jobs/{job_id}/cancel", "/api/jobs/1/cancel", EDITORS),
]
# A folder source reads the server's own files: admins only, under the same route.
FOLDER = Rule(
    "POST", "/api/sources", "/api/sources", ADMINS, lambda r: {"kind": "folder", "location": "/nonexistent"}
)


def _form(**values: str) -> Body:
    return lambda r: dict(values)


WEB: list[Rule] = [
    Rule("GET", "/", "/", PUBLIC),
    Rule("GET", "/login", "/login", PUBLIC),
    Rule(
        "POST",
        "/login",
        "/login",
        PUBLIC,
        lambda r: {"name": "rita", "password": PASSWORDS["rita"]},
        form=True,
        ends_sessions=True,
    ),
    Rule("GET", "/setup", "/setup", PUBLIC),
    Rule("POST", "/setup", "/setup", PUBLIC, _form(code="x", name="ada", password="12345678"), form=True),
    Rule("POST", "/lang", "/lang", PUBLIC, _form(lang="en"), form=True),
    Rule("POST", "/logout", "/logout", ANYONE, _form(), form=True, ends_sessions=True),
    Rule("GET", "/inbox", "/inbox?topic=&lang=zh&since=1d&q=票价", ANYONE),
    Rule("GET", "/stories/{ref}", "/stories/1", ANYONE),
    Rule(
        "POST", "/stories/{ref}/drafts", "/stories/1/drafts", ANYONE, _form(task="summary", n="1"), form=True
    ),
    Rule("GET", "/drafts", "/drafts?state=draft", ANYONE),
    Rule("GET", "/drafts/new", "/drafts/new", ANYONE),
    Rule("POST", "/drafts/new", "/drafts/new", ANYONE, _form(task="headline", text=SOURCE, n="1"), form=True),
    Rule("GET", "/drafts/{draft_id}", "/drafts/1", ANYONE),
    Rule("GET", "/drafts/{draft_id}/diff", "/drafts/1/diff?old=1&new=2", ANYONE),
    Rule(
        "POST",
        "/drafts/{draft_id}/edit",
        "/drafts/1/edit",
        ANYONE,
        lambda r: {"text": f"{SOURCE}{r}", "parent": "999"},
        form=True,
    ),
    Rule(
        "POST",
        "/drafts/{draft_id}/restore",
        "/drafts/1/restore",
        ANYONE,
        _form(revision="1", parent="999"),
        form=True,
    ),
    Rule(
        "POST",
        "/drafts/{draft_id}/paragraph",
        "/drafts/1/paragraph",
        ANYONE,
        _form(paragraph="1", parent="999"),
        form=True,
    ),
    Rule("POST", "/drafts/{draft_id}/comment", "/drafts/1/comment", ANYONE, _form(text="ok"), form=True),
    Rule("POST", "/drafts/{draft_id}/submit", "/drafts/1/submit", ANYONE, _form(), form=True),
    Rule("POST", "/drafts/{draft_id}/approve", "/drafts/1/approve", EDITORS, _form(), form=True),
    Rule("POST", "/drafts/{draft_id}/reject", "/drafts/1/reject", EDITORS, _form(reason="no"), form=True),
    Rule("POST", "/drafts/{draft_id}/spike", "/drafts/2/spike", EDITORS, _form(reason="dup"), form=True),
    Rule("POST", "/drafts/{draft_id}/ack/{flag_id}", "/drafts/1/ack/nope", EDITORS, _form(), form=True),
    Rule("POST", "/drafts/{draft_id}/assign", "/drafts/1/assign", EDITORS, _form(to="rita"), form=True),
    Rule("GET", "/review", "/review", ANYONE),
    Rule("GET", "/drafts/{draft_id}/publish", "/drafts/1/publish", ANYONE),
    Rule("POST", "/drafts/{draft_id}/publish", "/drafts/1/publish", EDITORS, _form(format="rss"), form=True),
    Rule("POST", "/drafts/{draft_id}/unpublish", "/drafts/1/unpublish", EDITORS, _form(), form=True),
    Rule("GET", "/drafts/{draft_id}/history", "/drafts/1/history", EDITORS),
    Rule("GET", "/jobs", "/jobs", ANYONE),
    Rule("POST", "/jobs/{job_id}/cancel", "/jobs/1/cancel", EDITORS, _form(), form=True),
    Rule("GET", "/sources", "/sources", ANYONE),
    Rule(
        "POST",
        "/sources",
        "/sources",
        EDITORS,
        lambda r: {"kind": "web", "location": f"https://w{r}.example/"},
        form=True,
    ),
    Rule("POST", "/sources/ingest", "/sources/ingest", EDITORS, _form(), form=True),
    Rule("POST", "/sources/{name:path}/remove", "/sources/nope/remove", EDITORS, _form(), form=True),
    Rule("GET", "/users", "/users", ADMINS),
    Rule(
        "POST",
        "/users",
        "/users",
        ADMINS,
        lambda r: {"name": f"web-{r}", "role": "reporter", "password": "12345678"},
        form=True,
    ),
    Rule("POST", "/users/{name}/role", "/users/rita/role", ADMINS, _form(role="reporter"), form=True),
    Rule(
        "POST",
        "/users/{name}/password",
        "/users/rita/password",
        ADMINS,
        _form(password=PASSWORDS["rita"]),
        form=True,
        ends_sessions=True,
    ),
    Rule("GET", "/account", "/account", ANYONE),
    Rule(
        "POST",
        "/account/password",
        "/account/password",
        ANYONE,
        lambda r: {"current": PASSWORDS[_own(r)], "new": PASSWORDS[_own(r)]},
        form=True,
        ends_sessions=True,
    ),
    Rule("POST", "/account/tokens", "/account/tokens", ANYONE, _form(name="t"), form=True),
    Rule(
        "POST",
        "/account/tokens/{token_id}/revoke",
        "/account/tokens/999999/revoke",
        ANYONE,
        _form(),
        form=True,
    ),
]


def _seed(studio: Studio, tmp_path: Path) -> None:
    zm = studio.zm
    for _ in range(2):
        zm.drafts_new("headline", zm.task_input("headline", text=SOURCE), by="rita", n=2)
    zm.sources_add("rss", "https://feed.example/rss", name="feed")
    zm.ingest_queue("feed")


def _anonymous(studio: Studio) -> tuple[TestClient, str]:
    """A new visitor (signing in must not carry over to the next call) with the pre-sign-in CSRF
    token, which is all an anonymous caller can have for what it may post (sign-in, setup)."""
    client = TestClient(studio.client.app, base_url="http://testserver")
    return client, client.get("/api/auth/csrf").json()["csrf"]


def _call(
    client: TestClient, csrf: str | None, rule: Rule, role: str, headers: dict[str, str]
) -> tuple[int, str]:
    body = rule.body(role) if rule.body else None
    headers = dict(headers)
    if rule.form:
        data = dict(body or {})
        if csrf:
            data["csrf_token"] = csrf
        reply = client.request(rule.method, rule.url, data=data, headers=headers, follow_redirects=False)
    else:
        if csrf:
            headers["X-CSRF-Token"] = csrf
        reply = client.request(rule.method, rule.url, json=body, headers=headers, follow_redirects=False)
    return reply.status_code, reply.headers.get("location") or reply.text[:200]


def _expected_denial(role: str, web: bool) -> int:
    if role == "anonymous":
        return 303 if web else 401  # the studio sends an anonymous visitor to sign in
    return 403


def _check(rule: Rule, role: str, reply: tuple[int, str], web: bool) -> str | None:
    status, text = reply
    allowed = role in rule.roles
    if allowed and (status in (401, 403) or status >= 500):
        return f"{rule.method} {rule.url} as {role}: {status}, expected allowed ({text})"
    if not allowed and status != _expected_denial(role, web):
        return (
            f"{rule.method} {rule.url} as {role}: {status}, expected {_expected_denial(role, web)} ({text})"
        )
    if allowed and web and status == 303 and text.startswith("/login?next="):
        return f"{rule.method} {rule.url} as {role}: sent to sign in, expected allowed"
    if not allowed and web and role == "anonymous" and not text.startswith("/login?next="):
        return f"{rule.method} {rule.url} as anonymous: redirected to {text}, expected to sign in"
    return None


def _routes(routes: list[Any]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, APIRoute):
            found |= {(method, route.path) for method in route.methods}
        elif getattr(route, "original_router", None) is not None:  # an included router (no prefix)
            found |= _routes(route.original_router.routes)
    return found


def test_every_route_is_in_the_table(studio: Studio) -> None:
    routes = _routes(studio.client.app.routes)  # type: ignore[attr-defined]
    assert len(routes) > 90
    table = {(r.method, r.path) for r in [*API, *WEB]}
    assert routes - table == set(), "routes without a permission rule"
    assert table - routes == set(), "rules for routes that do not exist"


def test_api_matrix_with_tokens(studio: Studio, tmp_path: Path) -> None:
    _seed(studio, tmp_path)
    wrong = []
    for rule in [*API, FOLDER]:
        for role in ALL:
            if role == "anonymous":
                status = _call(*_anonymous(studio), rule, role, {})
            else:
                status = _call(studio.client, None, rule, role, studio.headers(role))
            wrong.append(_check(rule, role, status, web=False))
    cells = len(API) * len(ALL)
    assert cells >= 200
    assert [w for w in wrong if w] == [], "\n".join(w for w in wrong if w)


def _sessions(studio: Studio) -> dict[str, tuple[TestClient, str]]:
    app = studio.client.app
    out: dict[str, tuple[TestClient, str]] = {}
    for role, name in ROLES.items():
        client = TestClient(app, base_url="http://testserver")
        out[role] = (client, login(client, name))
    return out


@pytest.mark.parametrize("table", ["api", "web"])
def test_matrix_with_sessions(studio: Studio, tmp_path: Path, table: str) -> None:
    _seed(studio, tmp_path)
    sessions = _sessions(studio)
    rules = API if table == "api" else WEB
    wrong = []
    for rule in rules:
        for role in ALL:
            client, csrf = _anonymous(studio) if role == "anonymous" else sessions[role]
            status = _call(client, csrf, rule, role, {})
            wrong.append(_check(rule, role, status, web=table == "web"))
            if rule.ends_sessions and role != "anonymous":
                sessions = _sessions(studio)  # signed out (or their password reset): sign in again
    assert [w for w in wrong if w] == [], "\n".join(w for w in wrong if w)
