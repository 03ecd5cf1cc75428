"""Ingest end to end over a loopback site: feeds, pages, folders → documents → stories → auto-drafts.

Scripted backend and the fake sentence encoder: no model, no network beyond 127.0.0.2.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.intake.conftest import (
    EN_FOOTBALL,
    EN_RATE,
    ZH_RATE,
    ZH_TYPHOON,
    make_zhimei,
    page,
    rss,
    static,
)
from tests.sources.servers import CountingServer
from zhimei.api import Zhimei
from zhimei.backends.scripted import ScriptedBackend
from zhimei.errors import DuplicateError, InputError, NotFoundError
from zhimei.store.intake_schema import DOCUMENTS, JOBS, NEAR_DUPLICATES, STORIES, STORY_DOCUMENTS
from zhimei.store.schema import GENERATIONS


def count(zm: Zhimei, table: object) -> int:
    with zm.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def three_item_feed(site: CountingServer, path: str = "/feed.xml", etag: str | None = '"v1"') -> str:
    """zh rate cut (full text in the feed), en rate cut (on its page only), zh typhoon (full text)."""
    items = [
        {"title": ZH_RATE[0], "link": site.url("/zh-rate.html", "127.0.0.2"), "content": ZH_RATE[1]},
        {"title": EN_RATE[0], "link": site.url("/en-rate.html", "127.0.0.2"), "description": "Rates."},
        {"title": ZH_TYPHOON[0], "link": site.url("/typhoon.html", "127.0.0.2"), "content": ZH_TYPHOON[1]},
    ]
    site.routes[path] = static(rss(items), "application/rss+xml; charset=utf-8", etag=etag)
    site.routes["/en-rate.html"] = static(page(*EN_RATE), "text/html; charset=utf-8")
    return site.url(path, "127.0.0.2")


def one_story(zm: Zhimei, site: CountingServer, name: str, article: tuple[str, str]) -> None:
    """Ingest a feed source ``name`` with one item carrying ``article`` (title, text)."""
    item = {"title": article[0], "link": site.url(f"/{name}/1", "127.0.0.2"), "content": article[1]}
    site.routes[f"/{name}.xml"] = static(rss([item]), "application/rss+xml")
    zm.sources_add("rss", site.url(f"/{name}.xml", "127.0.0.2"), name=name)
    zm.ingest()


def test_rss_to_stories_to_drafts_and_an_idempotent_rerun(zm: Zhimei, site: CountingServer) -> None:
    url = three_item_feed(site)
    source = zm.sources_add("rss", url, name="wire", every="15m")
    assert source.every == 900 and source.kind == "rss"

    [run] = zm.ingest()
    assert (run.status, run.new, run.duplicate, run.failed) == ("ok", 3, 0, 0)
    assert (run.stories_new, run.drafts_queued) == (2, 4)
    stories = zm.stories_list()
    assert sorted(s.size for s in stories) == [1, 2]
    rate = next(s for s in stories if s.size == 2)
    assert set(rate.langs) == {"zh", "en"} and rate.keywords and rate.topic

    stats = zm.work(until_idle=True)
    assert (stats.done, stats.failed) == (4, 0)
    shown = zm.story(rate.id)
    assert [d.task for d in shown.drafts] == ["headline", "summary"]
    assert all(d.text and d.draft_id is not None for d in shown.drafts)
    assert sum(d.representative for d in shown.documents) == 1
    assert zm.story(rate.key).id == rate.id

    # Second pass: the feed answers 304, nothing is stored twice, nothing is queued twice.
    before = {t.name: count(zm, t) for t in (DOCUMENTS, STORIES, JOBS, GENERATIONS)}
    [again] = zm.ingest()
    assert again.status == "not_modified" and again.new == 0
    assert {t.name: count(zm, t) for t in (DOCUMENTS, STORIES, JOBS, GENERATIONS)} == before
    assert site.requests[-1][1].get("If-None-Match") == '"v1"'
    assert zm.work(until_idle=True).jobs == []


def test_rerun_without_validators_stores_nothing_and_fetches_no_page_again(
    zm: Zhimei, site: CountingServer
) -> None:
    url = three_item_feed(site, "/plain.xml", etag=None)
    zm.sources_add("rss", url, name="plain")
    zm.ingest()
    pages = sum(1 for path, _ in site.requests if path == "/en-rate.html")
    [again] = zm.ingest()
    assert (again.status, again.new, again.unchanged) == ("ok", 0, 3)
    assert sum(1 for path, _ in site.requests if path == "/en-rate.html") == pages
    assert count(zm, DOCUMENTS) == 3


def test_a_failing_source_is_recorded_and_the_pass_goes_on(
    zm: Zhimei, site: CountingServer, tmp_path: Path
) -> None:
    def broken(h: object) -> None:
        from tests.sources.servers import send

        send(h, 500, b"oops")  # type: ignore[arg-type]

    site.routes["/broken.xml"] = broken
    site.routes["/notafeed.xml"] = static(b"<html><body>hello</body></html>", "text/html")
    missing = tmp_path / "gone"
    missing.mkdir()
    zm.sources_add("rss", site.url("/broken.xml", "127.0.0.2"), name="broken")
    zm.sources_add("rss", site.url("/notafeed.xml", "127.0.0.2"), name="notafeed")
    zm.sources_add("rss", "http://127.0.0.1:9/feed.xml", name="internal")  # not allow-listed
    zm.sources_add("folder", str(missing), name="gone")
    missing.rmdir()
    zm.sources_add("rss", three_item_feed(site, "/good.xml"), name="good")

    runs = {r.source: r for r in zm.ingest()}
    assert runs["good"].status == "ok" and runs["good"].new == 3
    kinds = {name: runs[name].error_kind for name in ("broken", "notafeed", "internal", "gone")}
    assert kinds == {
        "broken": "HTTPStatusError",
        "notafeed": "NotAFeedError",
        "internal": "BlockedURLError",
        "gone": "InputError",
    }
    listed = {s.name: s for s in zm.sources_list()}
    assert listed["broken"].last_status == "failed" and "500" in (listed["broken"].last_error or "")
    assert listed["broken"].failures == 1 and listed["good"].failures == 0
    zm.ingest("broken")
    assert zm.intake.sources.get("broken").failures == 2


def test_web_page_source_with_conditional_get(zm: Zhimei, site: CountingServer) -> None:
    site.routes["/news/2026/11/23/story.html"] = static(page(*EN_FOOTBALL), "text/html", etag='"p1"')
    zm.sources_add("web", site.url("/news/2026/11/23/story.html", "127.0.0.2"))
    [run] = zm.ingest()
    assert (run.status, run.new) == ("ok", 1)
    [again] = zm.ingest()
    assert again.status == "not_modified"
    assert count(zm, DOCUMENTS) == 1


def test_folder_source_reads_new_and_changed_files_and_survives_hostile_ones(
    zm: Zhimei, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "typhoon.txt").write_text(f"{ZH_TYPHOON[0]}\n{ZH_TYPHOON[1]}", encoding="utf-8")
    (inbox / "football.md").write_text(f"# {EN_FOOTBALL[0]}\n\n{EN_FOOTBALL[1]}\n", encoding="utf-8")
    (inbox / "rate.html").write_bytes(page(*EN_RATE))
    (inbox / "wire.json").write_text(
        '[{"title": "Vote count begins", "text": "Officials began counting the vote in the city election '
        'on Monday after polls closed."}, '
        '{"title": "山火蔓延", "text": "山火已蔓延至三个村庄，消防员正在扑救。"}]',
        encoding="utf-8",
    )
    # Hostile or unreadable: each one failed item, the rest go on.
    (inbox / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "broken.json").write_text('{"title": "x", "text": ', encoding="utf-8")
    (inbox / "fake.docx").write_bytes(b"this is not a zip file")
    # Not read at all: a link out of the folder, a Word lock file, a hidden file, an unknown kind.
    (inbox / "passwd.txt").symlink_to("/etc/hostname")
    (inbox / "~$report.docx").write_bytes(b"lock")
    (inbox / ".draft.txt").write_text("hidden", encoding="utf-8")
    (inbox / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    zm.sources_add("folder", str(inbox), name="inbox")

    [run] = zm.ingest()
    assert (run.new + run.duplicate, run.failed) == (5, 4)
    assert sorted(e.split(":")[0] for e in run.item_errors) == [
        "binary.txt",
        "broken.json",
        "empty.txt",
        "fake.docx",
    ]
    sources = {d.source for s in zm.stories_list() for d in zm.story(s.id).documents}
    assert sources == {"inbox"}

    [again] = zm.ingest()  # nothing changed: no file is read again, failed ones included
    assert (again.new, again.failed, again.unchanged) == (0, 0, 0)

    revised = f"{ZH_TYPHOON[0]}\n{ZH_TYPHOON[1]}截至中午，已有二十万人转移。"
    (inbox / "typhoon.txt").write_text(revised, encoding="utf-8")
    os.utime(inbox / "typhoon.txt", ns=(1, 2))
    [third] = zm.ingest()
    assert (third.updated, third.new) == (1, 0)
    assert count(zm, DOCUMENTS) == 5
    assert [h.kind for h in zm.search("二十万人")] == ["document"]


def test_near_duplicates_are_linked_and_join_the_story_they_copy(zm: Zhimei, site: CountingServer) -> None:
    copy = EN_RATE[1].replace("Wednesday", "Wednesday afternoon")
    items = [
        {"title": EN_RATE[0], "link": site.url("/a", "127.0.0.2"), "content": EN_RATE[1]},
        {"title": EN_RATE[0], "link": site.url("/b", "127.0.0.2"), "content": copy},
    ]
    site.routes["/dups.xml"] = static(rss(items), "application/rss+xml")
    zm.sources_add("rss", site.url("/dups.xml", "127.0.0.2"), name="dups")
    [run] = zm.ingest()
    assert (run.new, run.duplicate, run.stories_new) == (1, 1, 1)
    [story] = zm.stories_list()
    shown = zm.story(story.id)
    assert len(shown.documents) == 2 and len(shown.duplicates) == 1
    assert shown.duplicates[0].similarity >= 0.5 and count(zm, NEAR_DUPLICATES) == 1


def test_a_stopped_pass_keeps_what_it_stored_and_the_next_one_finishes(
    zm: Zhimei, site: CountingServer
) -> None:
    items = [
        {
            "title": f"Election count {n}",
            "link": site.url(f"/e/{n}", "127.0.0.2"),
            "content": f"District {n} counted its vote.",
        }
        for n in range(34)  # more than one batch of 32
    ]
    site.routes["/stop.xml"] = static(rss(items), "application/rss+xml", etag='"s1"')
    zm.sources_add("rss", site.url("/stop.xml", "127.0.0.2"), name="stop")
    zm.intake.draft_tasks = ()

    def stop() -> bool:  # as soon as the first batch is committed
        return count(zm, DOCUMENTS) > 0

    [run] = zm.intake.run(zm.intake_service.selected("stop"), stop=stop)
    assert run.status == "cancelled" and run.new == 32
    assert zm.intake.sources.get("stop").etag is None  # validators kept back: read in full next time
    [rest] = zm.ingest("stop")
    assert (rest.status, rest.new, rest.unchanged) == ("ok", 2, 32)
    assert count(zm, STORY_DOCUMENTS) == count(zm, DOCUMENTS) == 34
    assert zm.intake.sources.get("stop").etag == '"s1"'


def test_auto_draft_links_not_in_the_source_are_flagged(tmp_path: Path, site: CountingServer) -> None:
    backend = ScriptedBackend(["台风海燕登陆福建，详情见 http://evil.example/x 或联系 a@evil.example"])
    zm = make_zhimei(tmp_path / "home")
    zm._backend = backend
    zm.intake.draft_tasks = ("headline",)
    one_story(zm, site, "one", ZH_TYPHOON)
    zm.work(until_idle=True)
    [draft] = zm.story(1).drafts
    assert not draft.passed
    assert [f.name for f in draft.flags] == ["links"] and "evil.example" in draft.flags[0].detail


def test_a_draft_interrupted_after_generating_reuses_its_generation(zm: Zhimei, site: CountingServer) -> None:
    from zhimei.intake.drafts import write_draft

    zm.intake.draft_tasks = ()
    one_story(zm, site, "solo", EN_FOOTBALL)

    def killed(*_args: object) -> int:
        raise RuntimeError("killed between generating and linking")

    with pytest.raises(RuntimeError):
        write_draft(zm.engine, 1, "headline", zm._auto_draft, "auto", killed)
    assert count(zm, GENERATIONS) == 1
    result = write_draft(zm.engine, 1, "headline", zm._auto_draft, "auto", zm._desk_draft)
    assert result["reused"] is True and count(zm, GENERATIONS) == 1
    again = write_draft(zm.engine, 1, "headline", zm._auto_draft, "auto", zm._desk_draft)
    assert again["generation"] == result["generation"]
    assert len(zm.desk.store.drafts(story_id="1")) == 1


def test_drafts_are_written_in_the_desks_language(tmp_path: Path, site: CountingServer) -> None:
    zm = make_zhimei(tmp_path / "home", lang="en")
    zm.intake.draft_tasks = ("summary",)
    one_story(zm, site, "zh", ZH_TYPHOON)
    zm.work(until_idle=True)
    [draft] = zm.story(1).drafts
    assert zm.generation_log.get(draft.generation_id).lang == "en"


def test_source_management_refuses_bad_input(zm: Zhimei, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not an http"):
        zm.sources_add("rss", "file:///etc/passwd")
    with pytest.raises(InputError, match="unknown source kind"):
        zm.sources_add("ftp", "ftp://example.org/")
    with pytest.raises(InputError, match="not a folder"):
        zm.sources_add("folder", str(tmp_path / "nope"))
    with pytest.raises(InputError, match="duration"):
        zm.sources_add("rss", "https://example.org/feed.xml", every="soon")
    with pytest.raises(InputError, match="characters"):
        zm.sources_add("rss", "https://example.org/" + "a" * 3000)
    first = zm.sources_add("rss", "https://example.org/feed.xml")
    assert first.name == "example.org/feed.xml"
    with pytest.raises(DuplicateError):
        zm.sources_add("rss", "https://example.org/feed.xml", name="again")
    with pytest.raises(DuplicateError):
        zm.sources_add("web", "https://example.org/other", name=first.name)
    assert zm.sources_remove(first.name).name == first.name
    with pytest.raises(NotFoundError):
        zm.sources_remove(first.name)
    with pytest.raises(NotFoundError):
        zm.ingest("no-such-source")


def test_opml_import_adds_feeds_once(zm: Zhimei) -> None:
    from tests.sources.servers import FIXTURES

    first = zm.sources_import(FIXTURES / "subscriptions.opml", every="1h")
    assert first.added and all(s.kind == "rss" and s.every == 3600 for s in first.added)
    second = zm.sources_import(FIXTURES / "subscriptions.opml")
    assert second.added == () and len(second.skipped) == len(first.added)


def test_a_batch_that_fails_to_store_leaves_nothing_and_the_next_pass_is_whole(
    zm: Zhimei, site: CountingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhimei.errors import StorageError
    from zhimei.intake import pipeline

    url = three_item_feed(site, "/fail.xml", etag=None)
    zm.sources_add("rss", url, name="fail")
    real = pipeline.put_entry
    calls = {"n": 0}

    def full_disk(conn: object, entry: object) -> None:
        calls["n"] += 1
        if calls["n"] == 4:  # the second item's search entry
            raise StorageError("the disk is full")
        real(conn, entry)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "put_entry", full_disk)
    with pytest.raises(StorageError):
        zm.ingest()
    assert count(zm, DOCUMENTS) == count(zm, STORIES) == count(zm, JOBS) == 0
    monkeypatch.setattr(pipeline, "put_entry", real)
    [run] = zm.ingest()  # the in-memory indexes were rebuilt: no story that was rolled back
    assert (run.new, run.stories_new) == (3, 2)
    assert count(zm, STORY_DOCUMENTS) == 3 and sorted(s.size for s in zm.stories_list()) == [1, 2]


def test_hostile_feeds_and_pages_fail_alone(zm: Zhimei, site: CountingServer) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<rss version="2.0"><channel><title>&b;</title></channel></rss>'
    )
    site.routes["/bomb.xml"] = static(bomb, "application/rss+xml")
    items = [
        {
            "title": "Summary only, page gone",
            "link": site.url("/gone", "127.0.0.2"),
            "description": EN_FOOTBALL[1],
        },
        {"title": "Nothing but a dead link", "link": site.url("/gone2", "127.0.0.2")},
        {"title": "A page that is a menu", "link": site.url("/menu", "127.0.0.2")},
        {"title": EN_RATE[0], "link": site.url("/fine", "127.0.0.2"), "content": EN_RATE[1]},
    ]
    site.routes["/mixed.xml"] = static(rss(items), "application/rss+xml")
    site.routes["/menu"] = static(b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "text/html")
    zm.sources_add("rss", site.url("/bomb.xml", "127.0.0.2"), name="bomb")
    zm.sources_add("rss", site.url("/mixed.xml", "127.0.0.2"), name="mixed")
    runs = {r.source: r for r in zm.ingest()}
    assert (runs["bomb"].status, runs["bomb"].error_kind) == ("failed", "UnsafeXMLError")
    mixed = runs["mixed"]
    assert (mixed.status, mixed.new, mixed.failed) == ("ok", 2, 2)  # the summary stands in for its page
    assert any("/gone2" in e and "404" in e for e in mixed.item_errors)
    assert any("/menu" in e for e in mixed.item_errors)


def test_a_new_process_rebuilds_stories_and_near_duplicates_from_the_store(
    tmp_path: Path, site: CountingServer
) -> None:
    first = make_zhimei(tmp_path / "home")
    one_story(first, site, "before", EN_RATE)
    # A new process (another worker, or this one restarted) on the same store.
    later = make_zhimei(tmp_path / "home")
    items = [
        {"title": ZH_RATE[0], "link": site.url("/after/zh", "127.0.0.2"), "content": ZH_RATE[1]},
        {
            "title": EN_RATE[0],
            "link": site.url("/after/copy", "127.0.0.2"),
            "content": EN_RATE[1].replace("Wednesday", "Wednesday evening"),
        },
    ]
    site.routes["/after.xml"] = static(rss(items), "application/rss+xml")
    later.sources_add("rss", site.url("/after.xml", "127.0.0.2"), name="after")
    [run] = later.ingest("after")
    assert (run.new, run.duplicate, run.stories_new) == (1, 1, 0)
    [story] = later.stories_list()
    assert story.size == 3 and set(story.langs) == {"zh", "en"}
    assert len(later.story(story.id).duplicates) == 1
    assert later.intake.index.stale is False and len(later.intake.index) == 3
