"""Numbers, percentages, money amounts and dates: the public API, and grounding.

The one place where quantities are read from zh and en text. Everything downstream (the desk's
grounding checker, evaluation's grounding rate, translation and task checks) compares
:class:`Quantity` values, never raw strings. Pure: no I/O, no model; regexes are compiled once.

Rules worth knowing (tests pin each one):

* **Precision.** ``Quantity.precision`` is the power of ten of the last stated digit:
  ``1.2亿`` → 7, ``3万`` → 4, ``120 million`` → 6, ``120,000,000`` → 0, ``5.3%`` → -1. With a hedge
  (about, nearly, 约, 近, 逾, 左右, 多, 余 …) trailing zeros stop counting: ``about 120 million`` → 7.
* **Grounding by rounding.** An output value is supported by a source value within half a unit
  of the output's precision: source ``1.23亿`` grounds ``1.2亿`` and ``about 120 million``;
  ``1.26亿`` does not ground ``1.2亿``; ``123,000,000`` is not grounded by ``1.2亿``.
* **Kinds.** A number and a money amount support each other (currencies must agree when both
  state one). A percent is only supported by a percent, and percentage points (``pp``) only by
  percentage points: ``5.3%`` is *not* grounded by a bare ``5.3`` (which could be 5.3 billion or
  a score). Magnitudes are compared: the sign is usually carried by words (下降, fell).
* **Dates.** Every part the output states (year, month, day) must equal the part of one source
  date; a source date that omits its year or month inherits them from the previous source date
  (``2026年11月20日……23日``). A year-only date and a plain number of the same value support each
  other. A bare 4-digit integer 1900–2100 in running text is a year unless a counted noun
  follows it (``2000 people``) or a hedge precedes it.
* **Small spelled numbers.** Integers ≤ 10 written in words (three, 三, 两) are extracted but not
  checked by :func:`ungrounded` ("three teams" is rarely the fact at stake); digits always are.
  Ordinals follow the same rule (``3rd`` and ``第3`` are checked, ``第三`` is not).
* **Names are not quantities.** Digits glued to Latin letters (G20, COVID-19, H5N1, 5G, MH370,
  1990s) are skipped; known suffixes are not names (3rd, 10km, 3.5bn, $5m).
* **Noise control for Chinese numerals.** A lone numeral character (一 in 统一, 三 in 三星) or a
  run led by a multiplier (千万 "must") counts only before a measure word or currency
  (三个, 两名, 千万元); runs of adjacent digits without units (三四天, 五六个) are vague ranges and
  are skipped. English "one" alone (no one, one of) is skipped.
* **Ranges** carry their unit back: ``3-5万`` → 30000 and 50000, ``5 to 10%`` → two percents,
  ``1-3月`` → two months.
* **Colloquial Chinese**: a last digit straight after a multiplier counts one unit down
  (三千五 = 3500, 一万五 = 15000); with 零 it does not (三千零五 = 3005). A decimal point may
  follow a multiplier (百分之十点六 = 10.6%, 一百二十点五万 = 1205000).
* **Units that start like numerals**: 千 before 瓦/克/米/卡/焦/帕/伏/兆 is the unit's prefix
  (3600万千瓦时 = 36000000 kWh, not a figure times 1000); 点 only continues a figure, so the 点 of
  a word (接种点二千个) never starts one.

Not handled (known gaps): measurement units are not tracked or converted (5千米 vs 5 km);
fractions (三分之一, 1/3), 成 (三成 = 30%) and 大写 numerals (壹贰叁) are not read as values;
h:mm times and scores give two numbers; ``5/6/2026`` is read month-first; no currency
conversion; direction words (fell, 下降) are not compared.

Layout: this module holds the grounding rules (:func:`supports`, :func:`ungrounded`) and
re-exports the rest; the records are in :mod:`zhimei.checks.quantities`, numeral parsing in
:mod:`zhimei.checks.numerals` and extraction from text in :mod:`zhimei.checks.extraction`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from zhimei.checks.extraction import extract_cached, extract_quantities
from zhimei.checks.quantities import DECIMAL_CONTEXT, DateParts, Kind, Quantity

__all__ = [
    "DateParts",
    "Kind",
    "Quantity",
    "extract_quantities",
    "quantity_value",
    "supports",
    "ungrounded",
    "ungrounded_in_all",
]


def _date_candidates(source: tuple[Quantity, ...]) -> list[DateParts]:
    """Source dates as stated, plus with year/month carried over from the previous date."""
    out: list[DateParts] = []
    year: int | None = None
    month: int | None = None
    for q in source:
        d = q.date
        if d is None:
            continue
        out.append(d)
        filled = DateParts(
            d.year if d.year is not None else year,
            d.month if d.month is not None or d.day is None else month,
            d.day,
        )
        if filled != d:
            out.append(filled)
        if filled.year is not None:
            year = filled.year
        if filled.month is not None:
            month = filled.month
    return out


def _close(source: Decimal, output: Decimal, precision: int) -> bool:
    half = Decimal(5).scaleb(precision - 1, context=DECIMAL_CONTEXT)
    return DECIMAL_CONTEXT.subtract(source.copy_abs(), output.copy_abs()).copy_abs() <= half


def _date_covers(source: DateParts, output: DateParts) -> bool:
    return all(o is None or o == s for o, s in zip(output, source, strict=True))


def _year_only(d: DateParts) -> bool:
    return d.year is not None and d.month is None and d.day is None


def supports(source: Quantity, output: Quantity) -> bool:
    """Whether one source quantity supports one output quantity (rules in the module docstring).

    :func:`ungrounded` also lets source dates inherit year and month from earlier dates; this
    pairwise test does not.
    """
    od, sd = output.date, source.date
    oa, sa = output.amount, source.amount
    if od is not None and sd is not None:
        return _date_covers(sd, od)
    if od is not None:
        return _year_only(od) and source.kind == "number" and sa == od.year
    if sd is not None:
        return _year_only(sd) and output.kind == "number" and oa == sd.year
    if oa is None or sa is None:
        return False
    if output.kind == "percent" or source.kind == "percent":
        if output.kind != source.kind or output.unit != source.unit:
            return False
    elif output.unit is not None and source.unit is not None and output.unit != source.unit:
        return False
    return _close(sa, oa, output.precision)


def ungrounded(output: str, source: str) -> list[Quantity]:
    """The checked quantities of ``output`` that no quantity of ``source`` supports, in text order."""
    src = extract_cached(source)
    dates = _date_candidates(src)
    years = {Decimal(d.year) for d in dates if d.year is not None and _year_only(d)}
    amounts = [q for q in src if q.date is None]
    missing: list[Quantity] = []
    for q in extract_cached(output):
        if not q.checked:
            continue
        od = q.date
        if od is not None:
            ok = any(_date_covers(d, od) for d in dates) or any(supports(s, q) for s in amounts)
        else:
            ok = any(supports(s, q) for s in amounts) or (q.kind == "number" and q.amount in years)
        if not ok:
            missing.append(q)
    return missing


def ungrounded_in_all(output: str, sources: Sequence[str]) -> list[Quantity]:
    """The checked quantities of ``output`` that no single one of ``sources`` supports, in text order.

    Each source is read on its own, so a date in one source never lends its year or month to a
    date in another. With no sources every checked quantity is returned.
    """
    missing = {q.span for q in extract_cached(output) if q.checked}
    for source in sources:
        if not missing:
            break
        missing &= {q.span for q in ungrounded(output, source)}
    return [q for q in extract_cached(output) if q.span in missing]


def quantity_value(q: Quantity) -> str:
    """A canonical string for what ``q`` says, the same for every surface form of one value.

    ``5.3%`` and ``百分之五点三`` both give ``percent:5.3``; ``1.2亿`` and ``120 million`` give
    ``number:120000000``; a date gives ``date:2026-09-?`` with ``?`` for absent parts.
    """
    d = q.date
    if d is not None:
        parts = [str(p) if p is not None else "?" for p in d]
        return f"date:{parts[0]}-{parts[1]}-{parts[2]}"
    amount = q.amount
    number = format(amount.normalize(DECIMAL_CONTEXT), "f") if amount is not None else "?"
    return f"{q.kind}:{number}" + (f":{q.unit}" if q.unit else "")
