"""The XSS corpus (>= 200 payloads) as model output, article bodies (ingested and pasted) and
people's edits, comments and names, rendered in headless Chromium with the production CSP:
no script runs (no dialog, no sentinel call, no page error) and nothing reaches another host."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.browser.support import browser, screenshot, serve_app
from tests.browser.xss_corpus import EVIL_HOST, payloads
from tests.http.conftest import PASSWORDS, add_people, make_settings
from zhimei.api import Zhimei
from zhimei.backends.scripted import ScriptedBackend
from zhimei.interfaces.http import ServerOptions, create_app
from zhimei.records import GenerationRequest

pytestmark = pytest.mark.browser

GROUP = 10
SENTINEL = "window.__xssHits = []; window.__xss = function (n) { window.__xssHits.push(String(n)); };"
LEAD = "市政府今天宣布新的交通票价政策，地铁起步价维持3元。"


class _HashEmbedder:
    """Stands in for the sentence encoder: deterministic unit vectors from a hash of the text."""

    name = "hash"
    dim = 16

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:16], np.uint8) + 1.0 for t in texts]
        return np.array([r / np.linalg.norm(r) for r in rows], dtype=np.float32)


class _Studio(Zhimei):
    def _load_encoder(self) -> Any:
        return _HashEmbedder()


def _groups(items: list[str]) -> list[list[str]]:
    return [items[i : i + GROUP] for i in range(0, len(items), GROUP)]


def _visible(page: Any, payload: str) -> bool:
    # Rendered as text: its first printable line shows up in the page's text (whitespace aside).
    probe = next((ln.strip() for ln in payload.splitlines() if ln.strip()), "")[:40]
    return probe in page.inner_text("body")


def test_xss_corpus_runs_nowhere(tmp_path: Path) -> None:
    corpus = payloads()
    assert len(corpus) >= 200
    reply = {"text": ""}

    def scripted(request: GenerationRequest) -> str:
        return reply["text"]

    zm = _Studio(make_settings(tmp_path), backend=ScriptedBackend([scripted]))
    add_people(zm)
    groups = _groups(corpus)

    # Ingested article bodies: one file per group in a watched folder, then one ingest pass.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i, group in enumerate(groups):
        (inbox / f"{i:02d}.txt").write_text(
            group[0] + "\n\n" + LEAD + "\n" + "\n".join(group), encoding="utf-8"
        )
    zm.sources_add("folder", str(inbox), name="xss")
    zm.ingest()
    stories = zm.stories_list(limit=500)
    assert stories

    # Model output, pasted sources, edits, comments, review, publication, token names.
    drafts = []
    for i, group in enumerate(groups):
        reply["text"] = " ".join(group) + "\n" + LEAD
        inp = zm.task_input("rewrite", text=LEAD + "\n" + "\n".join(group))
        draft = zm.drafts_new("rewrite", inp, by="rita", n=2, title=group[i % len(group)])
        head = zm.drafts_revision(draft.id)
        zm.drafts_edit(draft.id, head.text + "\n" + "\n".join(reversed(group)), by="rita", parent=head.number)
        zm.drafts_comment(draft.id, "\n".join(group), by="eddie")
        zm.review_submit(draft.id, by="rita")
        if i % 2 == 0:
            zm.review_approve(draft.id, by="eddie")
            for flag in zm.drafts_show(draft.id).outstanding:
                zm.drafts_ack(draft.id, flag, by="eddie")
            zm.publish(draft.id, "rss", by="eddie")
        drafts.append(draft.id)
    for group in groups[:3]:
        for payload in group:
            zm.auth_token_new("rita", payload[:100])

    app = create_app(zm, ServerOptions())
    pages = ["/inbox", "/drafts", "/review", "/jobs", "/sources", "/account", "/feed.xml"]
    pages += [f"/stories/{s.id}" for s in stories]
    pages += [f"/inbox?q={p}" for p in ("script", "onerror", "evil")]
    for draft_id in drafts:
        pages += [
            f"/drafts/{draft_id}",
            f"/drafts/{draft_id}/diff?old=1&new=3",
            f"/drafts/{draft_id}/publish",
        ]
    with serve_app(app) as url, browser(url) as (context, watch):
        context.add_init_script(SENTINEL)
        page = context.new_page()
        page.goto(url + "/login")
        page.fill("input[name=name]", "eddie")
        page.fill("input[name=password]", PASSWORDS["eddie"])
        page.click("#login-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/inbox$"))

        hits: list[str] = []
        for path in pages:
            page.goto(url + path)
            page.wait_for_load_state("load")
            hits += page.evaluate("window.__xssHits || []")
        screenshot(page, "20_xss_publish")
        page.goto(url + f"/drafts/{drafts[0]}")
        assert all(_visible(page, p) for p in groups[0])  # rendered, as text
        screenshot(page, "21_xss_draft")
        hits += page.evaluate("window.__xssHits || []")

        # Model output streamed into the page (text nodes), as a reporter generating variants.
        page.goto(url + "/drafts/new")
        for group in groups:
            reply["text"] = "\n".join(group)
            page.fill("#source-text", LEAD + "\n" + group[0])
            page.select_option("#task", "rewrite")
            page.fill("#n", "1")
            page.click("#generate")
            page.wait_for_selector("#variants[data-done='1']", timeout=60_000)
            hits += page.evaluate("window.__xssHits || []")
        screenshot(page, "22_xss_stream")

    assert hits == []
    assert watch.dialogs == []
    assert watch.page_errors == []
    assert watch.console_errors == []  # not even a CSP violation: nothing tried to run
    assert [u for u in watch.outside if EVIL_HOST in u] == []
    assert watch.outside == []
    assert watch.requests > len(pages)


def test_the_detectors_catch_an_unescaped_page() -> None:
    # Without escaping and without CSP the same payloads do run: the checks above can fail.
    raw = "".join(
        [
            "<script>alert(1)</script>",
            "<img src=x onerror=__xss(2)>",
            f'<img src="http://{EVIL_HOST}/i/3.png">',
        ]
    ).encode()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]}
        )
        await send({"type": "http.response.body", "body": b"<!doctype html><body>" + raw})

    with serve_app(app) as url, browser(url) as (context, watch):
        context.add_init_script(SENTINEL)
        page = context.new_page()
        page.goto(url + "/")
        page.wait_for_timeout(500)
        hits = page.evaluate("window.__xssHits || []")
    assert watch.dialogs == ["1"]
    assert hits == ["2"]
    assert any(EVIL_HOST in u for u in watch.outside)
