"""`zhimei generate TASK --batch … --out …` in a subprocess, on the scripted backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.test_cli import zhimei
from zhimei.errors import InputError

pytestmark = pytest.mark.cli

ZH = "国家统计局11月15日发布数据显示，10月份全国规模以上工业增加值同比增长5.3%。"


def test_batch_runs_resumes_and_reports(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ZH, encoding="utf-8")
    rows = [
        {"file": "a.txt", "id": "a"},
        {"text": "The council voted 7-2 on Tuesday.", "id": "b"},
        {"file": "nope.txt"},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    args = [
        "generate",
        "headline",
        "--batch",
        "in.jsonl",
        "--out",
        "out.jsonl",
        "--concurrency",
        "2",
        "--json",
    ]
    first = zhimei(tmp_path, *args)
    assert first.returncode == 10, first.stderr  # one input failed
    assert json.loads(first.stdout) | {"seconds": 0} == {
        "total": 3,
        "done": 2,
        "failed": 1,
        "skipped": 0,
        "checks_failed": json.loads(first.stdout)["checks_failed"],
        "repaired": 0,
        "out": "out.jsonl",
        "seconds": 0,
    }
    assert "2 done, 1 failed, 0 skipped" in first.stderr and "nope.txt" not in first.stdout
    lines = [json.loads(ln) for ln in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert sorted(ln.get("id", "") for ln in lines) == ["", "a", "b"]
    assert next(ln for ln in lines if ln["status"] == "error")["error"].endswith("nope.txt does not exist")
    again = zhimei(tmp_path, *args)
    assert json.loads(again.stdout)["skipped"] == 2 and "Traceback" not in again.stderr


def test_a_malformed_input_file_exits_3_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    bad = zhimei(tmp_path, "generate", "summary", "--batch", "in.jsonl", "--out", "out.jsonl")
    assert bad.returncode == 3 and "line 2: not valid JSON" in bad.stderr
    assert not (tmp_path / "out.jsonl").exists() and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch", "in.jsonl"], "--batch needs --out"),
        (["--out", "o.jsonl"], "go with --batch"),
        (["--file", "x.txt", "--batch", "in.jsonl", "--out", "o.jsonl"], "do not go together"),
        ([], "give --file"),
        (["--batch", "in.jsonl", "--out", "o.jsonl", "--n", "3"], "--n does not apply"),
        (["--batch", "in.jsonl", "--out", "o.jsonl", "--stream"], "--stream does not apply"),
    ],
)
def test_option_mistakes_are_input_errors(tmp_path: Path, args: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from zhimei.interfaces.cli.app import app

    result = CliRunner().invoke(app, ["--backend", "scripted", "generate", "summary", *args])
    assert isinstance(result.exception, InputError)
    assert message in result.exception.message


def test_brief_batch_with_records_and_a_batch_wide_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from zhimei.interfaces.cli.app import app

    rows = [
        {"data": {"team": "Hawks", "points": 112}},
        {"data": {"team": "Bulls", "points": 99}, "length": 60},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["--backend", "scripted", "generate", "brief", "--batch", "in.jsonl", "--out", "out.jsonl"]
    result = CliRunner().invoke(app, [*args, "--require", "team", "--json"])
    assert result.exit_code in (0, 8), result.output
    assert json.loads(result.stdout)["done"] == 2
    lines = [json.loads(ln) for ln in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert len(lines) == 2 and all(ln["status"] == "ok" for ln in lines)
