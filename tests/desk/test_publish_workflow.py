"""Publishing through the library: folders, feeds, a loopback webhook, embargoes, unpublishing and
corrections; idempotent, and nothing recorded when delivery fails."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lxml import etree

from tests.desk.workflow_support import EN_ARTICLE, EN_SUMMARY, START, Clock, make_desk
from zhimei.api import Zhimei, article_from_text
from zhimei.desk.labels.text import AIGC_NS
from zhimei.errors import InputError, PermissionDeniedError, PublishError, StorageError, WorkflowError
from zhimei.records import Draft


class Receiver:
    """A loopback HTTP server recording POSTs; answers ``fail`` (a list of statuses) first, then 200."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, object]]] = []
        self.fail: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), json.loads(body)))
                status = receiver.fail.pop(0) if receiver.fail else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def zm(tmp_path: Path, clock: Clock) -> Zhimei:
    return make_desk(tmp_path / "home", clock=clock)


def _approved(
    zm: Zhimei, text: str = EN_SUMMARY + " Critics objected and asked the council for a hearing."
) -> Draft:
    d = zm.drafts_new("summary", article_from_text(EN_ARTICLE), by="alice")
    zm.drafts_edit(d.id, text, by="alice", parent=1)
    zm.review_submit(d.id, by="alice")
    zm.review_approve(d.id, by="bob")
    return zm.desk.store.draft(d.id)


def test_publish_to_every_folder_format_once(zm: Zhimei, tmp_path: Path) -> None:
    d = _approved(zm)
    out = tmp_path / "out"
    pubs = [
        zm.publish(d.id, fmt, by="bob", target=out) for fmt in ("markdown", "html", "json", "docx", "rss")
    ]
    assert {p.status for p in pubs} == {"published"}
    names = sorted(p.name for p in out.iterdir())
    assert names == ["atom.xml", "draft-1.docx", "draft-1.html", "draft-1.json", "draft-1.md", "feed.xml"]
    for p in pubs:
        assert p.label is not None and p.label.reviewed_by == "bob" and p.label.aigc.propagate_id == p.key
        assert p.label.explicit_text == "AI-assisted, reviewed by editor bob"
    # The same revision to the same place again is the same publication, not a second one.
    again = zm.publish(d.id, "markdown", by="erin", target=out)
    assert again == pubs[0]
    assert len(zm.desk.store.publications(draft_id=d.id)) == 5
    assert [e.action for e in zm.audit(draft_id=d.id)].count("publish") == 5
    assert zm.desk.store.draft(d.id).state == "published"


def test_label_wording_follows_the_human_edit_ratio(zm: Zhimei, tmp_path: Path) -> None:
    d = zm.drafts_new("summary", article_from_text(EN_ARTICLE), by="alice")
    zm.review_submit(d.id, by="alice")
    zm.review_approve(d.id, by="erin")
    pub = zm.publish(d.id, "json", by="bob", target=tmp_path / "out")
    assert pub.label is not None
    assert (pub.label.kind, pub.label.human_edit_ratio) == ("generated", 0.0)
    assert pub.label.explicit_text == "AI-generated, reviewed by editor erin"  # the approving editor


def test_a_text_rewritten_by_people_is_published_without_an_aigc_label(zm: Zhimei, tmp_path: Path) -> None:
    d = _approved(zm, text="Entirely new words from the desk.")
    pub = zm.publish(d.id, "markdown", by="bob", target=tmp_path / "out")
    assert pub.label is None
    assert "AIGC" not in (tmp_path / "out" / "draft-1.md").read_text()


def test_bad_targets_and_formats(zm: Zhimei, tmp_path: Path) -> None:
    d = _approved(zm)
    with pytest.raises(InputError, match="unknown format 'pdf'"):
        zm.publish(d.id, "pdf", by="bob")
    with pytest.raises(InputError, match="needs a URL"):
        zm.publish(d.id, "webhook", by="bob")
    with pytest.raises(InputError, match="not a webhook URL"):
        zm.publish(d.id, "webhook", by="bob", target="file:///etc/passwd")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot write the publication"):
        zm.publish(d.id, "markdown", by="bob", target=blocker / "sub")
    assert zm.desk.store.publications(draft_id=d.id) == []
    assert zm.desk.store.draft(d.id).state == "approved"


def test_embargo_publishes_when_due(zm: Zhimei, clock: Clock, tmp_path: Path) -> None:
    d = _approved(zm)
    out = tmp_path / "out"
    with pytest.raises(InputError, match="not a future"):
        zm.publish(d.id, "markdown", by="bob", target=out, at=START)
    at = START + timedelta(hours=2)
    scheduled = zm.publish(d.id, "markdown", by="bob", target=out, at=at)
    assert (scheduled.status, scheduled.scheduled_at, scheduled.label) == ("scheduled", at, None)
    assert zm.desk.store.draft(d.id).state == "approved" and not out.exists()
    assert zm.publish_due() == []  # not yet
    clock.now = at + timedelta(minutes=1)
    (released,) = zm.publish_due()
    assert released.status == "published" and released.label is not None
    assert (out / "draft-1.md").exists() and zm.desk.store.draft(d.id).state == "published"
    publish_event = zm.audit(draft_id=d.id)[-1]
    assert (publish_event.action, publish_event.actor, publish_event.detail["scheduled"]) == (
        "publish",
        "bob",
        True,
    )
    assert zm.publish_due() == []


def test_the_job_worker_lifts_embargoes_when_the_queue_is_empty(
    zm: Zhimei, clock: Clock, tmp_path: Path
) -> None:
    d = _approved(zm)
    at = START + timedelta(hours=2)
    zm.publish(d.id, "markdown", by="bob", target=tmp_path / "out", at=at)
    zm.work(until_idle=True)
    assert zm.desk.store.publications(draft_id=d.id)[0].status == "scheduled"
    clock.now = at + timedelta(minutes=1)
    zm.work(until_idle=True)
    (pub,) = zm.desk.store.publications(draft_id=d.id)
    assert pub.status == "published" and (tmp_path / "out" / "draft-1.md").exists()


def test_embargo_is_cancelled_when_the_approval_is_withdrawn(
    zm: Zhimei, clock: Clock, tmp_path: Path
) -> None:
    d = _approved(zm)
    at = START + timedelta(hours=2)
    zm.publish(d.id, "html", by="bob", target=tmp_path / "out", at=at)
    zm.drafts_edit(d.id, "A late change.", by="alice")
    (pub,) = zm.desk.store.publications(draft_id=d.id)
    assert pub.status == "cancelled"
    clock.now = at + timedelta(minutes=1)
    assert zm.publish_due() == [] and not (tmp_path / "out").exists()


def test_release_cancels_when_the_scheduler_lost_the_right(zm: Zhimei, clock: Clock, tmp_path: Path) -> None:
    d = _approved(zm)
    at = START + timedelta(hours=2)
    zm.publish(d.id, "json", by="bob", target=tmp_path / "out", at=at)
    zm.users_set_role("bob", "reporter", by="ada")
    clock.now = at + timedelta(minutes=1)
    (pub,) = zm.publish_due()
    assert pub.status == "cancelled" and not (tmp_path / "out").exists()
    assert zm.audit(draft_id=d.id)[-1].detail["reason"] == "bob may no longer publish"


def test_unpublish_keeps_history_and_updates_the_feed(zm: Zhimei, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _approved(zm)
    second = _approved(zm, text="A second story about the budget.")
    for d in (first, second):
        zm.publish(d.id, "rss", by="bob", target=out)
        zm.publish(d.id, "markdown", by="bob", target=out)
    feed = etree.fromstring((out / "feed.xml").read_bytes())
    assert len(feed.xpath("//item")) == 2
    assert all(i.findtext(f"{{{AIGC_NS}}}aiLabelKind") for i in feed.xpath("//item"))
    down = zm.unpublish(first.id, by="erin")
    assert {p.status for p in down} == {"unpublished"} and all(p.unpublished_at for p in down)
    assert not (out / "draft-1.md").exists() and (out / "draft-2.md").exists()
    feed = etree.fromstring((out / "feed.xml").read_bytes())
    assert [i.findtext("title") for i in feed.xpath("//item")] == [second.title]
    assert zm.desk.store.draft(first.id).state == "approved"
    assert len(zm.desk.store.publications(draft_id=first.id)) == 2  # kept, as unpublished
    with pytest.raises(WorkflowError, match="no live publication"):
        zm.unpublish(first.id, by="erin")
    # Published again: a new publication; the unpublished one stays on record.
    again = zm.publish(first.id, "markdown", by="bob", target=out)
    assert again.id not in {p.id for p in down} and (out / "draft-1.md").exists()


def test_correction_republishes_with_a_visible_notice(zm: Zhimei, tmp_path: Path) -> None:
    out = tmp_path / "out"
    d = _approved(zm)
    old = [zm.publish(d.id, fmt, by="bob", target=out) for fmt in ("markdown", "html")]
    with pytest.raises(InputError, match="notice is empty"):
        zm.correct(d.id, "Fixed text.", " ", by="bob")
    revision, pubs = zm.correct(
        d.id, EN_SUMMARY.replace("$12.5", "$12.8"), "Correction: the budget is $12.8 million.", by="erin"
    )
    assert (revision.kind, revision.note, revision.author) == (
        "correction",
        "Correction: the budget is $12.8 million.",
        "erin",
    )
    draft = zm.desk.store.draft(d.id)
    assert (draft.state, draft.approved_revision, draft.head) == (
        "published",
        revision.number,
        revision.number,
    )
    assert [p.status for p in zm.desk.store.publications(draft_id=d.id)] == [
        "superseded", "superseded", "published", "published",
    ]  # fmt: skip
    assert all(p.correction and p.label and p.label.reviewed_by == "erin" for p in pubs)
    md = (out / "draft-1.md").read_text()
    assert md.split("---\n\n", 1)[1].startswith("> Correction\\: the budget is \\$12\\.8 million\\.")
    assert "$12.8 million road budget" in md and "correction: 'Correction:" in md
    assert "<strong>Correction: the budget is $12.8 million.</strong>" in (out / "draft-1.html").read_text()
    assert old[0].id != pubs[0].id
    actions = [e.action for e in zm.audit(draft_id=d.id)][-4:]
    assert actions == ["correct", "approve", "publish", "publish"]
    with pytest.raises(PermissionDeniedError, match="may not correct"):
        zm.correct(d.id, "Another fix.", "Correction.", by="alice")


def test_webhook_posts_with_an_idempotency_key_and_retries(
    zm: Zhimei, receiver: Receiver, tmp_path: Path
) -> None:
    d = _approved(zm)
    receiver.fail = [503]
    pub = zm.publish(d.id, "webhook", by="bob", target=receiver.url)
    assert pub.status == "published" and pub.location == receiver.url
    assert len(receiver.requests) == 2  # one 503, one retry
    (h1, b1), (h2, b2) = receiver.requests
    assert h1["Idempotency-Key"] == h2["Idempotency-Key"] == pub.key and b1 == b2
    assert b1["event"] == "publish" and b1["label"]["AIGC"]["PropagateID"] == pub.key  # type: ignore[index]
    assert b1["label"]["explicit"] == "AI-assisted, reviewed by editor bob"  # type: ignore[index]
    assert zm.publish(d.id, "webhook", by="bob", target=receiver.url) == pub
    assert len(receiver.requests) == 2  # idempotent: not sent again
    zm.unpublish(d.id, by="bob")
    headers, body = receiver.requests[-1]
    assert body == {"event": "unpublish", "id": pub.key, "draft": d.id}
    assert headers["Idempotency-Key"] == f"{pub.key}:unpublish"


def test_a_refused_webhook_records_nothing(zm: Zhimei, receiver: Receiver) -> None:
    d = _approved(zm)
    receiver.fail = [400]
    with pytest.raises(PublishError, match="did not accept the publication \\(HTTP 400\\)"):
        zm.publish(d.id, "webhook", by="bob", target=receiver.url)
    assert len(receiver.requests) == 1  # a 4xx is not retried
    assert zm.desk.store.publications(draft_id=d.id) == []
    assert zm.desk.store.draft(d.id).state == "approved"


def test_an_unreachable_webhook_fails_after_its_retries(zm: Zhimei) -> None:
    from zhimei.desk.publish.webhook import post

    pauses: list[float] = []
    with pytest.raises(PublishError, match="ConnectError"):
        post("http://127.0.0.1:9/hook", {"x": 1}, "key-1", sleep=pauses.append)
    assert pauses == [0.5, 1.0, 2.0]
