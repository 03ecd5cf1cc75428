"""The studio end to end in headless Chromium against ``zhimei serve`` (scripted backend): first
start, accounts, streamed variants, pick, edit, diff, review by another user, publish, RSS."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest

from tests.browser.support import browser, screenshot, serve

pytestmark = pytest.mark.browser

SOURCE = (
    "市政府今天宣布，新的公共交通票价将于明年一月起实施。\n"
    "地铁起步价维持3元，公交月票由每月120元降至100元，惠及约300万名通勤者。"
)


def _sign_in(page, url: str, name: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/inbox$"))
    assert name in page.inner_text("#who")


def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.click("#sign-out")
    page.wait_for_url(re.compile(r".*/login$"))


def test_studio_flow(tmp_path: Path) -> None:
    with serve(tmp_path / "home") as server, browser(server.url) as (context, watch):
        url = server.url
        page = context.new_page()

        # First start: the setup page asks for the code `zhimei serve` printed.
        page.goto(url + "/")
        page.wait_for_url(re.compile(r".*/setup$"))
        page.fill("input[name=code]", server.setup_code())
        page.fill("input[name=name]", "ada")
        page.fill("input[name=password]", "ada-password-1")
        screenshot(page, "01_setup")
        page.click("#setup-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/users$"))

        # The admin creates the accounts of an editor and a reporter.
        for name, role in (("eddie", "editor"), ("rita", "reporter")):
            page.fill("#add-user-form input[name=name]", name)
            page.select_option("#add-user-form select[name=role]", role)
            page.fill("#add-user-form input[name=password]", f"{name}-password-1")
            page.click("#add-user-form button[type=submit]")
            page.wait_for_selector(f"tr[data-user={name}]")
        screenshot(page, "02_users")
        _sign_out(page)

        # A reporter streams three variants of a headline and picks the first.
        screenshot(page, "03_login")
        _sign_in(page, url, "rita", "rita-password-1")
        page.goto(url + "/drafts/new")
        page.select_option("#task", "headline")
        page.fill("#source-text", SOURCE)
        page.fill("#n", "3")
        page.click("#generate")
        page.wait_for_selector("#variants[data-done='1']", timeout=60_000)
        assert page.locator("#variants .variant").count() == 3
        assert page.locator("#variants .variant .pick").count() == 3
        screenshot(page, "04_variants")
        chosen = page.inner_text("#variants .variant[data-revision='1'] .variant-text")
        page.locator("#variants .variant .pick").first.click()
        page.wait_for_url(re.compile(r".*/drafts/\d+#text$"))
        draft_url = page.url.split("#")[0]
        assert page.inner_text("#draft-text") == chosen
        assert page.locator("#variant-cards .variant").count() == 3

        # She edits it: the new words are hers, the rest stays the model's.
        original = page.input_value("#edit-text")
        page.fill("#edit-text", original + "（记者核实）")
        page.click("#save")
        page.wait_for_url(re.compile(r".*#text$"))
        assert page.locator("#draft-text .seg-ai").count() >= 1
        assert "记者核实" in page.inner_text("#draft-text .seg-human")
        screenshot(page, "05_draft_editor")

        # The diff between the chosen variant and the edit, coloured by author.
        head = int(re.search(r"r(\d+)", page.inner_text("#text h2")).group(1))  # type: ignore[union-attr]
        page.select_option("#diff-old", str(head - 1))
        page.select_option("#diff-new", str(head))
        page.click("#show-diff")
        page.wait_for_selector("#diff-result")
        assert "记者核实" in page.inner_text("#diff-result .diff-changes ins.diff-human")
        page.locator("#revisions").scroll_into_view_if_needed()
        screenshot(page, "06_diff")

        # Submitted: a reporter sees no approve button.
        page.click("#submit")
        page.wait_for_selector("#draft-state[data-state=in_review]")
        assert page.locator("#approve").count() == 0
        _sign_out(page)

        # An editor approves it from the review queue and publishes it.
        _sign_in(page, url, "eddie", "eddie-password-1")
        page.goto(url + "/review")
        assert page.locator("#review-queue tbody tr").count() == 1
        screenshot(page, "07_review")
        page.click("#review-queue button.primary")
        page.wait_for_url(re.compile(r".*/review$"))
        page.goto(draft_url + "/publish")
        labels = page.locator(".preview .explicit-label").all_inner_texts()
        assert len(labels) == 5 and all("AI" in label for label in labels)
        assert "记者核实" in page.inner_text("#preview-html article.rendered")
        screenshot(page, "08_publish")
        page.click("#publish-rss")
        page.wait_for_selector("#publications tr.publication")
        assert "rss" in page.inner_text("#publications")

        # The public RSS feed carries the item and its AIGC label.
        with urllib.request.urlopen(url + "/feed.xml", timeout=10) as reply:
            feed = reply.read().decode("utf-8")
        assert "记者核实" in feed and "aigc:aiLabel" in feed
        page.goto(url + "/feed.xml")
        screenshot(page, "09_feed")

        # History (audit) of the draft, jobs, and the English UI.
        page.goto(draft_url + "/history")
        actions = page.locator("#audit td:nth-child(3)").all_inner_texts()
        assert {"create", "edit", "submit", "approve", "publish"} <= set(actions)
        screenshot(page, "10_history")
        page.goto(url + "/jobs")
        page.click("#lang-switch")
        page.wait_for_selector("html[lang=en]")
        assert "Jobs" in page.inner_text("nav.main-nav")
        screenshot(page, "11_jobs_en")
        page.goto(url + "/inbox")
        screenshot(page, "12_inbox_en")

        assert watch.outside == []
        assert watch.dialogs == []
        assert watch.page_errors == []
        assert watch.console_errors == []
