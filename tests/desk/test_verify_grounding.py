"""verify(): grounding of figures and names, stable ids, the summary record."""

from __future__ import annotations

import pytest

from zhimei.desk.verify import VerifyPolicy, verify
from zhimei.records import Flag

GROUNDING = VerifyPolicy(checks=("grounding",))

ZH_SOURCE = (
    "国家统计局10月15日发布数据显示，2026年9月全国居民消费价格指数同比上涨0.8%，"
    "涨幅比上月扩大0.3个百分点。临川市今年计划改造老旧小区126个，总投资约1.2亿元。"
    "市长张伟表示，将继续加大投入。"
)
EN_SOURCE = (
    "Consumer prices in Westmere rose 2.4% in the year to September, according to figures released "
    "on Tuesday by the Westmere Statistics Office. Chief statistician Helen Marsh said the slowdown "
    "was broad-based. The bank will announce its decision on November 6, and John Smith of the "
    "Bank of England declined to comment."
)


def flags(draft: str, sources: list[str], lang: str = "zh", policy: VerifyPolicy = GROUNDING) -> list[Flag]:
    return list(verify(draft, sources, lang=lang, policy=policy).flags)  # type: ignore[arg-type]


def texts(found: list[Flag]) -> list[str]:
    return [f.text for f in found]


def test_equivalent_forms_are_grounded_zh() -> None:
    draft = "国家统计局十月十五日发布，2026年9月居民消费价格同比上涨百分之零点八，投资约120000000元。"
    assert flags(draft, [ZH_SOURCE]) == []


def test_wrong_figures_are_flagged_with_positions() -> None:
    draft = "国家统计局10月16日发布，价格上涨百分之五点三，改造小区一百三十六个，总投资1.5亿元。"
    found = flags(draft, [ZH_SOURCE])
    assert texts(found) == ["10月16日", "百分之五点三", "一百三十六", "1.5亿元"]
    assert [f.category for f in found] == ["date", "percent", "number", "money"]
    for f in found:
        assert draft[f.start : f.end] == f.text
        assert f.kind == "grounding" and f.severity == "error" and not f.blocks_publishing


def test_rounded_figures_are_grounded() -> None:
    assert flags("Prices rose about 2 percent, said Helen Marsh.", [EN_SOURCE], "en") == []


def test_unmatched_zh_names() -> None:
    draft = "临江市市长李强表示，国家能源局将加大投入。"
    found = flags(draft, [ZH_SOURCE])
    assert {(f.text, f.category) for f in found} >= {("李强", "person"), ("国家能源局", "organisation")}
    assert any(f.category == "place" and "临江" in f.text for f in found)


def test_zh_partial_references_are_grounded() -> None:
    for draft in ["张伟说，张将继续推动改造。", "张先生表示将继续投入。", "临川市计划改造小区。"]:
        assert [f for f in flags(draft, [ZH_SOURCE]) if f.category == "person"] == [], draft


def test_en_names_and_partial_references() -> None:
    ok = "Marsh said prices rose 2.4%. Smith declined to comment, and Mr Smith left the Bank of England."
    assert flags(ok, [EN_SOURCE], "en") == []
    found = flags("Helen Walsh of the Westmere Statistics Office and Jane Smith spoke.", [EN_SOURCE], "en")
    assert texts(found) == ["Helen Walsh", "Jane Smith"]
    assert {f.category for f in found} == {"name"}


def test_sentence_initial_common_words_are_not_names() -> None:
    draft = "However, prices rose 2.4%. According to Marsh, the slowdown was broad-based. Meanwhile nothing."
    assert flags(draft, [EN_SOURCE], "en") == []


def test_calendar_words_and_possessives_are_not_names() -> None:
    assert flags("In Tuesday's figures, Marsh's view held on November 6.", [EN_SOURCE], "en") == []
    assert flags("Marsh said so.", ["Helen Marsh's team said so."], "en") == []


def test_title_case_headline_uses_common_words_from_sources() -> None:
    assert flags("Consumer Prices Rose In Westmere", [EN_SOURCE], "en") == []
    assert texts(flags("Consumer Prices Rose In Eastmere", [EN_SOURCE], "en")) == ["Eastmere"]


def test_cross_language_names_are_out_of_scope() -> None:
    # A transliterated name cannot be matched to its original script: it is flagged.
    assert texts(flags("Zhang Wei said investment would continue.", [ZH_SOURCE], "en")) == ["Zhang Wei"]


def test_latin_names_inside_chinese_drafts() -> None:
    source = "苹果公司CEO Tim Cook表示，将在华投资。"
    assert flags("Tim Cook表示将投资。", [source]) == []
    assert texts(flags("Tim Apple表示将投资。", [source])) == ["Tim Apple"]


def test_names_can_be_switched_off() -> None:
    policy = VerifyPolicy(checks=("grounding",), names=False)
    assert flags("李强说价格上涨0.8%。", [ZH_SOURCE], policy=policy) == []


def test_figures_inside_personal_data_and_links_are_not_grounding_flags() -> None:
    draft = "详见 https://example.com/2026/report-99 或致电13812345678。"
    found = flags(draft, [ZH_SOURCE], policy=VerifyPolicy())
    assert {f.kind for f in found} == {"pii", "link"}


def test_several_sources() -> None:
    draft = "价格上涨0.8%，Helen Marsh说。"
    assert flags(draft, [ZH_SOURCE, EN_SOURCE]) == []
    assert texts(flags(draft, [EN_SOURCE])) == ["0.8%"]


def test_ids_are_stable_across_forms_and_edits_elsewhere() -> None:
    a = flags("总投资1.5亿元。", [ZH_SOURCE])
    b = flags("据悉，今年总投资150000000元，规模可观。", [ZH_SOURCE])
    assert len(a) == len(b) == 1 and a[0].id == b[0].id and a[0].start != b[0].start
    twice = flags("投资1.5亿元，另有1.5亿元。", [ZH_SOURCE])
    assert len({f.id for f in twice}) == 2


def test_summary_record() -> None:
    v = verify("上涨5.3%，联系13812345678。", [ZH_SOURCE], lang="zh")
    assert v.checks == ("grounding", "copying", "pii", "sensitive", "link")
    assert v.counts == {"grounding": 1, "copying": 0, "pii": 1, "sensitive": 0, "link": 0}
    assert v.blocking == 1 and v.blocks_publishing
    (pii,) = v.outstanding()
    assert pii.category == "mobile"
    assert v.outstanding({pii.id}) == ()
    assert v.model_dump_json()  # the record serialises for the store


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unmodified_source_sentences_have_no_flags(lang: str) -> None:
    source = ZH_SOURCE if lang == "zh" else EN_SOURCE
    assert flags(source, [source], lang) == []
