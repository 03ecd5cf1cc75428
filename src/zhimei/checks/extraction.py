"""Finding quantities in zh and en text: numbers, percents, money amounts and dates, in text order.

Holds the scanner (one regex for dates, numeral runs and number words), the patterns for what
surrounds a figure (scale words, currencies, percent signs, hedges, measure words), the building of
each :class:`~zhimei.checks.quantities.Quantity` (sign, currency, precision, year or count) and the
sharing of units across ranges. Values come from :mod:`zhimei.checks.numerals`; the rules are
listed in :mod:`zhimei.checks.numbers`, the public entry point.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from zhimei.checks.numerals import (
    FOLD,
    MAX_DIGITS,
    NUMBER_WORDS,
    NUMERAL_RUN,
    ZH_BIG,
    ZH_DIGIT_CHARS,
    ZH_DIGITS,
    ZH_SMALL,
    parse_run,
    parse_words,
    scale,
    zh_small_int,
    zh_year,
)
from zhimei.checks.quantities import DECIMAL_CONTEXT, DateParts, Kind, Quantity

__all__ = ["extract_cached", "extract_quantities"]

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sept", "Sep"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ]
    )
    for name in names
}
_MON = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?![A-Za-z])\.?"
# A capitalised month name alone is a month; "May" alone is too often the verb.
_MON_ALONE = "|".join(n for n in _MONTHS if len(n) > 3 and n not in ("May", "Sept"))
_EN_DAY = r"(?:3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?![0-9A-Za-z])"
_EN_YEAR = r"[12][0-9]{3}(?![0-9A-Za-z])"
_ZH_MONTH = r"1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]"
_ZH_DAY = (
    r"3[01]|[12][0-9]|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]"
)

_MASTER = re.compile(
    "|".join(
        [
            r"(?P<iso>(?<![0-9A-Za-z.])(?P<iy>[12][0-9]{3})(?P<sep>[-/.])(?P<im>1[0-2]|0?[1-9])(?P=sep)"
            r"(?P<id>3[01]|[12][0-9]|0?[1-9])(?![0-9]))",
            r"(?P<us>(?<![0-9A-Za-z./])(?P<um>[0-9]{1,2})/(?P<ud>[0-9]{1,2})/(?P<uy>[12][0-9]{3})(?![0-9]))",
            rf"(?P<md>(?<![A-Za-z])(?P<md_m>{_MON})[ \u00a0]+(?P<md_d>{_EN_DAY})"
            rf"(?:,?[ \u00a0]+(?P<md_y>{_EN_YEAR}))?)",
            rf"(?P<dm>(?<![0-9A-Za-z.,])(?P<dm_d>{_EN_DAY})[ \u00a0]+(?:of[ \u00a0]+)?(?P<dm_m>{_MON})"
            rf"(?:,?[ \u00a0]+(?P<dm_y>{_EN_YEAR}))?)",
            rf"(?P<my>(?<![A-Za-z])(?P<my_m>{_MON}),?[ \u00a0]+(?P<my_y>{_EN_YEAR}))",
            rf"(?P<mo>(?<![A-Za-z])(?P<mo_m>{_MON_ALONE})(?![A-Za-z]))",
            rf"(?P<zy>(?<![0-9A-Za-z{ZH_DIGIT_CHARS}十百千])(?P<zy_y>[0-9]{{4}}|[〇零一二三四五六七八九]{{4}})年"
            rf"(?:(?P<zy_m>{_ZH_MONTH})月(?:份)?(?:(?P<zy_d>{_ZH_DAY})[日号])?)?)",
            rf"(?P<zm>(?<![0-9A-Za-z.{ZH_DIGIT_CHARS}十百千万亿])(?P<zm_m>{_ZH_MONTH})月(?:份)?"
            rf"(?:(?P<zm_d>{_ZH_DAY})[日号])?)",
            rf"(?P<zd>(?<![0-9A-Za-z.{ZH_DIGIT_CHARS}十百千万亿])(?P<zd_d>3[01]|[12][0-9]|0?[1-9])日(?!元))",
            # 十月一日至七日: a lone day in Chinese numerals only ends a range (四日 may be "four days").
            rf"(?P<zr>(?<=[至到])(?P<zr_d>{_ZH_DAY})日(?!元))",
            rf"(?P<pz>百分之(?P<pz_n>{NUMERAL_RUN}))",
            rf"(?P<num>(?<![0-9A-Za-z.])(?<![A-Za-z]-){NUMERAL_RUN})",
            rf"(?P<words>{NUMBER_WORDS})",
        ]
    )
)

_EN_SCALE = re.compile(r"[ \u00a0]?(?ai:(thousand|million|billion|trillion|bn|mn|tn))(?![A-Za-z])")
_SCALE_EXP = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12, "bn": 9, "mn": 6, "tn": 12}
_MONEY_ABBREV = re.compile(r"([mk])(?![A-Za-z])")  # $5m, $20k: only after a currency sign
_GLUED_OK = re.compile(
    r"(?:st|nd|rd|th|am|pm|km|kg|mg|cm|mm|ml|mph|kph|kmh|ft|GW|MW|kW|kWh|GWh|TWh|GB|MB|TB|Hz|GHz|MHz|m|g|t)"
    r"(?![A-Za-z])"
)
_ZH_HEDGE_MULT = re.compile(r"[多余来]([十百千万亿]+)")
_ZH_HEDGE_INNER = re.compile(r"[多余]")
_PERCENT = re.compile(
    r"[ \u00a0]?(?:(?P<pc>%)"
    r"|(?ai:(?P<pp>percentage[ \u00a0]points?|pp)|(?P<pe>percent|per[ \u00a0]cent|pct))(?![A-Za-z])"
    r"|(?P<zpp>个?百分点))"
)
_CUR_ZH = {
    "元人民币": "CNY",
    "美元": "USD",
    "欧元": "EUR",
    "英镑": "GBP",
    "日元": "JPY",
    "港元": "HKD",
    "港币": "HKD",
    "韩元": "KRW",
    "澳元": "AUD",
    "加元": "CAD",
    "新台币": "TWD",
    "卢布": "RUB",
    "人民币": "CNY",
    "元": "CNY",
    "块钱": "CNY",
}
_CUR_EN = {
    "us dollars": "USD",
    "u.s. dollars": "USD",
    "hong kong dollars": "HKD",
    "hk dollars": "HKD",
    "dollars": "USD",
    "dollar": "USD",
    "yuan": "CNY",
    "renminbi": "CNY",
    "euros": "EUR",
    "euro": "EUR",
    "yen": "JPY",
    "pounds sterling": "GBP",
    "rupees": "INR",
}
_ISO_CODES = ("RMB", "CNY", "USD", "EUR", "GBP", "HKD", "JPY")
_CUR_SUFFIX = re.compile(
    "(?P<zh>" + "|".join(_CUR_ZH) + ")"
    r"|[ \u00a0]?(?P<en>(?ai:" + "|".join(re.escape(k) for k in _CUR_EN) + r"))(?![A-Za-z])"
    r"|[ \u00a0]?(?P<iso>" + "|".join(_ISO_CODES) + r")(?![A-Za-z])"
)
_CUR_PREFIX = re.compile(
    r"(?:(?<![A-Za-z])(?P<sym>US\$|U\.S\.\$|HK\$|NT\$|A\$|C\$|S\$)|(?<![A-Za-z])(?P<plain>[$¥€£₹])"
    r"|(?<![A-Za-z])(?P<iso>RMB|CNY|USD|EUR|GBP|HKD|JPY)[ \u00a0]?|(?P<zh>人民币))$"
)
_SYMBOLS = {"US$": "USD", "U.S.$": "USD", "HK$": "HKD", "NT$": "TWD", "A$": "AUD", "C$": "CAD", "S$": "SGD"}
_SYMBOLS.update({"$": "USD", "¥": "CNY", "€": "EUR", "£": "GBP", "₹": "INR", "RMB": "CNY"})

_HEDGE_BEFORE = re.compile(
    r"(?:约为?|大约|约合|大概|将近|接近|近|逾|超过|超出|超|不到|不足|至少|~|≈"
    r"|(?ai:(?<![A-Za-z])(?:about|around|approximately|approx\.|roughly|nearly|almost|some|over|more than"
    r"|less than|fewer than|under|close to|up to|at least|an estimated|estimated|upwards of|just over"
    r"|just under)))[ \u00a0]*$"
)
_RANGE_GAP = re.compile(r"[ \u00a0]*(?:-|–|—|~|至|到|(?ai:to))[ \u00a0]*")
# "-" after a figure or a letter is a dash or a hyphen (3 - 5, 2020-21), not a minus sign.
_NOT_SIGN = re.compile(r"[0-9A-Za-z%][ \u00a0]*$")
# What may follow a lone Chinese numeral or a multiplier-led run for it to count as a quantity.
_MEASURE = re.compile(
    r"分钟|小时|公里|公斤|公顷|平方|立方|[个人名位户家次回遍年岁月日天周季项条件种类所座栋辆架艘只头匹台部本册场届"
    r"轮批份张篇首支队国省市县区村起例宗笔单套间层米吨升倍块角股枚颗棵粒多余来至到\-~]"
)
_HEDGE_AFTER = re.compile(
    rf"[ \u00a0]*(?:(?:{_MEASURE.pattern})?(?:左右|上下)|[多余几]|(?ai:or so|-odd)(?![A-Za-z]))"
)
# Words after a 1900-2100 figure that leave it a year ("in 2026 the …"); any other word is counted.
_YEAR_FOLLOWERS = "and or to in on at for by when while as the a an was is were will after before with from"
_YEAR_FOLLOWERS += " that which but than through until saw had has have"
_FUNCTION_WORDS = frozenset(_YEAR_FOLLOWERS.split())
_NEXT_WORD = re.compile(r"[ \u00a0]+([a-z]+)")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class _Raw:
    """A quantity under construction (mutable until ranges have shared their units)."""

    start: int
    end: int
    kind: Kind
    value: Decimal | DateParts
    unit: str | None = None
    approximate: bool = False
    spelled: bool = False
    trail: int = 0  # exponent of the scale word or Chinese multiplier that ends the expression
    open: bool = False  # no scale, percent or unit of its own: a range may lend it one
    year_like: bool = False  # four plain digits 1900-2100


def _date(m: re.Match[str]) -> _Raw | None:
    g = m.group
    y: int | None = None
    mo: int | None = None
    d: int | None = None
    if g("iso"):
        y, mo, d = int(g("iy")), int(g("im")), int(g("id"))
    elif g("us"):
        # Month first (US style) unless the first figure cannot be a month.
        a, b = int(g("um")), int(g("ud"))
        mo, d, y = (b, a, int(g("uy"))) if a > 12 else (a, b, int(g("uy")))
    elif g("md"):
        mo, d = _MONTHS[g("md_m").rstrip(".")], int(re.sub(r"\D", "", g("md_d")))
        y = int(g("md_y")) if g("md_y") else None
    elif g("dm"):
        mo, d = _MONTHS[g("dm_m").rstrip(".")], int(re.sub(r"\D", "", g("dm_d")))
        y = int(g("dm_y")) if g("dm_y") else None
    elif g("my"):
        mo, y = _MONTHS[g("my_m").rstrip(".")], int(g("my_y"))
    elif g("mo"):
        mo = _MONTHS[g("mo_m")]
    elif g("zy"):
        y = zh_year(g("zy_y"))
        mo = zh_small_int(g("zy_m")) if g("zy_m") else None
        d = zh_small_int(g("zy_d")) if g("zy_d") else None
    elif g("zm"):
        mo = zh_small_int(g("zm_m"))
        d = zh_small_int(g("zm_d")) if g("zm_d") else None
    elif g("zd"):
        d = int(g("zd_d"))
    elif g("zr"):
        d = zh_small_int(g("zr_d"))
    else:
        return None
    if (mo is not None and not 1 <= mo <= 12) or (d is not None and not 1 <= d <= 31):
        return None
    return _Raw(m.start(), m.end(), "date", DateParts(y, mo, d))


def _sign_at(t: str, pos: int, floor: int) -> str | None:
    """The sign just before ``pos``, if it is a sign and not a dash or hyphen."""
    if pos - 1 >= floor and t[pos - 1] in "+-" and not _NOT_SIGN.search(t, max(0, pos - 8), pos - 1):
        return t[pos - 1]
    return None


def _number(
    t: str, start: int, end: int, value: Decimal, trail: int, spelled: bool, floor: int
) -> _Raw | None:
    """Build a number, percent or money amount around the figure ``t[start:end]``."""
    run = t[start:end]
    pos = end
    approximate = False
    currency: str | None = None
    words = spelled and run.isascii()
    # English scale words after digits: 1.2 million, 3.5bn (number words carry their own).
    sm = None if spelled else _EN_SCALE.match(t, pos)
    if sm:
        exp = _SCALE_EXP[sm.group(1).lower()]
        value, trail, pos = scale(value, exp), trail + exp, sm.end()
    # A hedge inside a Chinese figure: 100多万, 三千余万; or before its measure word: 100多人.
    hm = None if words else _ZH_HEDGE_MULT.match(t, pos)
    if hm:
        exp = sum(ZH_BIG.get(ch, 0) + ZH_SMALL.get(ch, 0) for ch in hm.group(1))
        value, trail, pos, approximate = scale(value, exp), trail + exp, hm.end(), True
    elif (
        not words
        and _ZH_HEDGE_INNER.match(t, pos)
        and (_MEASURE.match(t, pos + 1) or _CUR_SUFFIX.match(t, pos + 1))
    ):
        pos, approximate = pos + 1, True
    # Sign and currency prefix, in either order: -$5, $-5, RMB 5, 人民币5.
    begin = start
    sign = _sign_at(t, begin, floor)
    begin -= 1 if sign else 0
    cm = _CUR_PREFIX.search(t[max(floor, begin - 6) : begin])
    if cm:
        sym = cm.group("sym") or cm.group("plain") or cm.group("iso") or "人民币"
        currency = _SYMBOLS.get(sym, "CNY" if sym == "人民币" else sym)
        begin -= len(cm.group())
        if sign is None:
            sign = _sign_at(t, begin, floor)
            begin -= 1 if sign else 0
    if sign == "-":
        value = value.copy_negate()
    prefixed = sign is not None or currency is not None
    # A glued Latin letter makes the figure part of a name (G20 is handled by the regex, 5G here).
    glued = False
    if pos < len(t) and t[pos].isascii() and t[pos].isalpha():
        mm = _MONEY_ABBREV.match(t, pos) if currency else None
        if mm:
            exp = 6 if mm.group(1) == "m" else 3
            value, trail, pos = scale(value, exp), trail + exp, mm.end()
        else:
            gm = _GLUED_OK.match(t, pos) if pos == end else None
            if gm is None:
                return None
            pos, glued = gm.end(), True
    kind: Kind = "number"
    unit: str | None = None
    pm = _PERCENT.match(t, pos)
    if pm and currency is None:
        kind, unit = "percent", ("pp" if pm.group("pp") or pm.group("zpp") else None)
        pos = pm.end()
    else:
        cs = _CUR_SUFFIX.match(t, pos)
        if cs:
            if cs.group("zh"):
                code = _CUR_ZH[cs.group("zh")]
            elif cs.group("en"):
                code = _CUR_EN[cs.group("en").lower()]
            else:
                code = _SYMBOLS.get(cs.group("iso"), cs.group("iso"))
            if currency is None or currency == code:
                currency, pos = code, cs.end()
        if currency is not None:
            kind, unit = "money", currency
    # A lone Chinese numeral (统一, 三星) or a multiplier-led run (千万 "must") needs a measure word.
    if spelled and not words and kind == "number" and pos == end:
        lone = (len(run) == 1 and run[0] in ZH_DIGITS) or run == "十"
        if (lone or run[0] in "百千万亿") and not _MEASURE.match(t, pos):
            return None
    if not approximate:
        approximate = _hedged(t, begin, pos)
    if value.adjusted() > MAX_DIGITS + 12:
        return None
    plain = pos == end and not prefixed
    return _Raw(
        begin,
        pos,
        kind,
        value,
        unit=unit,
        approximate=approximate,
        spelled=spelled,
        trail=trail,
        open=kind != "percent" and not glued and trail == 0,
        year_like=plain
        and not approximate
        and run.isascii()
        and run.isdigit()
        and len(run) == 4
        and 1900 <= int(run) <= 2100,
    )


def _is_year_context(t: str, end: int) -> bool:
    """A plain 1900-2100 figure is a year unless Chinese text or a counted noun follows it."""
    rest = t[end : end + 8].lstrip()
    if rest and _CJK.match(rest):
        return False
    nm = _NEXT_WORD.match(t, end)
    return nm is None or nm.group(1) in _FUNCTION_WORDS


def _date_from_range(a: Decimal, b: DateParts, year_like: bool) -> DateParts | None:
    """1-3月, 20-23日, 2020-2025年: the first figure of a date range is a date of the same shape."""
    if a != a.to_integral_value() or a < 1:
        return None
    v = int(a)
    if b == DateParts(None, b.month, None) and v <= 12:
        return DateParts(None, v, None)
    if b == DateParts(None, None, b.day) and v <= 31:
        return DateParts(None, None, v)
    if b == DateParts(b.year, None, None) and year_like:
        return DateParts(v, None, None)
    return None


def _share_range_units(raws: list[_Raw], t: str) -> None:
    """3-5万, 5 to 10%, $1-2 billion, 1-3月: both ends of a range share scale, kind and currency."""
    for a, b in itertools.pairwise(raws):
        if not a.open or not isinstance(a.value, Decimal):
            continue
        gap = _RANGE_GAP.fullmatch(t, a.end, b.start)
        # "from 2019 to 5 million" is not a range; "2000-3000万" is.
        if gap is None or (a.year_like and gap.group().strip().lower() == "to"):
            continue
        if isinstance(b.value, DateParts):
            if a.kind == "number":
                parts = _date_from_range(a.value, b.value, a.year_like)
                if parts is not None:
                    a.kind, a.value, a.year_like = "date", parts, False
            continue
        if b.trail > 0:
            a.value, a.trail = scale(a.value, b.trail), b.trail
        if a.kind == "number" and b.kind in ("percent", "money"):
            a.kind, a.unit = b.kind, b.unit
        elif a.kind == "money" and b.kind == "number":
            b.kind, b.unit = a.kind, a.unit
        if a.trail or a.kind != "number":
            a.year_like = False


def _precision(value: Decimal, approximate: bool) -> tuple[Decimal, int]:
    if approximate and value == value.to_integral_value():
        value = value.normalize(DECIMAL_CONTEXT)
    exp = value.as_tuple().exponent
    precision = exp if isinstance(exp, int) else 0
    # Keep the stated digits in ``precision`` and give the value a plain integral form.
    if precision > 0:
        value = value.quantize(Decimal(1), context=DECIMAL_CONTEXT)
    return value, precision


def _hedged(t: str, begin: int, end: int) -> bool:
    return bool(_HEDGE_BEFORE.search(t, max(0, begin - 24), begin) or _HEDGE_AFTER.match(t, end))


@lru_cache(maxsize=32)
def extract_cached(text: str) -> tuple[Quantity, ...]:
    """The quantities of ``text`` as a tuple, cached: the desk checks the same source many times."""
    t = text.translate(FOLD)
    raws: list[_Raw] = []
    floor = 0  # nothing may start before the end of the previous quantity
    for m in _MASTER.finditer(t):
        if m.start() < floor:
            continue
        kind = m.lastgroup
        found: list[_Raw] = []
        if kind == "words":
            for s, e, v in parse_words(m.group(), m.start()):
                if s >= floor:
                    raw = _number(t, s, e, v, 0, True, floor)
                    if raw:
                        found.append(raw)
                        floor = raw.end
        elif kind in ("num", "pz"):
            s, e = m.span("pz_n") if kind == "pz" else m.span()
            parsed = parse_run(t[s:e])
            if parsed is None:
                continue
            value, trail = parsed
            spelled = not any(c.isdigit() and c.isascii() for c in t[s:e])
            if kind == "pz":
                approx = _hedged(t, m.start(), m.end())
                found.append(_Raw(m.start(), m.end(), "percent", value, None, approx, spelled, trail))
            else:
                raw = _number(t, s, e, value, trail, spelled, floor)
                if raw:
                    found.append(raw)
        else:
            raw = _date(m)
            if raw:
                found.append(raw)
        for raw in found:
            raws.append(raw)
            floor = max(floor, raw.end)
    _share_range_units(raws, t)
    out: list[Quantity] = []
    for r in raws:
        if r.kind == "number" and r.year_like and _is_year_context(t, r.end):
            assert isinstance(r.value, Decimal)
            r.kind, r.value = "date", DateParts(int(r.value), None, None)
        final: Decimal | DateParts = r.value
        precision = 0
        if isinstance(final, Decimal):
            final, precision = _precision(final, r.approximate)
        out.append(
            Quantity(
                kind=r.kind,
                value=final,
                span=(r.start, r.end),
                surface=text[r.start : r.end],
                unit=r.unit,
                precision=precision,
                approximate=r.approximate,
                spelled=r.spelled,
            )
        )
    return tuple(out)


def extract_quantities(text: str) -> list[Quantity]:
    """Every number, percentage, money amount and date in ``text`` (zh or en), in text order."""
    return list(extract_cached(text))
