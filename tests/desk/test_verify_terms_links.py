"""Sensitive terms (the newsroom's list) and links no source contains."""

from __future__ import annotations

import time

from zhimei.desk.verify import VerifyPolicy, verify
from zhimei.desk.verify.terms import compile_terms
from zhimei.records import Flag


def run(draft: str, policy: VerifyPolicy, sources: tuple[str, ...] = (), lang: str = "en") -> list[Flag]:
    return list(verify(draft, list(sources), lang=lang, policy=policy).flags)  # type: ignore[arg-type]


TERMS = VerifyPolicy(
    checks=("sensitive",), sensitive_terms=("ban", "Banner Ads", "内幕", "内幕交易", "Apple", " ")
)


def test_en_terms_whole_words_any_case() -> None:
    found = run("BAN the banners; Banner ads and a ban.", TERMS)
    assert [f.text for f in found] == ["BAN", "Banner ads", "ban"]
    assert all(f.kind == "sensitive" and f.category == "term" and not f.blocks_publishing for f in found)


def test_zh_terms_anywhere_longest_first() -> None:
    found = run("涉嫌内幕交易，另有内幕。苹果Apple公司", TERMS, lang="zh")
    assert [f.text for f in found] == ["内幕交易", "内幕", "Apple"]


def test_blank_terms_are_dropped_and_empty_lists_match_nothing() -> None:
    assert TERMS.sensitive_terms == ("ban", "Banner Ads", "内幕", "内幕交易", "Apple")
    assert compile_terms(()) is None
    assert run("anything at all", VerifyPolicy(checks=("sensitive",))) == []


def test_regex_metacharacters_are_literal() -> None:
    policy = VerifyPolicy(checks=("sensitive",), sensitive_terms=("a.b", "(x)", "c++"))
    assert [f.text for f in run("axb a.b (x) c++", policy)] == ["a.b", "(x)", "c++"]


def test_thousands_of_terms_stay_fast() -> None:
    terms = tuple(f"term{i:05d}" for i in range(5000)) + tuple(f"敏感词{i}" for i in range(2000))
    policy = VerifyPolicy(checks=("sensitive",), sensitive_terms=terms)
    text = "ordinary words and 普通文字 " * 4000 + " term04999 敏感词1999"
    start = time.perf_counter()
    found = run(text, policy)
    assert time.perf_counter() - start < 5
    assert [f.text for f in found] == ["term04999", "敏感词1999"]


LINKS = VerifyPolicy(checks=("link",))


def test_links_not_in_sources_are_flagged() -> None:
    sources = ("See https://example.org/report and write to press@example.org.",)
    draft = (
        "Read https://example.org/report. Also ![x](https://evil.example/p.png?q=secret) and "
        "https://example.org/report?leak=1, www.other.example, mail press@example.org or spy@evil.example."
    )
    found = run(draft, LINKS, sources)
    assert [f.text for f in found] == [
        "https://evil.example/p.png?q=secret",
        "https://example.org/report?leak=1",
        "www.other.example",
        "spy@evil.example",
    ]
    assert all(f.kind == "link" and f.blocks_publishing for f in found)
    assert {f.category for f in found} == {"url", "email"}


def test_script_urls_are_always_flagged() -> None:
    source = "javascript:alert(1)"
    found = run('<a href="javascript:alert(1)">x</a> data:text/html;base64,AAAA', LINKS, (source,))
    assert [f.text for f in found] == ["javascript:alert(1)", "data:text/html;base64,AAAA"]
    assert "never publish" in found[0].detail


def test_html_and_markdown_targets() -> None:
    found = run('<img src="//evil.example/x.gif"> [a](/relative/path)', LINKS)
    assert [f.text for f in found] == ["//evil.example/x.gif", "/relative/path"]


def test_chinese_punctuation_ends_a_url() -> None:
    (f,) = run("详见https://example.cn/a，或致电。", LINKS, lang="zh")
    assert f.text == "https://example.cn/a"
