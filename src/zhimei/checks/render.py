"""Write a :class:`~zhimei.checks.quantities.Quantity` the way the other language writes it.

Translation prompts list each figure of the source with its rendering in the target language
(``$48 million`` → ``4800万美元``, ``1.2亿元`` → ``120 million yuan``), so a small model copies a
correct conversion instead of computing one. Every rendering reads back, through the extractor, as
the same value: tests pin that round trip.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from zhimei.checks.quantities import DateParts, Quantity
from zhimei.records import Lang

__all__ = ["figure_glossary", "localise_figures", "render_quantity"]

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_ZH_CURRENCY = {"CNY": "元", "USD": "美元", "EUR": "欧元", "GBP": "英镑", "JPY": "日元", "HKD": "港元"}
_EN_PREFIX = {"USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$"}
_EN_SUFFIX = {"CNY": " yuan", "JPY": " yen"}


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _scaled(value: Decimal, steps: tuple[tuple[Decimal, str], ...]) -> str:
    """``value`` in the largest unit of ``steps`` it reaches (4.2万亿, 48 million), else plain."""
    for size, word in steps:
        if abs(value) >= size:
            return f"{_plain(value / size)}{word}"
    return _plain(value)


_ZH_STEPS = ((Decimal(10) ** 12, "万亿"), (Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万"))
_EN_STEPS = ((Decimal(10) ** 12, " trillion"), (Decimal(10) ** 9, " billion"), (Decimal(10) ** 6, " million"))


def _zh_number(value: Decimal) -> str:
    # Below 100,000 newsrooms write digits (21000, 5000); above, 万 and 亿.
    return _scaled(value, _ZH_STEPS) if abs(value) >= 10**5 else _plain(value)


def _en_number(value: Decimal) -> str:
    if abs(value) >= 10**6:
        return _scaled(value, _EN_STEPS)
    return f"{value.normalize():,f}" if value == value.to_integral_value() else _plain(value)


def _date(d: DateParts, lang: Lang) -> str:
    if lang == "zh":
        parts = [(d.year, "年"), (d.month, "月"), (d.day, "日")]
        return "".join(f"{v}{unit}" for v, unit in parts if v is not None)
    month = _MONTHS[d.month - 1] if d.month else None
    if month and d.day and d.year:
        return f"{month} {d.day}, {d.year}"
    return " ".join(str(p) for p in (month, d.day, d.year) if p is not None)


def render_quantity(q: Quantity, lang: Lang) -> str:
    """``q`` written in ``lang``: 120000000 CNY → ``1.2亿元`` (zh) or ``120 million yuan`` (en)."""
    if q.date is not None:
        return _date(q.date, lang)
    value = q.amount
    assert value is not None
    if q.kind == "percent":
        if q.unit == "pp":
            return f"{_plain(value)}个百分点" if lang == "zh" else f"{_plain(value)} percentage points"
        return f"{_plain(value)}%"
    if lang == "zh":
        number = _zh_number(value)
        return f"{number}{_ZH_CURRENCY.get(q.unit or '', '')}" if q.kind == "money" else number
    number = _en_number(value)
    if q.kind == "money" and q.unit:
        return f"{_EN_PREFIX.get(q.unit, '')}{number}{_EN_SUFFIX.get(q.unit, '')}"
    return number


def figure_glossary(quantities: Sequence[Quantity], lang: Lang, limit: int = 30) -> list[tuple[str, str]]:
    """(source surface, rendering in ``lang``) for each checked figure whose writing changes."""
    pairs: dict[str, str] = {}
    for q in quantities:
        if not q.checked or q.surface in pairs:
            continue
        if q.date is not None and q.surface.isdigit():
            continue  # the bare start of a range (the 1 of 1—10月份): its rendering would mislead

        rendered = render_quantity(q, lang)
        if rendered != q.surface:
            pairs[q.surface] = rendered
    return list(pairs.items())[:limit]


_WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_WEEKDAYS_ZH = "一二三四五六日"
_WEEKDAY = re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|(?:星期|周)[一二三四五六日天]")


def _weekday(surface: str, lang: Lang) -> str:
    if surface[0].isascii():
        index = _WEEKDAYS_EN.index(surface)
        return f"周{_WEEKDAYS_ZH[index]}" if lang == "zh" else surface
    index = _WEEKDAYS_ZH.index(surface[-1].replace("天", "日"))
    return _WEEKDAYS_EN[index] if lang == "en" else surface


def localise_figures(text: str, quantities: Sequence[Quantity], lang: Lang) -> str:
    """``text`` with each checked figure and weekday already written the way ``lang`` writes it.

    A translation prompt carries this version of the source, so the model copies converted
    figures (4800万美元 for $48 million) instead of converting them itself.
    """
    spans: list[tuple[int, int, str]] = []
    for q in quantities:
        if q.checked:
            spans.append((q.span[0], q.span[1], render_quantity(q, lang)))
    spans.extend((m.start(), m.end(), _weekday(m.group(0), lang)) for m in _WEEKDAY.finditer(text))
    out, pos = [], 0
    for start, end, rendered in sorted(spans):
        if start < pos:
            continue  # overlapping readings of one figure: the first wins
        out.append(text[pos:start])
        if lang == "en":  # Latin words inside Chinese text read better set off by spaces
            before, after = text[start - 1 : start], text[end : end + 1]
            rendered = f"{' ' if _is_han(before) else ''}{rendered}{' ' if _is_han(after) else ''}"
        out.append(rendered)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _is_han(ch: str) -> bool:
    return bool(ch) and "\u3400" <= ch <= "\u9fff"
