"""The writing-task commands in a subprocess, on the scripted backend: inputs, options, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.test_cli import ZH_TEXT, zhimei

pytestmark = pytest.mark.cli

EN_TEXT = "Riverton's council voted 7 to 2 on Tuesday to approve a $48 million bridge plan."


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_article_numbers_its_sources_in_order(tmp_path: Path) -> None:
    a = _file(tmp_path, "a.txt", ZH_TEXT)
    b = _file(tmp_path, "b.txt", "10月份社会消费品零售总额4.2万亿元，同比增长3.0%。")
    out = zhimei(tmp_path, "generate", "article", "--files", str(a), "--files", str(b), "--json")
    (record,) = json.loads(out.stdout)
    assert record["task_id"] == "article" and record["lang"] == "zh"
    sources = record["input"]["sources"]
    assert [s["text"] for s in sources] == [ZH_TEXT, "10月份社会消费品零售总额4.2万亿元，同比增长3.0%。"]
    # The scripted echo carries no [n] citation: the check says so and the exit code is 8.
    assert out.returncode == 8
    citations = next(c for c in record["checks_final"] if c["name"] == "citations")
    assert not citations["passed"] and "cites no source" in citations["detail"]


def test_article_refuses_a_missing_or_empty_source(tmp_path: Path) -> None:
    a = _file(tmp_path, "a.txt", ZH_TEXT)
    out = zhimei(tmp_path, "generate", "article", "--files", str(a), "--files", str(tmp_path / "nope.txt"))
    assert out.returncode in (2, 3) and "nope.txt" in out.stderr
    empty = _file(tmp_path, "empty.txt", "  \n")
    out = zhimei(tmp_path, "generate", "article", "--files", str(a), "--files", str(empty))
    assert out.returncode == 3 and "empty" in out.stderr and out.stdout == ""


def test_translate_to_the_same_language_is_refused(tmp_path: Path) -> None:
    a = _file(tmp_path, "a.txt", ZH_TEXT)
    out = zhimei(tmp_path, "generate", "translate", "--file", str(a), "--to", "zh")
    assert out.returncode == 3 and "already in zh" in out.stderr
    out = zhimei(tmp_path, "generate", "translate", "--file", str(a), "--to", "fr")
    assert out.returncode == 3 and "--to" in out.stderr


def test_translate_defaults_to_the_other_language(tmp_path: Path) -> None:
    a = _file(tmp_path, "a.txt", EN_TEXT)
    out = zhimei(tmp_path, "generate", "translate", "--file", str(a), "--json")
    (record,) = json.loads(out.stdout)
    assert record["lang"] == "zh" and record["input"]["lang"] == "en"
    # The echo is still English: the language check fails and says so.
    language = next(c for c in record["checks_final"] if c["name"] == "language")
    assert not language["passed"] and out.returncode == 8


def test_invalid_choices_name_the_option(tmp_path: Path) -> None:
    a = _file(tmp_path, "a.txt", EN_TEXT)
    out = zhimei(tmp_path, "generate", "rewrite", "--file", str(a), "--style", "poetic")
    assert out.returncode == 3 and "--style" in out.stderr and "concise" in out.stderr
    out = zhimei(tmp_path, "generate", "social", "--file", str(a), "--platform", "myspace")
    assert out.returncode == 3 and "--platform" in out.stderr
    out = zhimei(tmp_path, "generate", "script", "--file", str(a), "--kind", "radio")
    assert out.returncode == 3 and "--kind" in out.stderr
    out = zhimei(tmp_path, "generate", "script", "--file", str(a), "--seconds", "5")
    assert out.returncode == 2 and "seconds" in out.stderr


def test_script_reply_without_segments_is_a_parse_failure_not_a_guess(tmp_path: Path) -> None:
    a = _file(tmp_path, "a.txt", EN_TEXT)
    out = zhimei(tmp_path, "generate", "script", "--file", str(a), "--json")
    (record,) = json.loads(out.stdout)
    assert record["output"] is None and out.returncode == 8
    assert record["checks_final"][0]["name"] == "parse"


def test_adcopy_from_a_product_record(tmp_path: Path) -> None:
    data = _file(tmp_path, "p.json", json.dumps({"product": "Lumen Desk Lamp", "price": "$49"}))
    out = zhimei(tmp_path, "generate", "adcopy", "--data", str(data), "--n", "2", "--json")
    records = json.loads(out.stdout)
    assert [r["variant"] for r in records] == [0, 1] and records[0]["task_id"] == "adcopy"
    bad = _file(tmp_path, "bad.json", "[1, 2")
    out = zhimei(tmp_path, "generate", "adcopy", "--data", str(bad))
    assert out.returncode == 3 and "not valid JSON" in out.stderr


def test_article_reads_the_main_text_of_an_html_source(tmp_path: Path) -> None:
    page = _file(
        tmp_path,
        "b.html",
        "<html><head><title>零售数据</title></head><body><nav>首页 | 财经</nav><article><h1>零售数据</h1>"
        "<p>10月份社会消费品零售总额4.2万亿元，同比增长3.0%。其中，除汽车以外的消费品零售额3.8万亿元，"
        "增长3.4%。</p><p>1—10月份，全国网上零售额12.1万亿元，同比增长8.9%。</p></article>"
        "<footer>版权所有</footer></body></html>",
    )
    a = _file(tmp_path, "a.txt", ZH_TEXT)
    out = zhimei(tmp_path, "generate", "article", "--files", str(a), "--files", str(page), "--json")
    (record,) = json.loads(out.stdout)
    second = record["input"]["sources"][1]
    assert "4.2万亿元" in second["text"] and "版权所有" not in second["text"] and "<p>" not in second["text"]
