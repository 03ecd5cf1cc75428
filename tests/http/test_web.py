"""The studio's pages in process: what each role is offered, the language switch, escaping,
fragments for HTMX, error pages, and the sign-in redirect."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.http.conftest import SOURCE, Studio, login


def _draft(studio: Studio) -> int:
    zm = studio.zm
    draft = zm.drafts_new(
        "headline", zm.task_input("headline", text=SOURCE), by="rita", n=2, title="<b>标题</b>"
    )
    zm.review_submit(draft.id, by="rita")
    return draft.id


def test_actions_follow_the_role(studio: Studio) -> None:
    draft_id = _draft(studio)
    reporter = TestClient(studio.client.app)
    login(reporter, "rita")
    page = reporter.get(f"/drafts/{draft_id}").text
    assert 'id="approve"' not in page and 'id="history-link"' not in page
    assert 'id="submit"' not in page  # already in review
    editor = TestClient(studio.client.app)
    login(editor, "eddie")
    page = editor.get(f"/drafts/{draft_id}").text
    assert 'id="approve"' in page and 'id="reject"' in page and 'id="history-link"' in page
    assert "&lt;b&gt;标题&lt;/b&gt;" in page and "<b>标题</b>" not in page
    assert reporter.get("/users").status_code == 403
    assert 'href="/users"' not in reporter.get("/inbox").text
    admin = TestClient(studio.client.app)
    login(admin, "ada")
    assert 'href="/users"' in admin.get("/inbox").text


def test_language_switch(studio: Studio) -> None:
    client = TestClient(studio.client.app)
    csrf = login(client, "rita")
    assert "收件箱" in client.get("/inbox").text
    switched = client.post(
        "/lang", data={"lang": "en", "next": "/inbox", "csrf_token": csrf}, follow_redirects=False
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/inbox"
    assert "Inbox" in client.get("/inbox").text
    assert "登录" in TestClient(studio.client.app, headers={"Accept-Language": "zh-CN"}).get("/login").text
    assert (
        "Sign in" in TestClient(studio.client.app, headers={"Accept-Language": "en-GB,en"}).get("/login").text
    )
    away = client.post(
        "/lang", data={"lang": "zh", "next": "//evil.example/", "csrf_token": csrf}, follow_redirects=False
    )
    assert away.headers["location"] == "/"


def test_fragments_errors_and_redirects(studio: Studio) -> None:
    draft_id = _draft(studio)
    client = TestClient(studio.client.app)
    csrf = login(client, "eddie")
    fragment = client.get(f"/drafts/{draft_id}/diff?old=1&new=2", headers={"HX-Request": "true"}).text
    assert fragment.startswith('<div class="diff-result"') and "<html" not in fragment
    conflict = client.post(f"/drafts/{draft_id}/submit", data={"csrf_token": csrf}, follow_redirects=False)
    assert conflict.status_code == 409 and 'data-code="workflow"' in conflict.text
    assert "<html" in conflict.text
    anonymous = TestClient(studio.client.app)
    assert anonymous.get("/drafts/1", follow_redirects=False).headers["location"] == "/login?next=/drafts/1"
    sent = anonymous.get("/login?next=//evil.example").text
    assert 'name="next" value="/"' in sent


def test_sign_in_and_out_through_the_forms(studio: Studio) -> None:
    client = TestClient(studio.client.app)
    page = client.get("/login")
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    wrong = client.post(
        "/login", data={"name": "rita", "password": "nope", "csrf_token": csrf}, follow_redirects=False
    )
    assert wrong.status_code == 401 or wrong.headers.get("location", "").startswith("/login")
    ok = client.post(
        "/login",
        data={"name": "rita", "password": "rita-password-1", "csrf_token": csrf, "next": "/drafts"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/drafts"
    session_csrf = client.get("/drafts").text.split('name="csrf-token" content="')[1].split('"')[0]
    assert session_csrf != csrf
    out = client.post("/logout", data={"csrf_token": session_csrf}, follow_redirects=False)
    assert out.headers["location"] == "/login"
    assert client.get("/drafts", follow_redirects=False).status_code == 303


def test_flags_link_to_their_place_and_paragraphs_can_be_rewritten(studio: Studio) -> None:
    draft_id = _draft(studio)
    client = TestClient(studio.client.app)
    login(client, "rita")
    assert 'id="paragraph-form"' not in client.get(f"/drafts/{draft_id}").text  # one paragraph
    studio.zm.drafts_edit(draft_id, "地铁起步价涨到9元。\n\n新票价明年一月起实施。", by="rita")
    page = client.get(f"/drafts/{draft_id}").text
    flags = studio.zm.drafts_show(draft_id, by="rita").flags
    assert any(v.flag.text == "9元" for v in flags)  # not in the source
    for view in flags:
        assert page.count(f'id="flag-at-{view.flag.id}"') == 1 and f'href="#flag-at-{view.flag.id}"' in page
    assert 'id="paragraph-form"' in page and page.count('<option value="2">') == 1
