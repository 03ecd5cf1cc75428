"""The additions to zhimei.checks.numbers the desk relies on: several sources, canonical values, units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhimei.checks.numbers import extract_quantities, quantity_value, ungrounded, ungrounded_in_all


def test_each_source_grounds_on_its_own() -> None:
    draft = "增长5.3%，收入1.2亿元，9月20日发布"
    sources = ["同比增长百分之五点三", "收入120000000元", "9月20日发布"]
    assert ungrounded_in_all(draft, sources) == []
    missing = ungrounded_in_all(draft, sources[:2])
    assert [q.surface for q in missing] == ["9月20日"]


def test_no_sources_leaves_every_checked_figure() -> None:
    assert [q.surface for q in ungrounded_in_all("增长5.3%，共三个", [])] == ["5.3%"]


def test_dates_do_not_inherit_across_sources() -> None:
    # One source: 23日 inherits November from 11月20日; split over two sources it does not.
    assert ungrounded("11月23日", "11月20日至23日") == []
    assert [q.surface for q in ungrounded_in_all("11月23日", ["11月20日", "至23日"])] == ["11月23日"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("5.3%", "百分之五点三"),
        ("1.2亿", "120 million"),
        ("3万元", "30000元"),
        ("0.5个百分点", "零点五个百分点"),
    ],
)
def test_quantity_value_is_form_independent(a: str, b: str) -> None:
    (qa,) = extract_quantities(a)
    (qb,) = extract_quantities(b)
    assert quantity_value(qa) == quantity_value(qb)


def test_quantity_value_shapes() -> None:
    assert [quantity_value(q) for q in extract_quantities("2026年9月, 5.3%, $3 million")] == [
        "date:2026-9-?",
        "percent:5.3",
        "money:3000000:USD",
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("百分之十点六", Decimal("10.6")),
        ("二十点五亿", Decimal("2050000000")),
        ("一百二十点五万", Decimal("1205000")),
        ("接种点二千七百五十七个", Decimal("2757")),
        ("节约用电3600万千瓦时", Decimal("36000000")),
        ("36000000千瓦时", Decimal("36000000")),
        ("重5千克", Decimal("5")),
    ],
)
def test_decimal_after_multiplier_and_unit_prefixes(text: str, value: Decimal) -> None:
    assert [q.value for q in extract_quantities(text)] == [value]


def test_chinese_numeral_day_only_ends_a_range() -> None:
    assert [q.surface for q in extract_quantities("十月一日至七日")] == ["十月一日", "七日"]
    assert [q.kind for q in extract_quantities("为期四日")] == ["number"]
    assert [q.surface for q in ungrounded("十月六日至四日", "10月1日至7日")] == ["十月六日", "四日"]
