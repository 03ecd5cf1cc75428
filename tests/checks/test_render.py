"""Figures rendered in the other language read back as the same value."""

from __future__ import annotations

import pytest

from zhimei.checks.numbers import extract_quantities, ungrounded
from zhimei.checks.render import figure_glossary, render_quantity


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("a $48 million plan", "zh", "4800万美元"),
        ("营收1.2亿元", "en", "120 million yuan"),
        ("3万名选手", "en", "30,000"),
        ("4.2万亿元", "en", "4.2 trillion yuan"),
        ("21,000 drivers", "zh", "21000"),
        ("加快0.5个百分点", "en", "0.5 percentage points"),
        ("€30 million", "zh", "3000万欧元"),
        ("HK$3.5 billion", "zh", "35亿港元"),
        ("2026年6月", "en", "June 2026"),
        ("March 15, 2025", "zh", "2025年3月15日"),
        ("增长5.3%", "en", "5.3%"),
        ("1,234.5 tonnes", "zh", "1234.5"),
    ],
)
def test_rendering_round_trips_through_the_extractor(text: str, lang: str, expected: str) -> None:
    (q,) = extract_quantities(text)
    rendered = render_quantity(q, lang)  # type: ignore[arg-type]
    assert rendered == expected
    assert not ungrounded(rendered, text) and not ungrounded(text, rendered)


def test_glossary_lists_changed_figures_once() -> None:
    source = "营收1.2亿元，增长5.3%；营收1.2亿元。11月15日发布。"
    pairs = figure_glossary(extract_quantities(source), "en")
    assert pairs == [("1.2亿元", "120 million yuan"), ("11月15日", "November 15")]


def test_localised_source_keeps_every_value() -> None:
    from zhimei.checks.render import localise_figures

    en = "The council voted 7 to 2 on Tuesday to approve a $48 million plan; work starts in June 2026."
    zh = localise_figures(en, extract_quantities(en), "zh")
    assert zh == "The council voted 7 to 2 on 周二 to approve a 4800万美元 plan; work starts in 2026年6月."
    assert not ungrounded(zh, en) and not ungrounded(en, zh)
    back = "国家统计局11月15日发布，1—10月份增长5.8%，周二公布。"
    localised = localise_figures(back, extract_quantities(back), "en")
    assert localised == "国家统计局 November 15 发布，January—October 增长 5.8%，Tuesday 公布。"
