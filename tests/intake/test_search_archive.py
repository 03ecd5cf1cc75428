"""Full-text search over documents, stories and the archive (zh with jieba, en), and archive import."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.intake.conftest import EN_FOOTBALL, EN_RATE, ZH_RATE, ZH_TYPHOON, make_zhimei, page, write_inbox
from zhimei.api import Zhimei
from zhimei.errors import InputError
from zhimei.intake.segment import parse_query, segment
from zhimei.records import utcnow
from zhimei.store.archive import ArchiveStore


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Zhimei:
    """Four documents in a folder source and an archive article (searches only read them)."""
    tmp_path = tmp_path_factory.mktemp("search")
    zm = make_zhimei(tmp_path / "home")
    inbox = write_inbox(tmp_path / "inbox")
    zm.sources_add("folder", str(inbox), name="inbox")
    zm.ingest()
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "2019.json").write_text(
        json.dumps(
            [
                {
                    "title": "央行宣布全面降准",
                    "headline": "央行降准0.5个百分点",
                    "summary": "央行决定下调存款准备金率0.5个百分点。",
                    "text": "中国人民银行决定于下周一下调金融机构存款准备金率0.5个百分点，"
                    "释放长期资金约8000亿元。",
                    "published": "2019-09-06T17:00:00+08:00",
                }
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    zm.archive_import(archive)
    return zm


def test_chinese_and_english_words_find_their_texts(filled: Zhimei) -> None:
    zh = filled.search("降息")
    assert {h.kind for h in zh} == {"document", "story"} and all("降息" in h.snippet for h in zh)
    en = filled.search("rate cut", kinds=["document"])
    assert [h.title for h in en] == [EN_RATE[0]]  # "rate" also finds "rates" (word start)
    both = filled.search("降息 OR football", kinds=["document"])
    assert {h.title for h in both} == {ZH_RATE[0], EN_FOOTBALL[0]}
    assert [h.title for h in filled.search("台风 福建", kinds=["document"])] == [ZH_TYPHOON[0]]
    assert filled.search("台风 football") == []


def test_phrases_need_their_words_in_order(filled: Zhimei) -> None:
    assert [h.title for h in filled.search('"quarter point"', kinds=["document"])] == [EN_RATE[0]]
    assert filled.search('"point quarter"', kinds=["document"]) == []
    assert [h.title for h in filled.search('"联邦基金利率"', kinds=["document"])] == [ZH_RATE[0]]


def test_since_and_kinds_narrow_the_results(filled: Zhimei) -> None:
    assert [h.kind for h in filled.search("准备金率")] == ["archive"]
    assert filled.search("准备金率", since="7d") == []  # published in 2019
    assert filled.search("降息", since=utcnow() + timedelta(days=1)) == []
    assert filled.search("降息", since="2026-01-01T00:00", kinds=["story"])[0].kind == "story"
    with pytest.raises(InputError, match="unknown kind"):
        filled.search("降息", kinds=["everything"])


@pytest.mark.parametrize(
    "query",
    [
        "NEAR(rate cut)",
        '"unbalanced quote',
        "rate*",
        "-rate",
        "rate'; DROP TABLE documents; --",
        "rate:cut",
        "(rate) AND (cut)",
        "^rate",
        "rate OR OR cut",
    ],
)
def test_query_syntax_of_the_engine_is_never_passed_through(filled: Zhimei, query: str) -> None:
    hits = filled.search(query)
    assert all(h.kind in ("document", "story", "archive") for h in hits)
    assert filled.search("rate", kinds=["document"])  # the table is still there


@pytest.mark.parametrize("query", ["", "   ", "，。！", "OR", '""', "x" * 600])
def test_queries_without_words_are_refused(filled: Zhimei, query: str) -> None:
    with pytest.raises(InputError):
        filled.search(query)


def test_segmentation_adds_the_short_words_inside_long_ones() -> None:
    tokens, extra = segment("中华人民共和国成立")
    assert "中华人民共和国" in tokens.split() and "共和国" in extra.split()
    assert segment("Plain English  text") == ("Plain English text", "")
    query = parse_query('美联储降息 OR "rate cut" growth')
    assert [len(g) for g in query.groups] == [1, 2]
    assert query.groups[1][0].phrase and query.groups[1][1].prefix


def test_archive_import_keeps_headline_and_summary_and_is_idempotent(zm: Zhimei, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    (archive / "2024").mkdir(parents=True)
    html = page(*EN_FOOTBALL).replace(
        b"<head>", b'<head><meta name="description" content="City beat United late on.">'
    )
    (archive / "2024" / "derby.html").write_bytes(html)
    (archive / "2024" / "typhoon.md").write_text(f"# {ZH_TYPHOON[0]}\n\n{ZH_TYPHOON[1]}\n", encoding="utf-8")
    (archive / "records.jsonl").write_text(
        json.dumps({"headline": "Rates cut", "summary": "The Fed cut.", "content": EN_RATE[1]}) + "\n",
        encoding="utf-8",
    )
    (archive / "bad.json").write_text('{"title": "no text here"}', encoding="utf-8")
    (archive / "nested.json").write_text("[" * 100_000, encoding="utf-8")
    (archive / "binary.md").write_bytes(b"\x00\x01\x02" * 100)

    result = zm.archive_import(archive)
    assert (result.files, result.imported, result.unchanged, result.failed) == (6, 3, 0, 3)
    stored = {a.source_file: a for a in ArchiveStore(zm.engine).articles()}
    assert set(stored) == {"2024/derby.html", "2024/typhoon.md", "records.jsonl"}
    assert stored["2024/derby.html"].summary == "City beat United late on."
    assert stored["2024/derby.html"].headline == EN_FOOTBALL[0]
    assert (stored["records.jsonl"].headline, stored["records.jsonl"].summary) == (
        "Rates cut",
        "The Fed cut.",
    )
    assert stored["2024/typhoon.md"].lang == "zh"

    again = zm.archive_import(archive)
    assert (again.imported, again.unchanged) == (0, 3)
    assert [h.kind for h in zm.search("台风 福建")] == ["archive"]
    single = zm.archive_import(archive / "2024" / "derby.html")
    assert (single.files, single.unchanged) == (1, 1)
    with pytest.raises(InputError):
        zm.archive_import(tmp_path / "missing")


def test_odd_story_refs_and_empty_since(filled: Zhimei) -> None:
    from zhimei.errors import NotFoundError

    for ref in ("²", "٣", "story-nope", "-1"):
        with pytest.raises(NotFoundError):
            filled.story(ref)
    assert len(filled.stories_list(since="")) == len(filled.stories_list())
    assert filled.search("降息", since="  ")
