"""Verbatim overlaps: thresholds in zh characters and en words, and linear cost on long texts."""

from __future__ import annotations

import time

from zhimei.desk.verify import VerifyPolicy, verify
from zhimei.records import Flag

COPY = VerifyPolicy(checks=("copying",))
ZH = "国家统计局十月十五日发布数据显示全国居民消费价格指数同比上涨零点八个百分点其中食品价格上涨较快非食品价格保持平稳服务价格同比上涨旅游价格涨幅居前"  # noqa: E501
EN_TEXT = (
    "consumer prices in westmere rose in the year to september according to figures released on tuesday "
    "by the statistics office and the chief statistician said the slowdown was broad based with most "
    "categories recording smaller increases than a month earlier while energy costs fell"
)
EN_WORDS = EN_TEXT.split(" ")


def copying(draft: str, sources: list[str], lang: str, policy: VerifyPolicy = COPY) -> list[Flag]:
    return list(verify(draft, sources, lang=lang, policy=policy).flags)  # type: ignore[arg-type]


def test_zh_threshold_in_characters() -> None:
    assert len(ZH) > 60
    draft = "记者获悉，" + ZH[:50] + "。另据报道。"
    (f,) = copying(draft, [ZH], "zh")
    assert (f.kind, f.category, f.text) == ("copying", "overlap", ZH[:50])
    assert "50 characters" in f.detail and "source 1" in f.detail and not f.blocks_publishing
    assert copying("记者获悉，" + ZH[:49] + "。", [ZH], "zh") == []


def test_zh_ignores_whitespace_and_line_breaks() -> None:
    spaced = " ".join(ZH[:30]) + "\n" + ZH[30:60]
    (f,) = copying(spaced, [ZH], "zh")
    assert f.start == 0 and f.end == len(spaced)


def test_en_threshold_in_words_case_and_punctuation_insensitive() -> None:
    source = " ".join(EN_WORDS)
    draft = "Reporters note: " + ", ".join(w.capitalize() for w in EN_WORDS[:30]) + ". Nothing else."
    (f,) = copying(draft, [source], "en")
    assert "30 words" in f.detail and f.text.startswith("Consumer") and f.text.endswith("Broad, Based")
    assert copying(" ".join(EN_WORDS[:29]), [source], "en") == []


def test_threshold_is_configurable_and_sources_are_named() -> None:
    policy = VerifyPolicy(checks=("copying",), copy_min_zh_chars=10)
    (f,) = copying("他说：" + ZH[:12] + "。", ["无关内容", ZH], "zh", policy)
    assert "source 2" in f.detail


def test_id_follows_the_copied_text_not_its_position() -> None:
    a = copying(ZH[:55], [ZH], "zh")
    b = copying("前言。" + ZH[:55], [ZH], "zh")
    assert a[0].id == b[0].id and a[0].value.startswith("sha256:")


def test_long_texts_stay_fast() -> None:
    source = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(200_000))
    draft = source[50_000:50_080] + "".join(chr(0x4E00 + (i * 104729) % 20000) for i in range(100_000))
    start = time.perf_counter()
    found = copying(draft, [source], "zh")
    assert time.perf_counter() - start < 5
    assert [len(f.text) for f in found] == [80]


def test_repetitive_text_stays_fast() -> None:
    start = time.perf_counter()
    found = copying("啊" * 50_000, ["啊" * 50_000], "zh")
    assert time.perf_counter() - start < 5
    assert len(found) == 1 and found[0].end == 50_000
