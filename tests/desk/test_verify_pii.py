"""Personal data: checksums and formats that are flagged, and look-alikes that are not."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhimei.desk.verify import VerifyPolicy, verify
from zhimei.desk.verify.pii import luhn_valid, resident_id_valid
from zhimei.records import Flag

PII = VerifyPolicy(checks=("pii",))
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(region: str, born: date, seq: int) -> str:
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def pii(text: str) -> list[Flag]:
    return list(verify(text, [], lang="zh", policy=PII).flags)


def test_known_resident_id() -> None:
    assert resident_id_valid("11010519491231002X")
    assert resident_id_valid("11010519491231002x")
    (f,) = pii("身份证11010519491231002X。")
    assert (f.category, f.text, f.blocks_publishing, f.severity) == (
        "resident_id",
        "11010519491231002X",
        True,
        "error",
    )


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check character
        "110105194902300025",  # 30 February
        "110105189001010029",  # born 1890
        "990105194912310020",  # no such province
        "11010519491231002",  # 17 digits
    ],
)
def test_invalid_resident_ids_are_not_flagged(number: str) -> None:
    assert not resident_id_valid(number)
    assert pii(f"号码{number}。") == []


@settings(max_examples=60, deadline=None)
@given(
    region=st.sampled_from(["110105", "310104", "440305", "650102", "820000"]),
    days=st.integers(0, 40_000),
    seq=st.integers(0, 999),
)
def test_valid_ids_are_always_flagged(region: str, days: int, seq: int) -> None:
    number = make_id(region, date(1900, 1, 1) + timedelta(days=days), seq)
    found = pii(f"当事人身份证号{number}，已核实。")
    assert [(f.category, f.text) for f in found] == [("resident_id", number)]


@settings(max_examples=60, deadline=None)
@given(
    region=st.sampled_from(["110105", "310104", "440305"]),
    days=st.integers(0, 40_000),
    seq=st.integers(0, 999),
    bad=st.integers(1, 10),
)
def test_wrong_checksums_are_never_flagged(region: str, days: int, seq: int, bad: int) -> None:
    good = make_id(region, date(1900, 1, 1) + timedelta(days=days), seq)
    chars = "0123456789X"
    wrong = good[:17] + chars[(chars.index(good[17]) + bad) % 11]
    assert pii(f"身份证号{wrong}。") == []


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086-138-1234-5678",
        "(+86) 13812345678",
        "138-1234-5678",
    ],
)
def test_mobile_formats(text: str) -> None:
    (f,) = pii(f"电话：{text}，欢迎来电")
    assert f.category == "mobile" and f.text == text and f.value == "13812345678"


@pytest.mark.parametrize(
    "text", ["订单号213812345678", "12812345678", "1381234567", "13812345678901", "v13812345678"]
)
def test_mobile_look_alikes(text: str) -> None:
    assert [f for f in pii(text) if f.category == "mobile"] == []


def test_email() -> None:
    (f,) = pii("请联系 Zhang.San+news@Example.com.cn 获取。")
    assert f.category == "email" and f.value == "zhang.san+news@example.com.cn"


@pytest.mark.parametrize(
    "card", ["4111111111111111", "4111 1111 1111 1111", "6222-0212-3456-7894", "378282246310005"]
)
def test_bank_cards(card: str) -> None:
    assert luhn_valid(card.replace(" ", "").replace("-", ""))
    (f,) = pii(f"卡号 {card} 请核对")
    assert f.category == "bank_card" and f.text == card


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111112",  # fails Luhn
        "1234567812345670",  # starts with 1
        "2020-2021-2022-2023",  # years, Luhn notwithstanding
        "41111 11111 111111",  # odd grouping
        "营收4,111,111,111,111,111元",
    ],
)
def test_card_look_alikes(text: str) -> None:
    assert [f for f in pii(text) if f.category == "bank_card"] == []


def test_addresses() -> None:
    (f,) = pii("他住在北京市朝阳区建国路88号3单元502室，已多年。")
    assert (f.category, f.text) == ("address", "北京市朝阳区建国路88号3单元502室")
    (g,) = pii("现居浙江省杭州市西湖区文三路一百号。")
    assert g.text.startswith("浙江省") and g.text.endswith("一百号")
    assert pii("建国路是一条主干道，地铁1号线经过人民路。") == []


def test_pii_in_sources_is_still_flagged_but_says_so() -> None:
    (f,) = verify("电话13812345678", ["联系电话13812345678"], lang="zh", policy=PII).flags
    assert "also appears in a source" in f.detail and f.blocks_publishing


def test_pii_categories_and_blocking_are_configurable() -> None:
    policy = VerifyPolicy(checks=("pii",), pii=("email",), blocking=())
    (f,) = verify("13812345678 a@b.cn", [], lang="zh", policy=policy).flags
    assert f.category == "email" and not f.blocks_publishing
