"""Reading numerals: what a figure written in Arabic digits, Chinese numerals or English words is worth.

Holds the lexicon (full-width folding, Chinese digits and multipliers, English number words), the
patterns for a run of numerals, and the parsers that turn a run into a :class:`~decimal.Decimal`
whose exponent is the stated precision (:func:`parse_run`, :func:`parse_words`) or a Chinese month,
day or year into an int. No context: where a figure sits in text is :mod:`zhimei.checks.extraction`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from zhimei.checks.quantities import DECIMAL_CONTEXT

__all__ = [
    "FOLD",
    "MAX_DIGITS",
    "NUMBER_WORDS",
    "NUMERAL_RUN",
    "ZH_BIG",
    "ZH_DIGITS",
    "ZH_DIGIT_CHARS",
    "ZH_SMALL",
    "parse_run",
    "parse_words",
    "scale",
    "zh_small_int",
    "zh_year",
]

MAX_DIGITS = 30  # longer digit strings are identifiers, not quantities
_MAX_RUN = 40

# Full-width forms and the traditional numerals of Big5 text map one-to-one, so offsets hold.
FOLD = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "．": ".",
        "％": "%",
        "﹪": "%",
        "＄": "$",
        "￥": "¥",
        "＋": "+",
        "－": "-",
        "−": "-",
        "～": "~",
        "萬": "万",
        "億": "亿",
        "兩": "两",
        "點": "点",
    }
)

ZH_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
ZH_SMALL = {"十": 1, "百": 2, "千": 3}
ZH_BIG = {"万": 4, "亿": 8}
ZH_DIGIT_CHARS = "".join(ZH_DIGITS)
_AR = r"[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
# 千 before a unit (千瓦, 千克, 千米 …) is the unit's prefix, not a numeral; 点 only continues a figure.
_ZH_NUMERAL = rf"[{ZH_DIGIT_CHARS}十百万亿]|千(?![瓦克米卡焦帕伏兆])"
NUMERAL_RUN = rf"(?:{_AR}|{_ZH_NUMERAL}|(?<=[0-9{ZH_DIGIT_CHARS}十百千万亿])点(?=[{ZH_DIGIT_CHARS}]))+"

_UNIT_WORDS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
_UNIT_WORDS += " sixteen seventeen eighteen nineteen"
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_WORD_VALUES: dict[str, tuple[str, int]] = {
    **{w: ("unit", i) for i, w in enumerate(_UNIT_WORDS.split())},
    **{w: ("tens", 20 + 10 * i) for i, w in enumerate(_TENS_WORDS.split())},
    "hundred": ("hundred", 2),
    "thousand": ("scale", 3),
    "million": ("scale", 6),
    "billion": ("scale", 9),
    "trillion": ("scale", 12),
    "a": ("unit", 1),
    "and": ("and", 0),
}
_W = "|".join(sorted((w for w in _WORD_VALUES if w not in ("a", "and")), key=len, reverse=True))
_SCALES = r"(?:hundred|thousand|million|billion|trillion)(?![A-Za-z])"
NUMBER_WORDS = (
    rf"(?ai:(?<![A-Za-z])(?:a(?=[ \u00a0]+{_SCALES})|(?:{_W})(?![A-Za-z]))"
    rf"(?:(?:[ \u00a0]+|-)(?:and[ \u00a0]+)?(?:{_W})(?![A-Za-z]))*)"
)

_RUN_TOKEN = re.compile(rf"{_AR}|点[{ZH_DIGIT_CHARS}]+|[{ZH_DIGIT_CHARS}十百千万亿]")


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    # Adding Decimal(0) would pin the exponent to 0 and lose the stated precision of 3万 etc.
    if a is None:
        return b
    if b is None:
        return a
    return DECIMAL_CONTEXT.add(a, b)


def scale(d: Decimal, exp: int) -> Decimal:
    return d.scaleb(exp, context=DECIMAL_CONTEXT)


def parse_run(run: str) -> tuple[Decimal, int] | None:
    """Value of a run of Arabic digits and Chinese numerals (1.2亿, 三千五百万, 120万亿), or None.

    Returns the value (its exponent is the stated precision) and the exponent of the trailing
    multipliers (for ranges such as 3-5万).
    """
    if len(run) > _MAX_RUN:
        return None
    total: Decimal | None = None  # groups already closed by 亿
    mid: Decimal | None = None  # groups closed by 万
    section: Decimal | None = None  # below 万
    cur: Decimal | None = None  # the digit or Arabic figure waiting for its multiplier
    zero = False  # a 零 since the last multiplier
    last_small = 9
    last_exp = 0  # exponent of the multiplier just before ``cur``
    first = True
    for tok in _RUN_TOKEN.findall(run):
        c = tok[0]
        if c.isascii() and c.isdigit():
            digits = tok.replace(",", "")
            if cur is not None or len(digits.replace(".", "")) > MAX_DIGITS:
                return None
            cur = Decimal(digits)
        elif c == "点":
            if cur is None and zero:
                cur = Decimal(0)
            elif cur is None and section is not None:
                # 十点六, 一百二十点五: the integer part ends in a multiplier (1E+1 → 10).
                cur, section = section.quantize(Decimal(1), context=DECIMAL_CONTEXT), None
            if cur is None or cur.as_tuple().exponent != 0 or not tok[1:]:
                return None
            cur = DECIMAL_CONTEXT.add(cur, Decimal("0." + "".join(str(ZH_DIGITS[ch]) for ch in tok[1:])))
        elif c in ZH_DIGITS:
            if ZH_DIGITS[c] == 0:
                if cur is not None:
                    return None  # 一零: digit-by-digit readings are only years, handled elsewhere
                zero = True
                continue
            if cur is not None:
                return None  # 三四, 五六: a vague range, not a figure
            cur = Decimal(ZH_DIGITS[c])
        elif c in ZH_SMALL:
            exp = ZH_SMALL[c]
            if exp >= last_small:
                return None
            if cur is None:
                if not (c == "十" or first):
                    return None
                cur = Decimal(1)
            section = _add(section, scale(cur, exp))
            cur, last_small, last_exp, zero = None, exp, exp, False
        else:  # 万 or 亿
            group = _add(section, cur)
            if c == "万":
                if mid is not None:
                    return None  # 万 twice without 亿 between
                if group is None:
                    if mid is not None or total is not None or not first:
                        return None
                    group = Decimal(1)
                mid = _add(mid, scale(group, 4))
            else:
                below = _add(mid, group)
                if below is None and total is None:
                    if not first:
                        return None
                    below = Decimal(1)
                total = scale(_add(total, below) or Decimal(1), 8)
                mid = None
            section, cur, last_small, last_exp, zero = None, None, 9, ZH_BIG[c], False
        first = False
    # 三千五, 一万五, 两百五: a last digit straight after a multiplier counts in the next unit down.
    if cur is not None and last_exp > 1 and not zero and cur == cur.to_integral_value() and 0 < cur < 10:
        cur = scale(cur, last_exp - 1)
    value = _add(_add(total, mid), _add(section, cur))
    if value is None or not value.is_finite() or value.adjusted() > MAX_DIGITS + 12:
        return None
    trail = 0
    for ch in reversed(run):
        if ch in ZH_BIG:
            trail += ZH_BIG[ch]
        elif ch in ZH_SMALL and trail:
            trail += ZH_SMALL[ch]
        else:
            break
    return value, trail


def parse_words(text: str, start: int) -> Iterator[tuple[int, int, Decimal]]:
    """English number words in ``text`` (a regex match at ``start``): one or more numbers."""
    tokens = [
        (m.start() + start, m.end() + start, m.group().lower()) for m in re.finditer(r"[A-Za-z]+", text)
    ]
    i = 0
    while i < len(tokens):
        total: Decimal | None = None
        cur: Decimal | None = None
        last = ""
        last_scale = 99
        begin = tokens[i][0]
        end = begin
        j = i
        while j < len(tokens):
            kind, v = _WORD_VALUES[tokens[j][2]]
            nxt = _WORD_VALUES[tokens[j + 1][2]][0] if j + 1 < len(tokens) else ""
            if kind == "and":
                if last not in ("hundred", "scale") or nxt not in ("unit", "tens"):
                    break
            elif kind == "unit":
                if tokens[j][2] == "a" and nxt not in ("hundred", "scale"):
                    break
                if not (cur is None or (last == "tens" and 0 < v < 10) or last in ("hundred", "and")):
                    break
                if last == "tens" and v == 0:
                    break
                cur = _add(cur, Decimal(v))
            elif kind == "tens":
                if not (cur is None or last in ("hundred", "and")):
                    break
                cur = _add(cur, Decimal(v))
            elif kind == "hundred":
                if cur is None or cur >= 100 or last == "hundred":
                    break
                cur = scale(cur, 2)
            else:  # scale
                if cur is None or v >= last_scale:
                    break
                total = _add(total, scale(cur, v))
                cur, last_scale = None, v
            last = kind
            end = tokens[j][1]
            j += 1
        value = _add(total, cur)
        if j == i:  # a token that cannot start a number ("and", "a", a bare "million")
            i += 1
            continue
        if value is not None and not (j == i + 1 and tokens[i][2] == "one"):
            yield begin, end, value
        i = j


def zh_small_int(s: str) -> int:
    """Month or day written as 1-31 in Arabic digits or Chinese numerals."""
    if s.isascii():
        return int(s)
    if s.startswith("十"):
        return 10 + (ZH_DIGITS[s[1]] if len(s) > 1 else 0)
    if len(s) > 1 and s[1] == "十":
        return ZH_DIGITS[s[0]] * 10 + (ZH_DIGITS[s[2]] if len(s) > 2 else 0)
    return ZH_DIGITS[s]


def zh_year(s: str) -> int:
    return int(s) if s.isascii() else int("".join(str(ZH_DIGITS[c]) for c in s))
