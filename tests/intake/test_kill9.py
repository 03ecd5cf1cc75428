"""A worker killed with kill -9 in the middle of an ingest, then restarted: every item is stored once,
no job stays running, every story gets its drafts once, and SIGTERM stops the worker cleanly."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.intake.conftest import make_zhimei, rss, static
from tests.intake.subprocesses import start
from tests.sources.servers import SITE_HOST, CountingServer
from zhimei.store.intake_schema import DOCUMENTS, JOBS, STORIES, STORY_DOCUMENTS, STORY_GENERATIONS
from zhimei.store.schema import GENERATIONS

ITEMS = 40  # a batch of 32 committed, then the kill while the next 8 are being embedded
EMBED_DELAY = "0.02"  # seconds the fake encoder takes per text


def wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.mark.slow
def test_kill_9_mid_ingest_then_restart(tmp_path: Path, site: CountingServer) -> None:
    topics = ["earthquake", "typhoon", "election", "wildfire", "football"]
    items = []
    for n in range(ITEMS):
        topic = topics[n % len(topics)]
        text = (
            f"Report number {n} on the {topic}: officials in district {n} gave an update on the {topic} "
            f"this morning, with {n * 7 + 3} people affected and {n + 2} teams at work in the area."
        )
        items.append(
            {"title": f"{topic.title()} update {n}", "link": site.url(f"/k9/{n}", SITE_HOST), "content": text}
        )
    site.routes["/k9.xml"] = static(rss(items), "application/rss+xml", etag='"k9"')

    home = tmp_path / "home"
    zm = make_zhimei(home)
    zm.sources_add("rss", site.url("/k9.xml", SITE_HOST), name="k9")
    ingest = zm.ingest_queue("k9")

    def count(table: object) -> int:
        with zm.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]

    slow = {"ZHIMEI_TEST_EMBED_DELAY": EMBED_DELAY, "ZHIMEI_TEST_SLOW_TEXT": "Report number"}
    first = start(home, "worker", "--lease", "1", "--poll", "0.1", log=tmp_path / "first.log", env=slow)
    try:
        wait_for(lambda: count(DOCUMENTS) > 0, 60, "the first batch of documents")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    stored = count(DOCUMENTS)
    assert 0 < stored < ITEMS, "the kill must land in the middle of the ingest"
    assert zm.job_queue.get(ingest.id).state == "running"  # its worker is gone; the lease runs out

    second = start(home, "worker", "--lease", "1", "--poll", "0.1", log=tmp_path / "second.log", env=slow)
    try:

        def settled() -> bool:
            states = zm.job_queue.counts()
            return (
                states.get("queued", 0) == 0 and states.get("running", 0) == 0 and count(DOCUMENTS) == ITEMS
            )

        wait_for(settled, 90, "the restarted worker to finish every job")
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0
    finally:
        if second.poll() is None:
            second.kill()
    log = (tmp_path / "second.log").read_text(errors="replace")
    assert "worker stopped" in log

    taken_over = zm.job_queue.get(ingest.id)
    assert (taken_over.state, taken_over.attempts) == ("done", 2)
    assert taken_over.result is not None and taken_over.result["sources"][0]["unchanged"] >= stored
    assert count(DOCUMENTS) == count(STORY_DOCUMENTS) == ITEMS  # each item once, each in one story
    stories = count(STORIES)
    assert zm.job_queue.counts() == {"done": 1 + 2 * stories}
    assert count(STORY_GENERATIONS) == count(GENERATIONS) == 2 * stories  # no draft written twice
    assert len(zm.desk.store.drafts(limit=1000)) == 2 * stories
    assert not [j for j in zm.jobs_list(limit=1000) if j.state == "running" or j.lease_owner]
    assert count(JOBS) == 1 + 2 * stories
