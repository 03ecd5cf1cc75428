"""The HTTP API beyond permissions: error codes, 409 on stale revisions, 429 when the generation
queue is full, streamed generation with cancel, previews, the feed, headers and the schema."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.http.conftest import SOURCE, Studio, add_people, make_settings
from zhimei.api import Zhimei
from zhimei.backends.scripted import ScriptedBackend
from zhimei.interfaces.http import ServerOptions, create_app
from zhimei.interfaces.http.errors import error_code, status_of
from zhimei.interfaces.http.gate import GenerationGate, QueueFullError
from zhimei.records import GenerationRequest

NEW = {"task": "headline", "text": SOURCE, "n": 1}


def _events(body: str) -> list[tuple[str, dict[str, object]]]:
    out = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_errors_have_stable_codes(studio: Studio) -> None:
    client, h = studio.client, studio.headers("reporter")
    missing = client.get("/api/drafts/999", headers=h)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    unknown = client.post("/api/drafts", json={**NEW, "task": "nope"}, headers=h)
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_name"
    assert "headline" in unknown.json()["error"]["hint"]
    invalid = client.post("/api/drafts", json={"task": "headline", "n": 99}, headers=h)
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_request"
    empty = client.post("/api/drafts", json={**NEW, "text": "   "}, headers=h)
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "input"


def test_stale_revision_and_workflow_are_409(studio: Studio) -> None:
    client, h = studio.client, studio.headers("reporter")
    draft = client.post("/api/drafts", json=NEW, headers=h).json()
    first = client.post(
        f"/api/drafts/{draft['id']}/revisions", json={"text": "改写一", "parent": 1}, headers=h
    )
    assert first.status_code == 201
    stale = client.post(
        f"/api/drafts/{draft['id']}/revisions", json={"text": "改写二", "parent": 1}, headers=h
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_revision"
    early = client.post(
        f"/api/drafts/{draft['id']}/publish", json={"format": "rss"}, headers=studio.headers("editor")
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "workflow"
    preview = client.get(f"/api/drafts/{draft['id']}/preview/html", headers=h)
    assert preview.status_code == 409


def test_error_mapping_covers_the_family() -> None:
    from zhimei.errors import (
        AuthenticationError,
        BackendError,
        DuplicateError,
        PublishBlockedError,
        StaleRevisionError,
        StorageError,
        ZhimeiError,
    )

    assert (
        status_of(StaleRevisionError("x")) == 409 and error_code(StaleRevisionError("x")) == "stale_revision"
    )
    assert status_of(PublishBlockedError("x")) == 409
    assert status_of(DuplicateError("x")) == 409
    assert status_of(AuthenticationError("x")) == 401
    assert status_of(BackendError("x")) == 502
    assert status_of(StorageError("x")) == 503
    assert status_of(QueueFullError(3, 5)) == 429
    assert status_of(ZhimeiError("x")) == 500 and error_code(ZhimeiError("x")) == "zhimei"


def test_full_generation_queue_is_429_with_retry_after(tmp_path: Path) -> None:
    release = threading.Event()
    started = threading.Event()

    def slow(request: GenerationRequest) -> str:
        started.set()
        release.wait(10)
        return "市政府宣布新票价"

    zm = Zhimei(make_settings(tmp_path), backend=ScriptedBackend([slow]))
    add_people(zm)
    app = create_app(zm, ServerOptions(generation_slots=1, generation_queue=0, retry_after_s=7))
    token = zm.auth_token_new("rita", "t")[0]
    h = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        results: list[int] = []
        worker = threading.Thread(
            target=lambda: results.append(client.post("/api/drafts", json=NEW, headers=h).status_code)
        )
        worker.start()
        assert started.wait(10)
        busy = client.post("/api/drafts", json=NEW, headers=h)
        streamed = client.post("/api/drafts/stream", json=NEW, headers=h)
        release.set()
        worker.join(10)
    assert busy.status_code == 429 and busy.headers["retry-after"] == "7"
    assert busy.json()["error"]["code"] == "queue_full"
    assert streamed.status_code == 429
    assert results == [201]


def test_gate_admits_up_to_capacity_and_releases() -> None:
    gate = GenerationGate(slots=1, queue=1, retry_after=3)
    first, second = gate.admit(), gate.admit()
    with pytest.raises(QueueFullError) as caught:
        gate.admit()
    assert caught.value.retry_after == 3
    with first:
        assert not second.wait(_set_event(), poll=0.01)  # cancelled while the slot is taken
    assert gate.inside == 0
    with gate.admit():
        assert gate.inside == 1
    assert gate.inside == 0


def _set_event() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


def test_stream_events_and_variants(studio: Studio) -> None:
    h = studio.headers("reporter")
    with studio.client.stream("POST", "/api/drafts/stream", json={**NEW, "n": 3}, headers=h) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        body = "".join(reply.iter_text())
    events = _events(body)
    names = [e for e, _ in events]
    assert names[0] == "start" and names[-1] == "done"
    assert names.count("variant") == 3 and names.count("revision") == 3 and names.count("draft") == 1
    text = "".join(str(d["text"]) for e, d in events if e == "text" and d["variant"] == 0)
    revisions = [d for e, d in events if e == "revision"]
    assert revisions[0]["number"] == 1 and len({r["number"] for r in revisions}) == 3
    assert str(revisions[0]["text"]) in text  # what streamed is what was saved (or its start)
    draft_id = events[-1][1]["draft"]
    view = studio.client.get(f"/api/drafts/{draft_id}", headers=h).json()
    assert [r["kind"] for r in view["revisions"]] == ["generated"] * 3


def test_stream_reports_errors_as_events(studio: Studio) -> None:
    with studio.client.stream(
        "POST", "/api/drafts/999/regenerate/stream", json={"n": 1}, headers=studio.headers("reporter")
    ) as reply:
        events = _events("".join(reply.iter_text()))
    assert events[-1][0] == "error" and events[-1][1]["code"] == "not_found"


def test_stream_cancel(tmp_path: Path) -> None:
    gate = threading.Event()

    def slow(request: GenerationRequest) -> str:
        gate.wait(10)
        return "一 二 三 四 五 六 七 八 九 十 " * 20

    zm = Zhimei(make_settings(tmp_path), backend=ScriptedBackend([slow]))
    add_people(zm)
    token = zm.auth_token_new("rita", "t")[0]
    h = {"Authorization": f"Bearer {token}"}
    with (
        TestClient(create_app(zm)) as client,
        client.stream("POST", "/api/drafts/stream", json=NEW, headers=h) as reply,
    ):
        stream_id = reply.headers["x-stream-id"]
        other = zm.auth_token_new("eddie", "t")[0]
        assert (
            client.post(
                f"/api/streams/{stream_id}/cancel", headers={"Authorization": f"Bearer {other}"}
            ).status_code
            == 404
        )
        assert client.post(f"/api/streams/{stream_id}/cancel", headers=h).status_code == 204
        gate.set()
        events = _events("".join(reply.iter_text()))
    assert events[-1][0] == "cancelled"
    assert zm.drafts_list() == []  # cancelled before a draft was saved


def test_preview_publish_and_public_feed(studio: Studio) -> None:
    client = studio.client
    reporter, editor = studio.headers("reporter"), studio.headers("editor")
    draft = client.post("/api/drafts", json=NEW, headers=reporter).json()
    did = draft["id"]
    assert client.post(f"/api/drafts/{did}/submit", headers=reporter).status_code == 200
    assert client.post(f"/api/drafts/{did}/approve", headers=editor).status_code == 200
    for fmt in ("markdown", "html", "json", "rss", "docx"):
        preview = client.get(f"/api/drafts/{did}/preview/{fmt}", headers=reporter).json()
        assert preview["label"] and "eddie" in preview["label"]
    assert client.get("/feed.xml").text.count("<item>") == 0
    published = client.post(f"/api/drafts/{did}/publish", json={"format": "rss"}, headers=editor)
    assert published.status_code == 201 and published.json()["label"]["reviewed_by"] == "eddie"
    feed = client.get("/feed.xml")
    assert feed.headers["content-type"].startswith("application/rss+xml")
    assert feed.text.count("<item>") == 1 and "aigc:aiLabel" in feed.text
    history = client.get(f"/api/drafts/{did}/audit", headers=editor).json()
    assert [e["action"] for e in history][-3:] == ["submit", "approve", "publish"]


def test_security_headers_and_schema(studio: Studio) -> None:
    reply = studio.client.get("/login")
    csp = reply.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert reply.headers["x-frame-options"] == "DENY" and reply.headers["x-content-type-options"] == "nosniff"
    schema = studio.client.get("/openapi.json").json()
    assert "/api/drafts/{draft_id}/diff" in schema["paths"] and "/login" not in schema["paths"]
    assert studio.client.get("/docs").status_code == 404  # its page would load scripts from a CDN


def test_intake_endpoints(studio: Studio, tmp_path: Path) -> None:
    client, editor = studio.client, studio.headers("editor")
    added = client.post(
        "/api/sources", json={"kind": "rss", "location": "https://news.example/rss"}, headers=editor
    )
    assert added.status_code == 201
    name = added.json()["name"]
    job = client.post("/api/ingest", json={"source": name}, headers=editor)
    assert job.status_code == 202 and job.json()["state"] == "queued"
    jobs = client.get("/api/jobs", headers=studio.headers("reporter")).json()
    assert [j["id"] for j in jobs] == [job.json()["id"]]
    cancelled = client.post(f"/api/jobs/{job.json()['id']}/cancel", headers=editor).json()
    assert cancelled["state"] == "cancelled"
    assert client.get("/api/stories?lang=zh", headers=editor).json() == []
    assert client.delete(f"/api/sources/{name}", headers=editor).status_code == 200
    folder = client.post("/api/sources", json={"kind": "folder", "location": str(tmp_path)}, headers=editor)
    assert folder.status_code == 403


def test_one_paragraph_is_rewritten_through_the_api(tmp_path: Path) -> None:
    first, second = "市政府宣布票价调整。", "地铁起步价维持3元，公交月票降至100元。"
    replies = [first, "公交月票将降至100元，地铁起步价仍为3元。"]
    settings = make_settings(tmp_path).model_copy(update={"max_retries": 0})  # one reply per generation
    zm = Zhimei(settings, backend=ScriptedBackend(replies))
    add_people(zm)
    with TestClient(create_app(zm, ServerOptions()), base_url="http://testserver") as client:
        h = {"Authorization": f"Bearer {zm.auth_token_new('rita', 'tests')[0]}"}
        draft = client.post("/api/drafts", json=NEW, headers=h).json()
        url = f"/api/drafts/{draft['id']}"
        edit = client.post(f"{url}/revisions", json={"text": f"{first}\n\n{second}", "parent": 1}, headers=h)
        assert edit.status_code == 201
        missing = client.post(f"{url}/paragraphs/3/regenerate", json={"parent": 2}, headers=h)
        assert missing.status_code == 400 and "no paragraph 3" in missing.json()["error"]["message"]
        made = client.post(
            f"{url}/paragraphs/2/regenerate", json={"parent": 2, "style": "concise"}, headers=h
        )
        assert made.status_code == 201, made.text
        revision = made.json()
        assert revision["text"] == f"{first}\n\n公交月票将降至100元，地铁起步价仍为3元。"
        assert (revision["number"], revision["kind"], revision["author"]) == (3, "generated", "rita")
        stale = client.post(f"{url}/paragraphs/1/regenerate", json={"parent": 2}, headers=h)
        assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_revision"
        bad = client.post(f"{url}/paragraphs/1/regenerate", json={"style": "shouty"}, headers=h)
        assert bad.status_code == 422


def test_request_threads_leave_room_beside_waiting_generations() -> None:
    assert ServerOptions().threads == 1 + 4 + 4
    assert ServerOptions(generation_slots=2, generation_queue=10, request_threads=3).threads == 13
    assert ServerOptions(request_threads=20).threads == 20
