"""The `zhimei eval` commands on the scripted backend."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zhimei.errors import UnknownNameError
from zhimei.interfaces.cli.app import app

pytestmark = pytest.mark.cli


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ZHIMEI_BACKEND", "scripted")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "250")  # tables must not wrap run ids
    return CliRunner()


def _ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_run_baselines_compare_report_list(runner: CliRunner, cases_jsonl: Path, tmp_path: Path) -> None:
    run = json.loads(
        _ok(runner, "eval", "run", "--task", "summary", "--data", str(cases_jsonl), "--json", "--limit", "2")
    )
    assert set(run) == {"run", "metrics", "cases"} and len(run["cases"]) == 2
    case = run["cases"][0]
    assert {"input", "output", "references", "scores"} <= set(case) and "rougeL" in case["scores"]
    model_id = run["run"]["id"]
    base = json.loads(
        _ok(
            runner,
            "eval",
            "baselines",
            "--task",
            "summary",
            "--data",
            str(cases_jsonl),
            "--only",
            "lead-1",
            "--json",
            "--limit",
            "2",
        )
    )
    base_id = base["run"]["id"]
    compared = json.loads(_ok(runner, "eval", "compare", base_id, model_id, "--resamples", "50", "--json"))
    assert compared["paired_cases"] == 2 and compared["deltas"]
    assert "B − A" in _ok(runner, "eval", "compare", base_id, model_id, "--resamples", "50")
    html = tmp_path / "r.html"
    table = _ok(runner, "eval", "report", base_id, model_id, "--html", str(html))
    assert "rougeL" in table and "data:image/png;base64," in html.read_text(encoding="utf-8")
    listed = json.loads(_ok(runner, "eval", "list", "--json"))
    assert {r["id"] for r in listed} == {model_id, base_id}
    assert model_id in _ok(runner, "eval", "list")


def test_score_command(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(
        json.dumps({"input": "工业增长5.3%。", "reference": "工业增长5.3%", "prediction": "工业增长5.3%"}),
        "utf-8",
    )
    out = json.loads(_ok(runner, "eval", "score", "--data", str(path), "--json", "--zh-tokenizer", "jieba"))
    assert out["metrics"]["rougeL"] == pytest.approx(100.0) and out["run"]["kind"] == "scored"


def test_errors_exit_with_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok", "reference": "r"}\n{oops\n', encoding="utf-8")
    env = {
        "ZHIMEI_HOME": str(tmp_path / "home"),
        "ZHIMEI_BACKEND": "scripted",
        "NO_COLOR": "1",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-m", "zhimei", "eval", "run", "--task", "summary", "--data", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert out.returncode == 3 and "bad.jsonl line 2 is not valid JSON" in out.stderr


def test_unknown_prompt_version_lists_the_known_ones(runner: CliRunner, cases_jsonl: Path) -> None:
    result = runner.invoke(
        app, ["eval", "run", "--task", "summary", "--data", str(cases_jsonl), "--prompt", "v9"]
    )
    assert isinstance(result.exception, UnknownNameError) and result.exception.exit_code == 2
    assert "v9" in result.exception.message and "summary.v1" in result.exception.hint
