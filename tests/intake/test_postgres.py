"""The intake end to end on PostgreSQL: ingest, stories, auto-drafts through the worker, a re-run
that stores nothing, and search (the store's contract is tested on both databases in tests/store)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.intake.conftest import EN_RATE, ZH_RATE, ZH_TYPHOON, make_zhimei, page, rss, static
from tests.sources.servers import SITE_HOST, CountingServer
from tests.store.conftest import Databases

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    databases = Databases(tmp_path)
    yield databases.url("postgres")
    databases.close()


def test_ingest_drafts_rerun_and_search_on_postgres(
    tmp_path: Path, site: CountingServer, pg_url: str
) -> None:
    items = [
        {"title": ZH_RATE[0], "link": site.url("/pg/zh", SITE_HOST), "content": ZH_RATE[1]},
        {"title": EN_RATE[0], "link": site.url("/pg/en", SITE_HOST), "description": "Rates."},
        {"title": ZH_TYPHOON[0], "link": site.url("/pg/ty", SITE_HOST), "content": ZH_TYPHOON[1]},
    ]
    site.routes["/pg.xml"] = static(rss(items), "application/rss+xml", etag='"pg"')
    site.routes["/pg/en"] = static(page(*EN_RATE), "text/html")
    zm = make_zhimei(tmp_path / "home", database_url=pg_url)
    assert zm.engine.dialect.name == "postgresql"
    zm.sources_add("rss", site.url("/pg.xml", SITE_HOST), name="pg")
    [run] = zm.ingest()
    assert (run.new, run.stories_new, run.drafts_queued) == (3, 2, 4)
    assert zm.work(until_idle=True).done == 4
    rate = next(s for s in zm.stories_list() if s.size == 2)
    assert set(rate.langs) == {"zh", "en"} and len(zm.story(rate.id).drafts) == 2
    [again] = zm.ingest()
    assert again.status == "not_modified"
    assert {h.kind for h in zm.search("降息 OR rate cut")} == {"document", "story"}
    assert [h.title for h in zm.search('"quarter point"', kinds=["document"])] == [EN_RATE[0]]
