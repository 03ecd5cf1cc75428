"""Near-duplicate index: planted copies are found, strangers are not, hostile input is refused or survives."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest

from tests.stories.conftest import MakeDoc
from zhimei.errors import InputError
from zhimei.stories.dedupe import NearDuplicateIndex
from zhimei.stories.minhash import BandIndex, MinHasher, lsh_bands
from zhimei.stories.shingles import shingle_hashes

ZH = (
    "国家统计局今天发布数据，今年前三季度国内生产总值同比增长百分之五点二，其中第三季度增长百分之四点九。"
    "专家表示，消费对经济增长的贡献率继续提高，就业形势总体稳定，物价温和上涨。"
)
EN = (
    "The national statistics bureau said on Wednesday that the economy grew 5.2 percent in the first three "
    "quarters of the year, with third-quarter growth of 4.9 percent. Economists said consumption contributed "
    "more to growth while employment stayed broadly stable and prices rose modestly."
)


def _random_text(rng: random.Random, lang: str) -> str:
    if lang == "zh":
        return "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(rng.randrange(80, 200)))
    words = ["".join(rng.choice("abcdefghij") for _ in range(rng.randrange(2, 8))) for _ in range(400)]
    return " ".join(rng.choice(words) for _ in range(rng.randrange(40, 90)))


def test_edited_copies_are_found_most_similar_first() -> None:
    index = NearDuplicateIndex()
    assert index.add("orig-zh", ZH, "zh") == ()
    assert index.add("orig-en", EN, "en") == ()
    # Re-punctuated, re-spaced and lightly edited copies.
    zh_copy = ZH.replace("，", ", ").replace("专家表示", "专家认为") + "（完）"
    en_copy = EN.upper().replace("Economists said", "Analysts noted") + " Reuters."
    zh_found = index.add("copy-zh", zh_copy, "zh")
    assert [m.key for m in zh_found] == ["orig-zh"]
    assert 0.6 < zh_found[0].similarity <= 1.0
    en_found = index.add("copy-en", en_copy, "en")
    assert [m.key for m in en_found] == ["orig-en"]
    # Both the original and the copy match a third version; the closer one comes first.
    found = index.query(ZH, "zh")
    assert [m.key for m in found] == ["orig-zh", "copy-zh"]
    assert found[0].similarity == 1.0 and found[0].similarity >= found[1].similarity


def test_reordered_and_truncated_copies_are_found_but_strangers_are_not() -> None:
    index = NearDuplicateIndex(threshold=0.5)
    first, second = EN.split(". ", 1)
    index.add("orig", EN, "en")
    assert [m.key for m in index.query(f"{second} {first}.", "en")] == ["orig"]
    assert [m.key for m in index.query(EN[: int(len(EN) * 0.8)], "en")] == ["orig"]
    rng = random.Random(3)
    for i in range(200):
        lang = "zh" if i % 2 else "en"
        assert index.add(f"r{i}", _random_text(rng, lang), lang) == ()  # type: ignore[arg-type]
    assert len(index) == 201 and "orig" in index and "nope" not in index


def test_adding_a_key_again_indexes_nothing(doc: MakeDoc) -> None:
    index = NearDuplicateIndex()
    d = doc("统计局发布数据", ZH, "zh")
    assert index.add_document(d) == ()
    assert index.add_document(d) == ()
    assert len(index) == 1
    other = doc("统计局发布三季度数据", ZH, "zh")
    assert [m.key for m in index.add_document(other)] == [d.content_hash]


def test_language_is_detected_when_not_given() -> None:
    index = NearDuplicateIndex()
    index.add("zh", ZH)
    assert [m.key for m in index.query(ZH + "记者 王明")] == ["zh"]


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x01\x1b", "\u200b\u200d"])
def test_texts_with_nothing_to_compare_raise_input_error(text: str) -> None:
    index = NearDuplicateIndex()
    with pytest.raises(InputError):
        index.add("k", text)
    with pytest.raises(InputError):
        index.query(text)
    assert len(index) == 0


def test_empty_key_is_refused() -> None:
    with pytest.raises(InputError):
        NearDuplicateIndex().add("", ZH)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("a", "en"),
        ("中", "zh"),
        ("😀🎉🔥", "en"),
        ("😀🎉🔥", "zh"),
        ("，。！？", "zh"),
        ("Apple发布新款iPhone手机 😀 售价799美元\x07", None),
        ("\x1b[31mred\x1b[0m alert \r\n\r\n ok", "en"),
    ],
)
def test_short_odd_and_mixed_texts_work(text: str, lang: str | None) -> None:
    index = NearDuplicateIndex()
    assert index.add("k", text, lang) == ()  # type: ignore[arg-type]
    assert [m.key for m in index.query(text, lang)] == ["k"]  # type: ignore[arg-type]


def test_huge_text_is_capped_and_fast() -> None:
    index = NearDuplicateIndex()
    huge = ZH * 20_000  # ~2.4 million characters
    start = time.perf_counter()
    index.add("huge", huge, "zh")
    assert time.perf_counter() - start < 5
    assert [m.key for m in index.query(huge[:100_000], "zh")] == ["huge"]


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InputError):
        NearDuplicateIndex(threshold=1.0)
    with pytest.raises(InputError):
        NearDuplicateIndex(zh_shingle=0)
    with pytest.raises(InputError):
        NearDuplicateIndex(num_perm=4)


def test_signatures_are_stable_and_estimate_jaccard() -> None:
    a = shingle_hashes(EN, "en")
    b = shingle_hashes(EN.replace("Wednesday", "Tuesday").replace("stable", "steady"), "en")
    exact = len(set(a.tolist()) & set(b.tolist())) / len(set(a.tolist()) | set(b.tolist()))
    one, two = MinHasher(128, seed=1), MinHasher(128, seed=1)
    assert np.array_equal(one.signature(a), two.signature(a))  # no per-process hash salt
    estimate = float((one.signature(a) == one.signature(b)).mean())
    assert abs(estimate - exact) < 0.12
    # Shingles: words for en, characters without punctuation for zh.
    assert len(shingle_hashes("one two three four", "en")) == 2
    assert np.array_equal(shingle_hashes("你好，世界！", "zh"), shingle_hashes("你好 世界", "zh"))


def test_lsh_bands_follow_the_threshold() -> None:
    low, high = lsh_bands(0.3, 128), lsh_bands(0.8, 128)
    assert low[0] * low[1] <= 128 and high[0] * high[1] <= 128
    assert low[1] < high[1]  # a higher threshold needs longer bands


def test_queries_touch_only_bucket_mates() -> None:
    # Sub-quadratic: an unrelated text shares no band with thousands of others.
    rng = random.Random(5)
    index = NearDuplicateIndex()
    for i in range(800):
        index.add(str(i), _random_text(rng, "zh"), "zh")
    signature = index.signature(_random_text(rng, "zh"), "zh")
    bands: BandIndex = index._bands
    assert len(bands.candidates(bands.keys(signature))) <= 5
