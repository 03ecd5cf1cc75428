"""The real `zhimei` command in a subprocess, on the scripted backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.cli

ZH_TEXT = "国家统计局11月15日发布数据显示，10月份全国规模以上工业增加值同比增长5.3%。"


def zhimei(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIMEI_")}
    env.update({"ZHIMEI_HOME": str(tmp_path / "home"), "ZHIMEI_BACKEND": "scripted", "NO_COLOR": "1"})
    return subprocess.run(
        [sys.executable, "-m", "zhimei", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        input=stdin,
        timeout=60,
    )


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "a.txt"
    path.write_text(ZH_TEXT, encoding="utf-8")
    return path


def test_generate_json_then_log(tmp_path: Path, article: Path) -> None:
    out = zhimei(tmp_path, "generate", "headline", "--file", str(article), "--n", "2", "--json")
    records = json.loads(out.stdout)
    assert len(records) == 2 and records[0]["task_id"] == "headline"
    assert records[0]["checks_final"] and "model_resolved" in records[0]
    log = zhimei(tmp_path, "log", "--last", "5", "--json")
    assert log.returncode == 0
    assert {r["id"] for r in json.loads(log.stdout)} == {r["id"] for r in records}


def test_failed_checks_exit_8_and_say_why(tmp_path: Path, article: Path) -> None:
    # The scripted default echoes the article's last line: too long for a 10-character headline.
    out = zhimei(tmp_path, "generate", "headline", "--file", str(article), "--length", "10")
    assert out.returncode == 8
    assert out.stdout.strip()
    assert "check failed" in out.stderr and "length" in out.stderr


def test_empty_file_is_exit_3_with_a_message(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = zhimei(tmp_path, "generate", "summary", "--file", str(empty))
    assert out.returncode == 3
    assert "empty" in out.stderr and out.stdout == ""
    assert "Traceback" not in out.stderr


def test_unknown_backend_lists_valid_ones(tmp_path: Path, article: Path) -> None:
    out = zhimei(tmp_path, "--backend", "nope", "generate", "summary", "--file", str(article))
    assert out.returncode == 2
    assert "scripted" in out.stderr and "embedded" in out.stderr


def test_config_show_json(tmp_path: Path) -> None:
    out = zhimei(tmp_path, "config", "show", "--json")
    data = json.loads(out.stdout)
    assert data["backend"] == {"value": "scripted", "source": "env ZHIMEI_BACKEND"}


def test_backends_and_tasks_list(tmp_path: Path) -> None:
    names = {e["name"] for e in json.loads(zhimei(tmp_path, "backends", "list", "--json").stdout)}
    assert {"embedded", "scripted"} <= names
    tasks = {e["name"] for e in json.loads(zhimei(tmp_path, "tasks", "list", "--json").stdout)}
    assert {"headline", "summary", "brief"} <= tasks


def test_models_list_json(tmp_path: Path) -> None:
    data = json.loads(zhimei(tmp_path, "models", "list", "--json").stdout)
    assert {d["name"] for d in data} >= {"qwen2.5-1.5b", "qwen2.5-0.5b", "use-multilingual"}
    assert all(len(sha) == 64 for d in data for sha in d["sha256"].values())


def test_db_backup_restore_round_trip(tmp_path: Path, article: Path) -> None:
    assert zhimei(tmp_path, "generate", "summary", "--file", str(article)).returncode in (0, 8)
    backup = tmp_path / "b.zbk"
    assert zhimei(tmp_path, "db", "backup", str(backup)).returncode == 0
    other = tmp_path / "other"
    env_home = ["--home", str(other)]
    refused = zhimei(tmp_path, *env_home, "generate", "summary", "--file", str(article))
    assert refused.returncode in (0, 8)
    assert zhimei(tmp_path, *env_home, "db", "restore", str(backup)).returncode != 0
    assert zhimei(tmp_path, *env_home, "db", "restore", str(backup), "--replace").returncode == 0
    restored = json.loads(zhimei(tmp_path, *env_home, "log", "--json").stdout)
    original = json.loads(zhimei(tmp_path, "log", "--json").stdout)
    assert restored == original


def test_help_for_every_command(tmp_path: Path) -> None:
    for args in (
        ["--help"],
        ["generate", "--help"],
        ["generate", "brief", "--help"],
        ["models", "--help"],
        ["db", "--help"],
        ["log", "--help"],
        ["demo", "--help"],
    ):
        out = zhimei(tmp_path, *args)
        assert out.returncode == 0 and "Usage" in out.stdout, args


def test_input_longer_than_the_context_is_refused_not_truncated(tmp_path: Path) -> None:
    long = tmp_path / "long.txt"
    long.write_text("国家统计局发布数据。" * 400, encoding="utf-8")
    out = zhimei(tmp_path, "--home", str(tmp_path / "h"), "generate", "summary", "--file", str(long))
    assert out.returncode == 3, out.stderr
    assert "context" in out.stderr and "ZHIMEI_N_CTX" in out.stderr
    log = zhimei(tmp_path, "--home", str(tmp_path / "h"), "log", "--json")
    assert json.loads(log.stdout) == []


def test_gb18030_file_and_stream(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes((ZH_TEXT + "\n10月工业增加值增长5.3%").encode("gb18030"))
    out = zhimei(tmp_path, "generate", "headline", "--file", str(path), "--stream")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "10月工业增加值增长5.3%"
