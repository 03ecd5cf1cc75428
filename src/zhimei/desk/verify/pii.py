"""Personal data in a draft: PRC resident ID numbers, mainland mobile numbers, e-mail addresses,
bank card numbers and Chinese street addresses. Every finding blocks publishing by default.

Rules (tests pin each one):

* **Resident ID** (GB 11643): 18 characters, the last a digit or ``X``, not glued to other
  letters or digits; the first two digits a province code, digits 7-14 a real calendar date
  (1900-2099) and the last the ISO 7064 MOD 11-2 check character. A number failing any of these
  is not flagged. The old 15-digit form is not looked for.
* **Mobile**: ``1[3-9]`` and 9 more digits, optionally after ``+86``/``0086``/``(+86)``, with
  optional spaces or hyphens between the 3-4-4 groups; no digit or letter may touch it.
* **E-mail**: ``local@domain.tld`` (ASCII).
* **Bank card**: 13-19 digits, first digit 2-6 (the card networks' ranges, UnionPay's 62
  included), the Luhn check, written solid or in groups of four (Amex 4-6-5). An 18-digit number
  shaped like a resident ID (province code and birth date in place) is never a card, whatever its
  checksum, and groups that are all years (2020-2021-2022-2023) are not a card.
* **Address** (zh): a street (路, 街, 大道, 巷, 弄, 胡同 …) followed by a house number and 号,
  optionally led by the province, city, district or county and trailed by building, unit and
  room; the span starts at a province's name, else after the last function character before the
  street (住在, 位于 …).
  Street names alone, without a number, are public places, not personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date

from zhimei.desk.verify.findings import Finding, word_set

__all__ = ["EMAIL", "find_pii", "luhn_valid", "resident_id_valid"]


_PROVINCES = word_set(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "71 81 82 83 91"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_ID = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z+])(?:(?:\+86|0086|\(\+86\)|（\+86）)[ \-]?)?"
    r"1[3-9][0-9](?:[ \-]?[0-9]{4}){2}(?![0-9A-Za-z])"
)
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,63})@"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
_CARD = re.compile(r"(?<![0-9A-Za-z.,])[2-6][0-9]{3}(?:[ \-]?[0-9]){9,15}(?![0-9A-Za-z])")
_CARD_GROUPS = re.compile(
    r"[0-9]{4}(?:([ \-])[0-9]{4}){2,3}(?:\1[0-9]{1,4})?|[0-9]{4}([ \-])[0-9]{6}\2[0-9]{5}"
)
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")

_CJK = "\u4e00-\u9fff"
_ZH_NUM = "一二三四五六七八九十百零〇"
_ADDRESS = re.compile(
    rf"(?:[{_CJK}]{{2,6}}?(?:省|自治区|特别行政区))?"
    rf"(?:[{_CJK}]{{1,6}}?(?:市|自治州|州|盟|地区))?"
    rf"(?:[{_CJK}]{{1,6}}?(?:区|县|旗|市))?"
    rf"(?:[{_CJK}]{{1,8}}?(?:镇|乡|街道))?"
    rf"[{_CJK}0-9]{{1,12}}?(?P<street>大街|大道|路|街|巷|弄|胡同)"
    rf"[ \u3000]*(?:[0-9]{{1,5}}|[{_ZH_NUM}]{{1,6}})(?:[-之][0-9]{{1,5}})?号(?!线|文件|令|台风)"
    rf"(?:院|大院)?(?:[0-9A-Za-z{_ZH_NUM}]{{1,5}}(?:号楼|栋|幢|座|单元|层|楼|室))*"
)
_PROVINCE_NAMES = word_set(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 "
    "广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
)
# Characters that end the words before an address (住在, 位于, 地址是 …); place names rarely hold them.
_ADDRESS_LEAD = frozenset("在于住居址到至往从是为的和及与向由")


def _id_shaped(number: str) -> bool:
    """18 characters with a province code and a birth date where an ID has them (checksum aside)."""
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    if number[:2] not in _PROVINCES or not 1900 <= int(number[6:10]) <= 2099:
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return True


def resident_id_valid(number: str) -> bool:
    """Whether ``number`` is a well-formed 18-character PRC resident ID (see the module rules)."""
    if not _id_shaped(number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    """The Luhn check of a string of ASCII digits."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(match: str) -> str | None:
    digits = re.sub(r"[ \-]", "", match)
    if not 13 <= len(digits) <= 19 or not luhn_valid(digits) or _id_shaped(digits):
        return None
    if match != digits:
        if _CARD_GROUPS.fullmatch(match) is None:
            return None
        groups = re.split(r"[ \-]", match)
        if all(_YEAR.fullmatch(g) for g in groups):
            return None
    return digits


def _address_start(text: str, start: int, street: int) -> int:
    head = text[start:street]
    at = [head.find(p) for p in _PROVINCE_NAMES if p in head]
    if at:
        return start + min(at)
    for i in range(street - 1, start - 1, -1):
        if text[i] in _ADDRESS_LEAD:
            return i + 1
    return start


def _found_in(value: str, sources: Sequence[str]) -> str:
    return " (it also appears in a source)" if any(value in s for s in sources) else ""


_WHAT = {
    "resident_id": "resident ID number",
    "bank_card": "bank card number",
    "mobile": "mobile phone number",
    "email": "e-mail address",
    "address": "street address with a house number",
}


def _matches(draft: str) -> Iterator[tuple[str, int, int, str]]:
    """(category, start, end, normalised value) of every item; IDs win over cards over mobiles."""
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for m in _ID.finditer(draft):
        if resident_id_valid(m.group()):
            taken.append(m.span())
            yield "resident_id", *m.span(), m.group().upper()
    for m in _CARD.finditer(draft):
        digits = _card(m.group())
        if digits and free(*m.span()):
            taken.append(m.span())
            yield "bank_card", *m.span(), digits
    for m in _MOBILE.finditer(draft):
        if free(*m.span()):
            taken.append(m.span())
            yield "mobile", *m.span(), re.sub(r"\D", "", m.group())[-11:]
    for m in EMAIL.finditer(draft):
        yield "email", *m.span(), m.group().lower()
    for m in _ADDRESS.finditer(draft):
        start = _address_start(draft, m.start(), m.start("street"))
        yield "address", start, m.end(), draft[start : m.end()]


def find_pii(draft: str, sources: Sequence[str], categories: Sequence[str]) -> Iterator[Finding]:
    """Personal data in ``draft``, one finding per occurrence (categories as in VerifyPolicy.pii)."""
    for category, start, end, value in _matches(draft):
        if category in categories:
            surface = draft[start:end]
            yield Finding(
                "pii",
                category,
                start,
                end,
                value=value,
                detail=f"{_WHAT[category]} (personal data)" + _found_in(surface, sources),
                severity="error",
            )
