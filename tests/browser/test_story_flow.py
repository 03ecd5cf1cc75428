"""From the inbox to a draft in headless Chromium: a story made by intake (a folder source) is
opened from the inbox, shows its documents, and becomes a draft with variants in the editor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.support import browser, screenshot, serve
from zhimei.api import Zhimei
from zhimei.config import load_settings

pytestmark = pytest.mark.browser

TYPHOON = (
    "台风“海燕”在浙江登陆",
    "今年第12号台风“海燕”23日凌晨在浙江温岭沿海登陆，登陆时中心附近最大风力12级。"
    "浙江省已转移群众15万人，沿海航班和列车部分停运。",
)


def _seed(home: Path, inbox: Path) -> str:
    """A reporter with a password and one story ingested from a folder; returns the story's title."""
    inbox.mkdir(parents=True)
    (inbox / "typhoon.txt").write_text("\n".join(TYPHOON), encoding="utf-8")
    zm = Zhimei(load_settings({"home": home, "backend": "scripted"}, environ={}, cwd=home))
    zm.users_add("ada", "admin")
    zm.auth_set_password("ada", "ada-password-1")
    zm.users_add("rita", "reporter", by="ada")
    zm.auth_set_password("rita", "rita-password-1", by="ada")
    zm.sources_add("folder", str(inbox), name="inbox")
    [run] = zm.ingest()
    assert run.new == 1, run
    [story] = zm.stories_list()
    zm.engine.dispose()
    return story.title


def test_a_story_from_the_inbox_becomes_a_draft(tmp_path: Path) -> None:
    home = tmp_path / "home"
    title = _seed(home, tmp_path / "inbox")
    with serve(home, "--no-worker") as server, browser(server.url) as (context, watch):
        page = context.new_page()
        page.goto(server.url + "/login")
        page.fill("input[name=name]", "rita")
        page.fill("input[name=password]", "rita-password-1")
        page.click("#login-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/inbox$"))

        row = page.locator("tr.story-row a", has_text=title)
        assert row.count() == 1
        screenshot(page, "12_inbox_story")
        row.click()
        page.wait_for_url(re.compile(r".*/stories/\d+$"))
        assert page.inner_text("h1.story-title") == title
        assert "inbox" in page.inner_text("ul.documents")

        page.select_option("#story-draft-form select[name=task]", "headline")
        page.fill("#story-draft-form input[name=n]", "2")
        page.click("#story-draft-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/drafts/\d+$"), timeout=60_000)
        assert page.locator("#variant-cards .variant").count() == 2
        assert TYPHOON[1][:12] in page.inner_text("body")  # the story's document is the draft's source
        screenshot(page, "13_story_draft")
        assert (watch.outside, watch.console_errors, watch.page_errors, watch.dialogs) == ([], [], [], [])
