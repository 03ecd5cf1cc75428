"""Hostile input: empty, huge, binary-ish, HTML, surrogates, wrong types; and properties that must hold."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhimei.desk.verify import VerifyPolicy, verify
from zhimei.errors import InputError

SOURCE = "国家统计局10月15日发布数据，价格上涨0.8%。Helen Marsh said prices rose 2.4%."


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_empty_inputs(lang: str) -> None:
    v = verify("", [], lang=lang)  # type: ignore[arg-type]
    assert v.flags == () and v.blocking == 0 and set(v.counts.values()) == {0}
    assert verify("", [""], lang=lang).flags == ()  # type: ignore[arg-type]


def test_no_sources_flags_every_figure() -> None:
    v = verify("价格上涨0.8%", [], lang="zh", policy=VerifyPolicy(checks=("grounding",)))
    assert [f.text for f in v.flags] == ["0.8%"]


@pytest.mark.parametrize(
    ("draft", "sources", "lang", "message"),
    [
        (b"bytes", [], "zh", "must be text"),
        (None, [], "zh", "must be text"),
        ("text", "a single string", "zh", "sequence of texts"),
        ("text", [b"bytes"], "zh", "every source must be text"),
        ("text", [], "fr", "unknown language"),
    ],
)
def test_wrong_types_raise_input_error(draft: object, sources: object, lang: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        verify(draft, sources, lang=lang)  # type: ignore[arg-type]


def test_size_limits() -> None:
    policy = VerifyPolicy(max_chars=1000)
    with pytest.raises(InputError, match="draft has 1,001 characters"):
        verify("字" * 1001, [], lang="zh", policy=policy)
    with pytest.raises(InputError, match="sources have"):
        verify("字", ["字" * 600, "字" * 600], lang="zh", policy=policy)


def test_huge_draft_is_verified_in_reasonable_time() -> None:
    import time

    draft = "价格上涨0.8%，张伟表示将继续投入。Marsh agreed. " * 1500
    start = time.perf_counter()
    v = verify(draft, [SOURCE, "张伟表示将继续投入。"], lang="zh")
    assert time.perf_counter() - start < 20
    assert v.counts["grounding"] == 0


def test_control_characters_and_html_in_drafts() -> None:
    draft = "\x00\x07价格\x1b上涨5.3%<script>alert('x')</script>\u202e\ufeff"
    v = verify(draft, [SOURCE], lang="zh")
    (f,) = [f for f in v.flags if f.kind == "grounding"]
    assert f.text == "5.3%" and draft[f.start : f.end] == "5.3%"


def test_lone_surrogates_are_replaced_offsets_kept() -> None:
    draft = "价\ud800格上涨5.3%，电话13812345678\udfff"
    v = verify(draft, ["价\udc80格"], lang="zh")
    assert [f.text for f in v.flags if f.kind == "grounding"] == ["5.3%"]
    for f in v.flags:
        assert draft[f.start : f.end].replace("\ud800", "\ufffd").replace("\udfff", "\ufffd") == f.text
        f.text.encode("utf-8")  # storable
    v.model_dump_json()


_NO_FIGURES = st.text(
    alphabet=st.characters(
        blacklist_categories=("Nd", "No", "Nl", "Cs", "Lu", "Ll", "Lt", "Lm"),
        blacklist_characters="〇零一二两三四五六七八九十百千万亿点兆壹贰叁肆伍陆柒捌玖拾佰仟萬億兩",
    ),
    max_size=300,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draft=_NO_FIGURES)
def test_text_without_digits_never_flags_figures(draft: str) -> None:
    policy = VerifyPolicy(checks=("grounding",), names=False)
    assert verify(draft, [], lang="zh", policy=policy).flags == ()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draft=st.text(max_size=200), source=st.text(max_size=200), lang=st.sampled_from(["zh", "en"]))
def test_any_text_gives_consistent_flags(draft: str, source: str, lang: str) -> None:
    v = verify(draft, [source], lang=lang)  # type: ignore[arg-type]
    assert sum(v.counts.values()) == len(v.flags)
    assert v.blocking == sum(f.blocks_publishing for f in v.flags)
    assert len({f.id for f in v.flags}) == len(v.flags)
    for f in v.flags:
        assert 0 <= f.start <= f.end <= len(draft)
    assert [(f.start, f.end) for f in v.flags] == sorted((f.start, f.end) for f in v.flags)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(min_size=1, max_size=300))
def test_a_source_verified_against_itself_has_no_grounding_or_link_flags(text: str) -> None:
    v = verify(text, [text], lang="en", policy=VerifyPolicy(checks=("grounding", "link")))
    assert v.flags == ()
