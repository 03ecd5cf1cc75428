"""The intake with the real multilingual sentence encoder, through the real `zhimei` command: a
Chinese and an English report of one event become one story; an unrelated report its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.intake.conftest import EN_FOOTBALL, write_inbox
from tests.intake.subprocesses import cli_env

pytestmark = pytest.mark.model


def zhimei(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zhimei", *args],
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cross_language_story_with_the_real_encoder(tmp_path: Path) -> None:
    inbox = write_inbox(tmp_path / "inbox")
    home = tmp_path / "home"
    assert zhimei(home, "sources", "add", "folder", str(inbox)).returncode == 0
    result = zhimei(home, "ingest", "run", "--json")
    assert result.returncode == 0, result.stderr
    [run] = json.loads(result.stdout)
    assert (run["new"], run["stories_new"]) == (4, 3)
    stories = json.loads(zhimei(home, "stories", "list", "--json").stdout)
    rate = next(s for s in stories if s["size"] == 2)
    assert set(rate["langs"]) == {"zh", "en"} and rate["topic"] == "finance"
    topics = {s["title"]: s["topic"] for s in stories}
    assert topics[EN_FOOTBALL[0]] == "sports"
    hits = json.loads(zhimei(home, "search", "降息", "--json", "--kind", "story").stdout)
    assert [h["ref"] for h in hits] == [rate["id"]]
