"""The intake commands: sources, ingest, stories, search, archive, jobs and worker.

Most run in-process (typer's runner, the fake sentence encoder); two run as real subprocesses for
the JSON summary on stdout and the exit code of a refused input.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.intake.conftest import EN_FOOTBALL, EN_RATE, ZH_TYPHOON, make_zhimei
from tests.intake.fakes import FakeEmbedder
from tests.intake.subprocesses import cli_env, zhimei
from zhimei.api import Zhimei
from zhimei.errors import NotFoundError
from zhimei.interfaces.cli.app import app

pytestmark = pytest.mark.cli


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("ZHIMEI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ZHIMEI_BACKEND", "scripted")
    encoder = FakeEmbedder()
    monkeypatch.setattr(Zhimei, "_load_encoder", lambda self: encoder)
    return CliRunner()


def run(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "football.txt").write_text("\n".join(EN_FOOTBALL), encoding="utf-8")
    (folder / "rate.txt").write_text("\n".join(EN_RATE), encoding="utf-8")
    (folder / "typhoon.txt").write_text("\n".join(ZH_TYPHOON), encoding="utf-8")
    return folder


def test_sources_ingest_stories_search_jobs_worker(cli: CliRunner, tmp_path: Path) -> None:
    folder = inbox(tmp_path)
    run(cli, "sources", "add", "folder", str(folder), "--every", "5m")
    [source] = json.loads(run(cli, "sources", "list", "--json"))
    assert (source["name"], source["kind"], source["every"]) == ("inbox", "folder", 300)

    [summary] = json.loads(run(cli, "ingest", "run", "--json"))
    assert (summary["source"], summary["status"], summary["new"], summary["stories_new"]) == (
        "inbox",
        "ok",
        3,
        3,
    )
    assert "inbox" in run(cli, "sources", "list")

    stories = json.loads(run(cli, "stories", "list", "--json", "--since", "1d"))
    assert len(stories) == 3
    typhoon = next(s for s in stories if "台风" in s["title"])
    shown = run(cli, "stories", "show", str(typhoon["id"]))
    assert "台风" in shown and " *" in shown  # the representative is starred

    hits = json.loads(run(cli, "search", "football OR 台风", "--json"))
    assert {h["kind"] for h in hits} == {"document", "story"} and len(hits) == 4
    assert "derby" in run(cli, "search", "derby", "--kind", "document")

    queued = json.loads(run(cli, "jobs", "list", "--json", "--state", "queued"))
    assert len(queued) == 6 and {j["kind"] for j in queued} == {"draft"}
    run(cli, "jobs", "cancel", str(queued[0]["id"]))
    run(cli, "worker", "--until-idle")
    done = json.loads(run(cli, "jobs", "list", "--json", "--state", "done"))
    assert len(done) == 5
    assert "cancelled" in run(cli, "jobs", "list")
    drafts = json.loads(run(cli, "stories", "show", str(typhoon["id"]), "--json"))["drafts"]
    assert {d["task"] for d in drafts} <= {"headline", "summary"} and all(d["text"] for d in drafts)

    json.loads(run(cli, "ingest", "run", "--queue", "--json"))
    run(cli, "worker", "--until-idle")
    run(cli, "sources", "remove", "inbox")
    assert json.loads(run(cli, "sources", "list", "--json")) == []
    assert len(json.loads(run(cli, "stories", "list", "--json"))) == 3  # stories outlive their source


def test_archive_import_and_errors(cli: CliRunner, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.json").write_text(
        json.dumps({"headline": "Derby won late", "summary": "City won.", "text": EN_FOOTBALL[1]}),
        encoding="utf-8",
    )
    (archive / "b.json").write_text("not json", encoding="utf-8")
    result = json.loads(run(cli, "archive", "import", str(archive), "--json"))
    assert (result["imported"], result["failed"]) == (1, 1) and "b.json" in result["errors"][0]
    assert json.loads(run(cli, "search", "derby", "--json", "--kind", "archive"))[0]["kind"] == "archive"
    missing = cli.invoke(app, ["stories", "show", "999"])
    assert isinstance(missing.exception, NotFoundError)
    bad = cli.invoke(app, ["jobs", "list", "--state", "sleeping"])
    assert bad.exit_code == 2


def test_ingest_run_json_in_a_subprocess(tmp_path: Path) -> None:
    folder = inbox(tmp_path)
    (folder / "typhoon.txt").unlink()  # English only: the subprocess needs no Chinese dictionary
    home = tmp_path / "home"
    make_zhimei(home).sources_add("folder", str(folder), name="desk inbox")
    result = zhimei(home, "ingest", "run", "--json")
    assert result.returncode == 0, result.stderr
    [summary] = json.loads(result.stdout)
    assert (summary["source"], summary["new"], summary["failed"], summary["drafts_queued"]) == (
        "desk inbox",
        2,
        0,
        4,
    )


def test_refused_input_exits_3_with_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "zhimei", "sources", "add", "rss", "file:///etc/passwd"],
        env=cli_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    assert "not an http(s) URL" in result.stderr and "https://example.org/feed.xml" in result.stderr
