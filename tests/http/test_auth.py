"""Sign-in, sessions, cookies, CSRF, throttling, passwords, API tokens and first-start setup."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.http.conftest import PASSWORDS, Studio, add_people, login, make_settings
from zhimei.api import Zhimei
from zhimei.interfaces.http import ServerOptions, create_app


def _cookie_headers(reply_headers: list[tuple[str, str]], name: str) -> str:
    return next(v for k, v in reply_headers if k.lower() == "set-cookie" and v.startswith(name + "="))


def test_session_cookie_flags(studio: Studio) -> None:
    client = studio.client
    pre = client.get("/api/auth/csrf")
    csrf_cookie = _cookie_headers(pre.headers.multi_items(), "zm_csrf").lower()
    assert "httponly" in csrf_cookie and "samesite=lax" in csrf_cookie and "secure" not in csrf_cookie
    reply = client.post(
        "/api/auth/login",
        json={"name": "rita", "password": PASSWORDS["rita"]},
        headers={"X-CSRF-Token": pre.json()["csrf"]},
    )
    assert reply.status_code == 200
    session = _cookie_headers(reply.headers.multi_items(), "zm_session").lower()
    assert "httponly" in session and "samesite=lax" in session and "path=/" in session
    assert "secure" not in session  # plain http on loopback


def test_cookies_are_secure_over_https(tmp_path: Path) -> None:
    zm = Zhimei(make_settings(tmp_path))
    add_people(zm)
    with TestClient(create_app(zm, ServerOptions(https=True)), base_url="https://studio.example") as client:
        pre = client.get("/api/auth/csrf")
        reply = client.post(
            "/api/auth/login",
            json={"name": "ada", "password": PASSWORDS["ada"]},
            headers={"X-CSRF-Token": pre.json()["csrf"]},
        )
        assert reply.status_code == 200
        assert "secure" in _cookie_headers(reply.headers.multi_items(), "zm_session").lower()
        assert reply.headers["strict-transport-security"].startswith("max-age=")


def test_csrf_missing_or_wrong_is_403(studio: Studio) -> None:
    client = studio.client
    csrf = login(client, "rita")
    body = {"task": "headline", "text": "市政府今天宣布新政策。", "n": 1}
    assert client.post("/api/drafts", json=body).status_code == 403
    wrong = client.post("/api/drafts", json=body, headers={"X-CSRF-Token": csrf[:-2] + "xx"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "csrf_failed"
    assert client.post("/api/drafts", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    # Forms: the token is a field.
    assert client.post("/drafts/1/comment", data={"text": "x"}, follow_redirects=False).status_code == 403
    ok = client.post("/drafts/1/comment", data={"text": "x", "csrf_token": csrf}, follow_redirects=False)
    assert ok.status_code == 303
    # Another site's page posting with our cookie and even the right token is refused.
    foreign = client.post(
        "/api/drafts/1/comments",
        json={"text": "x"},
        headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    # The pre-sign-in token does not work once signed in (the session has its own).
    assert client.post("/api/auth/logout").status_code == 403


def test_sign_in_needs_the_pre_sign_in_token(studio: Studio) -> None:
    client = TestClient(studio.client.app)
    reply = client.post("/api/auth/login", json={"name": "rita", "password": PASSWORDS["rita"]})
    assert reply.status_code == 403
    page = client.get("/login")
    assert page.status_code == 200 and "zm_csrf" in page.headers.get("set-cookie", "")


def test_token_callers_need_no_csrf_and_bad_tokens_are_401(studio: Studio) -> None:
    client = TestClient(studio.client.app)
    ok = client.post("/api/drafts/1/comments", json={"text": "x"}, headers=studio.headers("reporter"))
    assert ok.status_code == 404  # no draft 1 yet: authorised, and no CSRF asked
    for bad in ("Bearer zmt_nope", "Basic abc", "Bearer ", "Bearer " + "x" * 500):
        reply = client.get("/api/auth/me", headers={"Authorization": bad})
        assert reply.status_code == 401 and reply.json()["error"]["code"] == "invalid_token"


def test_tokens_are_stored_hashed_and_can_be_revoked(studio: Studio) -> None:
    client = studio.client
    made = client.post("/api/auth/tokens", json={"name": "cms"}, headers=studio.headers("editor"))
    assert made.status_code == 201
    secret, token_id = made.json()["secret"], made.json()["token"]["id"]
    with studio.zm.engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(text("SELECT * FROM auth_tokens")) for v in row)
        sessions = " ".join(str(v) for row in conn.execute(text("SELECT * FROM auth_sessions")) for v in row)
    assert secret not in stored and secret[4:] not in stored
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/auth/me", headers=headers).json()["name"] == "eddie"
    assert client.delete(f"/api/auth/tokens/{token_id}", headers=headers).json()["revoked_at"]
    assert client.get("/api/auth/me", headers=headers).status_code == 401
    # Someone else's token id is not found for you.
    other = client.delete(f"/api/auth/tokens/{token_id}", headers=studio.headers("reporter"))
    assert other.status_code == 404
    assert "zm_session" not in sessions


def test_login_throttling(studio: Studio) -> None:
    client = TestClient(studio.client.app)
    pre = client.get("/api/auth/csrf").json()["csrf"]
    headers = {"X-CSRF-Token": pre}
    statuses = [
        client.post(
            "/api/auth/login", json={"name": "rita", "password": "wrong-one"}, headers=headers
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    locked = client.post(
        "/api/auth/login", json={"name": "rita", "password": PASSWORDS["rita"]}, headers=headers
    )
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert locked.json()["error"]["code"] == "login_throttled"
    # Wrong names fail like wrong passwords.
    other = TestClient(studio.client.app, client=("10.0.0.9", 1234))
    pre2 = other.get("/api/auth/csrf").json()["csrf"]
    nobody = other.post(
        "/api/auth/login", json={"name": "nobody", "password": "x"}, headers={"X-CSRF-Token": pre2}
    )
    assert nobody.status_code == 401 and nobody.json()["error"]["message"] == "wrong user name or password"


def test_password_reset_by_admin_ends_sessions(studio: Studio) -> None:
    rita = TestClient(studio.client.app)
    login(rita, "rita")
    assert rita.get("/api/auth/me").status_code == 200
    reply = studio.client.post(
        "/api/users/rita/password", json={"password": "brand-new-pass"}, headers=studio.headers("admin")
    )
    assert reply.status_code == 204
    assert rita.get("/api/auth/me").status_code == 401
    assert studio.zm.auth_login("rita", "brand-new-pass").name == "rita"
    short = studio.client.post(
        "/api/users/rita/password", json={"password": "short"}, headers=studio.headers("admin")
    )
    assert short.status_code == 422
    denied = studio.client.post(
        "/api/users/ada/password", json={"password": "12345678x"}, headers=studio.headers("editor")
    )
    assert denied.status_code == 403


def test_own_password_change_checks_the_current_one(studio: Studio) -> None:
    client = studio.client
    csrf = login(client, "eddie")
    wrong = client.post(
        "/api/auth/password",
        json={"current": "nope", "new": "another-pass-1"},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 401
    ok = client.post(
        "/api/auth/password",
        json={"current": PASSWORDS["eddie"], "new": "another-pass-1"},
        headers={"X-CSRF-Token": csrf},
    )
    assert ok.status_code == 204
    assert client.get("/api/auth/me").status_code == 401  # sessions end with the old password


def test_admin_adds_a_user_who_can_sign_in(studio: Studio) -> None:
    reply = studio.client.post(
        "/api/users",
        json={"name": "lin", "role": "editor", "password": "lin-password"},
        headers=studio.headers("admin"),
    )
    assert reply.status_code == 201 and reply.json()["role"] == "editor"
    client = TestClient(studio.client.app)
    pre = client.get("/api/auth/csrf").json()["csrf"]
    me = client.post(
        "/api/auth/login", json={"name": "lin", "password": "lin-password"}, headers={"X-CSRF-Token": pre}
    )
    assert me.json()["role"] == "editor"
    dup = studio.client.post(
        "/api/users",
        json={"name": "lin", "role": "editor", "password": "lin-password"},
        headers=studio.headers("admin"),
    )
    assert dup.status_code in (400, 409)


def test_first_start_setup(tmp_path: Path) -> None:
    zm = Zhimei(make_settings(tmp_path))
    assert zm.auth_setup_needed()
    client = TestClient(create_app(zm, ServerOptions(setup_code="the-code")))
    assert client.get("/", follow_redirects=False).headers["location"] == "/setup"
    pre = client.get("/api/auth/csrf").json()["csrf"]
    headers = {"X-CSRF-Token": pre}
    body = {"code": "wrong", "name": "boss", "password": "boss-password"}
    assert client.post("/api/setup", json=body, headers=headers).json()["error"]["code"] == "setup_code"
    made = client.post("/api/setup", json={**body, "code": "the-code"}, headers=headers)
    assert made.status_code == 200 and made.json()["role"] == "admin"
    assert not zm.auth_setup_needed()
    other = TestClient(client.app)
    pre = other.get("/api/auth/csrf").json()["csrf"]
    again = other.post("/api/setup", json={**body, "code": "the-code"}, headers={"X-CSRF-Token": pre})
    assert again.status_code == 409 and again.json()["error"]["code"] == "setup_done"


def test_setup_gives_a_cli_made_admin_a_password(tmp_path: Path) -> None:
    zm = Zhimei(make_settings(tmp_path))
    zm.users_add("chief", "admin")  # as `zhimei users add chief --role admin` does
    assert zm.auth_setup_needed()
    client = TestClient(create_app(zm, ServerOptions(setup_code="c0de")))
    pre = client.get("/api/auth/csrf").json()["csrf"]
    reply = client.post(
        "/api/setup",
        json={"code": "c0de", "name": "chief", "password": "chief-pass"},
        headers={"X-CSRF-Token": pre},
    )
    assert reply.status_code == 200 and reply.json()["name"] == "chief"
    assert [u.name for u in zm.users_list()] == ["chief"]


def test_setup_is_off_without_a_code(tmp_path: Path) -> None:
    zm = Zhimei(make_settings(tmp_path))
    client = TestClient(create_app(zm, ServerOptions(setup_code=None)))
    pre = client.get("/api/auth/csrf").json()["csrf"]
    reply = client.post(
        "/api/setup",
        json={"code": "anything", "name": "x", "password": "x-password"},
        headers={"X-CSRF-Token": pre},
    )
    assert reply.status_code == 403 and zm.users_list() == []
