"""Build the grounding benchmark corpus: drafts cut from real news sentences, some with planted errors.

Each draft is 2-4 consecutive sentences of a source article (zh and en news of benchmarks/data,
the RotoWire game summary) or a real headline (NLPCC 2017). *Clean* drafts change nothing a
reader could dispute, but rewrite some figures into equivalent forms (5.3% → 百分之五点三,
2.3万 → 23000, 2.4% → 2.4 percent) to test normalisation. *Planted* drafts also carry 1-3 errors:
a figure changed by 15-60% (written in digits, in Chinese numerals or with 万/亿), a date moved,
or a person, place or organisation replaced by one no source mentions.

The planted values are checked against the sources with this script's own simple readers (never
zhimei's), so an "error" is never a value a source states. Targets for zh names are chosen with
jieba's tags on the *original* text; whether the replacement is found is up to the verifier.

    python benchmarks/make_grounding_corpus.py [--news-zh P] [--news-en P] [--rotowire P]
        [--nlpcc P] [--out corpus.jsonl] [--seed 7]

Prints the corpus statistics (drafts, planted errors by type, form and language) to stderr.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, SHARED_DATA

from zhimei.checks.text import split_sentences


def words(text: str) -> list[str]:
    """The space-separated words of ``text``."""
    return text.split()


ZH_DIGITS = "零一二三四五六七八九"
ZH_PERSONS = words(
    "李秀英 王建国 张丽华 刘志强 陈晓东 杨海涛 赵立新 黄文静 周国平 吴晓明 "
    "徐海燕 孙志刚 马俊杰 朱红梅 胡振华 郭晓峰 何雪梅 高建军 林永康 罗思远"
)
ZH_GIVEN = words("建华 秀兰 志明 海波 丽娟 国强 晓峰 玉梅")
ZH_PLACE_STEMS = words("临江 安平 清河 永宁 长乐 平阳 武陵 青田 宁远 丰城 白沙 金溪")
ZH_ORGS = words("国家发展改革委 生态环境部 交通运输部 应急管理部 国家能源局 水利部 商务部 国家卫生健康委")
EN_FAKE = words(
    "Kessler Okafor Lindqvist Moreau Castellano Fairbanks Thornbury Hadley Brennan Vasquez "
    "Whitcombe Ashdown Delacroix Pemberton Radcliffe Sorensen Galloway Ingram Marchetti Oyelaran "
    "Quennell Ravensworth Stirling Tolliver Underhill Winterbourne Yardley Ellingham Blackwood "
    "Carrington"
)
EN_MONTHS = words("January February March April May June July August September October November December")
EN_KIND_WORDS = set(
    words(
        "County Office United Town Park Cloud Bay City Council Board Bank Ministry Department "
        "University College Hospital Rovers Statistics Court Group Authority Agency Energy Water "
        "Transport"
    )
)
EN_SKIP = set(EN_MONTHS) | set(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "I"]
)


# --- independent readers: what values a source states ---------------------------------------------

_NUM = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?(万亿|万|亿|million|billion|thousand|bn|m\b|k\b)?")
_SCALE = {"万": 4, "亿": 8, "万亿": 12, "million": 6, "billion": 9, "thousand": 3, "bn": 9, "m": 6, "k": 3}
_ZH_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(?:(\d{1,2})[日号])?")
_EN_DATE = re.compile(rf"({'|'.join(EN_MONTHS)})(?: (\d{{1,2}}))?(?:,? (\d{{4}}))?")


_EN_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
            " sixteen seventeen eighteen nineteen twenty"
        )
    )
}
_EN_NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100})


def source_values(texts: list[str]) -> list[Decimal]:
    """Every figure in ``texts`` read plainly, at its own scale and also unscaled (both may match),
    and English number words (twelve weeks)."""
    out = []
    for t in texts:
        found = re.findall(r"[a-z]+", t.lower())
        out.extend(Decimal(_EN_NUMBER_WORDS[w]) for w in found if w in _EN_NUMBER_WORDS)
        for m in _NUM.finditer(t):
            v = Decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
            out.append(v)
            if m.group(3):
                out.append(v.scaleb(_SCALE[m.group(3)]))
    return out


def source_dates(texts: list[str]) -> list[tuple[int | None, int | None, int | None]]:
    """Dates of ``texts`` as (year, month, day), with year and month carried forward like editors read."""
    out = []
    for t in texts:
        year = month = None
        for m in _ZH_DATE.finditer(t):
            if not any(m.groups()):
                continue
            y, mo, d = (int(g) if g else None for g in m.groups())
            year = y or year
            month = mo or (month if d else None)
            out.append((y, mo, d))
            out.append((year, month if mo or d else None, d))
        for m in _EN_DATE.finditer(t):
            mo = EN_MONTHS.index(m.group(1)) + 1
            d = int(m.group(2)) if m.group(2) else None
            y = int(m.group(3)) if m.group(3) else None
            out.append((y, mo, d))
        for m in re.finditer(r"(\d{1,2})[至到\-~～](\d{1,2})(月|日)", t):  # 1至10月: both ends are dates
            first = int(m.group(1))
            out.append((None, first, None) if m.group(3) == "月" else (None, None, first))
        for m in re.finditer(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", t):
            out.append((int(m.group()), None, None))
    return out


def date_stated(new: tuple[int | None, int | None, int | None], dates: list[tuple[Any, Any, Any]]) -> bool:
    return any(all(n is None or n == s for n, s in zip(new, d, strict=True)) for d in dates)


def hedged(text: str, start: int, end: int) -> bool:
    """An approximate figure: a hedge word before it or 多/余/左右 after it."""
    return bool(_HEDGE.search(text[max(0, start - 12) : start])) or text[end : end + 3].startswith(
        ("多", "余", "左右", "万多", "亿多")
    )


def collides(value: Decimal, precision: int, values: list[Decimal]) -> bool:
    half = Decimal(5).scaleb(precision - 1)
    return any(abs(abs(v) - abs(value)) <= half for v in values)


# --- writing figures ---------------------------------------------------------------------------


def zh_int(n: int) -> str:
    """Chinese numerals for a non-negative integer below 10^16 (一百三十六, 二万八千, 三亿零五百万)."""
    if n == 0:
        return "零"

    def below_10k(k: int) -> str:
        s = ""
        zero = False
        for unit, p in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
            d = k // p % 10
            if d:
                if zero and s:
                    s += "零"
                s += ("" if (unit == "十" and d == 1 and not s) else ZH_DIGITS[d]) + unit
                zero = False
            elif s:
                zero = True
        return s

    parts = []
    for unit, p in (("亿", 10**8), ("万", 10**4), ("", 1)):
        chunk = n // p % (10**4 if p < 10**8 else 10**8)
        if chunk:
            text = zh_int(chunk) if chunk >= 10**4 else below_10k(chunk)
            if parts and chunk < 1000:
                text = "零" + text.lstrip("零")
            parts.append(text + unit)
    return "".join(parts)


def zh_number(v: Decimal) -> str:
    """Chinese numerals for a non-negative decimal: 八十二点五."""
    text = format(v, "f")
    whole, _, frac = text.partition(".")
    out = zh_int(int(whole))
    if frac:
        out += "点" + "".join(ZH_DIGITS[int(c)] for c in frac)
    return out


_HEDGE = re.compile(
    r"(?:约|大约|近|逾|超过|超|不到|至少|about|around|nearly|almost|more than|over|some|roughly|under|"
    r"up to|at least|fewer than|less than|close to|an estimated|estimated) ?$"
)


def perturb(
    v: Decimal, rng: random.Random, values: list[Decimal], scale: int, hedged: bool = False
) -> Decimal | None:
    """A value 15-60% away from ``v``, same decimals, not stated by any source (None if none found).

    Under a hedge (约, about …) trailing zeros are not stated digits, so the check is coarser."""
    exp = v.as_tuple().exponent
    assert isinstance(exp, int)
    quantum = Decimal(1).scaleb(exp)
    for _ in range(40):
        factor = Decimal(str(rng.choice([rng.uniform(1.15, 1.6), rng.uniform(0.45, 0.85)])))
        new = (v * factor).quantize(quantum, rounding=ROUND_HALF_UP)
        if new <= 0 or new == v or abs(new - v) < quantum:
            continue
        if exp < 0 and str(new)[-1] == "0":
            continue  # 1.0 million reads as "about 1 million" under a hedge: keep every stated digit
        if new == new.to_integral_value() and new <= 10:
            continue  # small counts are often spelled out in the source (eight)
        stated = new.normalize().as_tuple().exponent if hedged else exp
        assert isinstance(stated, int)
        if collides(new.scaleb(scale), max(exp, stated) + scale, values):
            continue
        return new
    return None


# --- drafts and edits --------------------------------------------------------------------------


@dataclass
class Edit:
    start: int
    end: int
    text: str
    planted: dict[str, str] | None  # None for a benign rewrite


@dataclass
class Draft:
    id: str
    lang: str
    sources: list[str]
    text: str
    edits: list[Edit] = field(default_factory=list)

    def render(self) -> dict[str, Any]:
        out = []
        planted = []
        benign = []
        pos = 0
        for e in sorted(self.edits, key=lambda e: e.start):
            out.append(self.text[pos : e.start])
            start = sum(len(s) for s in out)
            out.append(e.text)
            span = {"start": start, "end": start + len(e.text)}
            if e.planted is not None:
                planted.append(
                    {**span, **e.planted, "original": self.text[e.start : e.end], "replacement": e.text}
                )
            else:
                benign.append({**span, "original": self.text[e.start : e.end], "replacement": e.text})
            pos = e.end
        out.append(self.text[pos:])
        return {
            "id": self.id,
            "lang": self.lang,
            "sources": self.sources,
            "draft": "".join(out),
            "planted": planted,
            "benign": benign,
            "clean": not planted,
        }


def free(edits: list[Edit], s: int, e: int) -> bool:
    return all(e <= x.start or s >= x.end for x in edits)


_ZH_FIG = re.compile(r"(?<![\d.A-Za-z第])(\d+(?:\.\d+)?)(万亿|万|亿)?(个百分点|%)?(?![\d.])")
_EN_FIG = re.compile(
    r"(?<![\w.$,\-])(\$)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
    r"(%| percent| percentage points?)?( million| billion)?(?![\w\-]|,\d|\.\d)"
)


def zh_figures(
    d: Draft, rng: random.Random, values: list[Decimal]
) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """Candidate figure edits in a zh draft: (start, end, plan) with a planted and a benign text."""
    for m in _ZH_FIG.finditer(d.text):
        after = d.text[m.end() : m.end() + 1]
        if after.isascii() and after.isalpha():
            continue  # glued to Latin letters (500PFlops, 5G): a name, not a figure
        if not m.group(2) and not m.group(3) and after in "年月日号时分比:：-～~" and after:
            continue
        v = Decimal(m.group(1))
        scale = _SCALE.get(m.group(2) or "", 0)
        percent = m.group(3)
        if not m.group(2) and not percent and v == v.to_integral_value() and v <= 10:
            continue  # small counts are not checked (zhimei.checks.numbers)
        new = perturb(v, rng, values, scale, hedged(d.text, m.start(), m.end()))
        if new is None:
            continue
        unit = m.group(2) or ""
        total = new.scaleb(scale)
        forms: list[tuple[str, str]] = [("digits", f"{new}{unit}{percent or ''}")]
        if percent == "%":
            forms.append(("zh_numeral", f"百分之{zh_number(new)}"))
            benign = f"百分之{zh_number(v)}"
        elif percent:
            forms.append(("zh_numeral", f"{zh_number(new)}个百分点"))
            benign = None
        elif unit:
            forms.append(("wan_yi", f"{new}{unit}"))
            if total == total.to_integral_value() and total > 10:
                forms.append(("zh_numeral", zh_int(int(total))))
            whole = v.scaleb(scale)
            benign = str(int(whole)) if whole == whole.to_integral_value() and scale <= 8 else None
        else:
            if new == new.to_integral_value() and new >= 10000:
                wan = (new / 10000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
                if not collides(wan.scaleb(4), 3, values):
                    forms.append(("wan_yi", f"{wan}万"))
            if new > 10:
                forms.append(("zh_numeral", zh_number(new)))
            benign = zh_number(v) if v > 10 and len(zh_number(v)) <= 8 else None
        if new == new.to_integral_value() and not unit and not percent:
            # 三十, 二千七百: Chinese numerals state no digit below their last multiplier (precision 1, 2).
            zeros = len(str(int(new))) - len(str(int(new)).rstrip("0"))
            if zeros and collides(new, zeros, values):
                forms = forms[:1]
        form, text = (
            rng.choice([f for f in forms if f[0] != "digits"] or forms) if rng.random() < 0.85 else forms[0]
        )
        yield m.start(), m.end(), {"planted": text, "form": form, "type": "number", "benign": benign}


def zh_dates(d: Draft, rng: random.Random, dates: list[Any]) -> Iterator[tuple[int, int, dict[str, Any]]]:
    for m in re.finditer(r"(?<!\d)(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日)?|(?<![\d月])(\d{1,2})日", d.text):
        y, mo, day, lone = (int(g) if g else None for g in m.groups())
        if lone is not None:
            mo, day = None, lone
        for _ in range(20):
            ny, nmo, nd = y, mo, day
            if nd is not None:
                nd = max(1, min(28, nd + rng.choice([-5, -4, -3, -2, 2, 3, 4, 5])))
            elif nmo is not None:
                nmo = (nmo + rng.choice([1, 2, 3]) - 1) % 12 + 1
            if (ny, nmo, nd) != (y, mo, day) and not date_stated((ny, nmo, nd), dates):
                break
        else:
            continue
        digits = (f"{ny}年" if ny else "") + (f"{nmo}月" if nmo else "") + (f"{nd}日" if nd else "")
        numeral = (
            ("".join("〇一二三四五六七八九"[int(c)] for c in str(ny)) + "年" if ny else "")
            + (zh_int(nmo) + "月" if nmo else "")
            + (zh_int(nd) + "日" if nd else "")
        )
        form, text = ("zh_numeral", numeral) if rng.random() < 0.5 else ("digits", digits)
        yield m.start(), m.end(), {"planted": text, "form": form, "type": "date", "benign": None}


TOP_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
)


def real_person(word: str) -> bool:
    """A target worth replacing: 陈某, or three characters led by a top-100 surname that jieba's
    dictionary does not list under another part of speech (伊拉克 ns, 全宇宙 are not persons)."""
    import jieba.posseg

    if len(word) == 2 and word.endswith("某"):
        return True
    tag = jieba.posseg.dt.word_tag_tab.get(word)
    return len(word) == 3 and word[0] in TOP_SURNAMES and tag in (None, "nr", "nrfg", "nrt")


def zh_names(d: Draft, rng: random.Random) -> Iterator[tuple[int, int, dict[str, Any]]]:
    from zhimei.desk.verify.names_zh import chinese_names

    joined = "\n".join(d.sources)
    for name in chinese_names(d.text):
        if name.category == "person" and not real_person(name.text):
            continue
        if name.category == "person":
            options = [p for p in ZH_PERSONS if p not in joined]
            if name.text.endswith("某"):
                options = [s + "某" for s in "李赵孙周吴郑冯" if s + "某" not in joined]
            elif len(name.text) == 3 and rng.random() < 0.4:
                options = [name.text[0] + g for g in ZH_GIVEN if name.text[0] + g not in joined]
            form = "person"
        elif name.category == "place":
            after = d.text[name.end : name.end + 1]
            if not (name.text[-1] in "市县省区镇乡" or after in "市县省区镇乡"):
                continue
            stem, suffix = (
                (name.text[:-1], name.text[-1]) if name.text[-1] in "市县省区镇乡" else (name.text, "")
            )
            if len(stem) < 2:
                continue
            options = [s + suffix for s in ZH_PLACE_STEMS if s not in joined]
            form = "place"
        else:
            options = [o for o in ZH_ORGS if o not in joined]
            form = "organisation"
        if options:
            yield (
                name.start,
                name.end,
                {"planted": rng.choice(options), "form": form, "type": "name", "benign": None},
            )


def en_figures(
    d: Draft, rng: random.Random, values: list[Decimal]
) -> Iterator[tuple[int, int, dict[str, Any]]]:
    for m in _EN_FIG.finditer(d.text):
        dollar, whole, frac, percent, scale_word = m.groups()
        v = Decimal(whole.replace(",", "") + (frac or ""))
        if not (dollar or percent or scale_word) and re.fullmatch(r"19\d\d|20\d\d", whole):
            continue  # a year: a date target
        if not (dollar or percent or scale_word or frac) and v <= 10:
            continue
        scale = _SCALE.get((scale_word or "").strip(), 0)
        new = perturb(v, rng, values, scale, hedged(d.text, m.start(), m.end()))
        if new is None:
            continue
        shown = f"{new:,}" if "," in whole else str(new)
        text = f"{dollar or ''}{shown}{percent or ''}{scale_word or ''}"
        benign = None
        if percent == "%":
            benign = f"{v} percent"
        elif "," in whole and not (dollar or scale_word):
            benign = whole.replace(",", "") + (frac or "")
        yield m.start(), m.end(), {"planted": text, "form": "digits", "type": "number", "benign": benign}


def en_dates(d: Draft, rng: random.Random, dates: list[Any]) -> Iterator[tuple[int, int, dict[str, Any]]]:
    pattern = (
        rf"\b({'|'.join(EN_MONTHS)}) (\d{{1,2}})\b(?!,? \d{{4}})|\b(?:in|since|of|from) ((?:19|20)\d\d)\b"
    )
    for m in re.finditer(pattern, d.text):
        if m.group(1):
            mo, day = EN_MONTHS.index(m.group(1)) + 1, int(m.group(2))
            for _ in range(20):
                nd = max(1, min(28, day + rng.choice([-5, -3, -2, 2, 3, 5])))
                if nd != day and not date_stated((None, mo, nd), dates):
                    yield (
                        m.start(2),
                        m.end(2),
                        {"planted": str(nd), "form": "digits", "type": "date", "benign": None},
                    )
                    break
        else:
            y = int(m.group(3))
            for ny in (y - 1, y + 1, y - 2, y + 2):
                if not date_stated((ny, None, None), dates):
                    yield (
                        m.start(3),
                        m.end(3),
                        {"planted": str(ny), "form": "digits", "type": "date", "benign": None},
                    )
                    break


_EN_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+(?:[ \-][A-Z][a-z]+)*")


def en_names(d: Draft, rng: random.Random) -> Iterator[tuple[int, int, dict[str, Any]]]:
    joined = " ".join(d.sources).lower()
    for m in _EN_NAME.finditer(d.text):
        words = m.group().split(" ")
        if words[0] in EN_SKIP or all(w in EN_KIND_WORDS for w in words):
            continue
        idx = 0 if words[-1] in EN_KIND_WORDS else len(words) - 1
        if words[idx] in EN_KIND_WORDS or words[idx] in EN_SKIP:
            continue
        options = [w for w in EN_FAKE if w.lower() not in joined]
        new = list(words)
        new[idx] = rng.choice(options)
        yield m.start(), m.end(), {"planted": " ".join(new), "form": "name", "type": "name", "benign": None}


# --- corpus ------------------------------------------------------------------------------------


def window(sentences: list[str], rng: random.Random, lang: str) -> str:
    k = min(len(sentences), rng.randint(2, 4))
    start = rng.randint(0, len(sentences) - k)
    return ("" if lang == "zh" else " ").join(sentences[start : start + k])


def build(d: Draft, rng: random.Random, planted: int) -> Draft:
    """Plant ``planted`` errors (0 for a clean draft) and rewrite some other figures benignly."""
    values = source_values(d.sources)
    dates = source_dates(d.sources)
    if d.lang == "zh":
        cands = {"number": list(zh_figures(d, rng, values)), "date": list(zh_dates(d, rng, dates))}
        cands["name"] = list(zh_names(d, rng))
    else:
        cands = {"number": list(en_figures(d, rng, values)), "date": list(en_dates(d, rng, dates))}
        cands["name"] = list(en_names(d, rng))
    for _ in range(planted):
        kinds = [k for k, v in cands.items() if any(free(d.edits, s, e) for s, e, _ in v)]
        if not kinds:
            break
        weights = {"number": 0.45, "date": 0.2, "name": 0.35}
        kind = rng.choices(kinds, [weights[k] for k in kinds])[0]
        options = [c for c in cands[kind] if free(d.edits, c[0], c[1])]
        s, e, plan = rng.choice(options)
        d.edits.append(Edit(s, e, plan["planted"], {"type": plan["type"], "form": plan["form"]}))
    for s, e, plan in cands["number"]:
        if plan["benign"] and free(d.edits, s, e) and rng.random() < 0.5:
            d.edits.append(Edit(s, e, plan["benign"], None))
    return d


def articles(news_zh: Path, news_en: Path, rotowire: Path | None) -> Iterator[tuple[str, str, str]]:
    for lang, path in (("zh", news_zh), ("en", news_en)):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    yield row["id"], lang, row["text"]
    if rotowire and rotowire.exists():
        game = json.loads(rotowire.read_text(encoding="utf-8"))
        text = " ".join(game["summary"])
        text = re.sub(r" ([.,;:!?)'])", r"\1", text).replace("( ", "(")
        text = re.sub(r"(\d) - (\d)", r"\1-\2", text)
        yield "rotowire", "en", text


def headlines(path: Path, rng: random.Random, n: int) -> Iterator[Draft]:
    from zhimei.desk.verify.names_zh import chinese_names

    rows = [line.rstrip("\n").split("\t", 1) for line in path.open(encoding="utf-8")][1:]
    count = 0
    for i, (_, title) in enumerate(rows):
        if count >= n:
            break
        if any(p.category == "person" and len(p.text) == 3 for p in chinese_names(title)):
            d = Draft(f"nlpcc-{i}", "zh", [title], title)
            persons = [c for c in zh_names(d, rng) if c[2]["form"] == "person" and c[1] - c[0] == 3]
            if persons:
                s, e, plan = rng.choice(persons)
                d.edits.append(Edit(s, e, plan["planted"], {"type": "name", "form": "person"}))
                count += 1
                yield d


def generate(
    news_zh: Path, news_en: Path, rotowire: Path | None, nlpcc: Path | None, n_headlines: int, seed: int
) -> list[dict[str, Any]]:
    """The corpus rows (see the module docstring), deterministic for a seed."""
    rng = random.Random(seed)
    drafts: list[Draft] = []
    for aid, lang, text in articles(news_zh, news_en, rotowire):
        sentences = split_sentences(text, lang)  # type: ignore[arg-type]
        variants = 3 if lang == "zh" else 2
        drafts.append(build(Draft(f"{aid}-clean", lang, [text], window(sentences, rng, lang)), rng, 0))
        for v in range(variants):
            d = Draft(f"{aid}-p{v}", lang, [text], window(sentences, rng, lang))
            drafts.append(build(d, rng, rng.randint(1, 3)))
    if nlpcc and nlpcc.exists():
        drafts.extend(headlines(nlpcc, rng, n_headlines))
    return [d.render() for d in drafts]


def stats(rows: list[dict[str, Any]]) -> str:
    """One line of corpus statistics."""
    c: Counter[str] = Counter()
    for row in rows:
        c[f"drafts_{row['lang']}"] += 1
        c["drafts_clean" if row["clean"] else "drafts_planted"] += 1
        for p in row["planted"]:
            c["planted"] += 1
            c[f"planted_{row['lang']}"] += 1
            c[f"type_{p['type']}"] += 1
            c[f"form_{p['form']}"] += 1
            if p["form"] in ("zh_numeral", "wan_yi"):
                c["zh_numeral_or_wan_yi"] += 1
        c["benign_rewrites"] += len(row["benign"])
    total = c["planted"] or 1
    return (
        " ".join(f"{k}={v}" for k, v in sorted(c.items()))
        + f" share_zh_numeral_or_wan_yi={c['zh_numeral_or_wan_yi'] / total:.2f}"
        + f" share_names={c['type_name'] / total:.2f}"
    )


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The corpus inputs, shared with bench_grounding.py."""
    ap.add_argument("--news-zh", type=Path, default=DATA / "news_zh.jsonl")
    ap.add_argument("--news-en", type=Path, default=DATA / "news_en.jsonl")
    ap.add_argument("--rotowire", type=Path, default=SHARED_DATA / "rotowire_one_game.json")
    ap.add_argument("--nlpcc", type=Path, default=SHARED_DATA / "nlpcc2017_headlines_dev.tsv")
    ap.add_argument("--headlines", type=int, default=40, help="NLPCC headlines with a swapped person name")
    ap.add_argument("--seed", type=int, default=7)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(ap)
    ap.add_argument("--out", type=Path, help="write the corpus here (JSON lines); default stdout")
    args = ap.parse_args()
    rows = generate(args.news_zh, args.news_en, args.rotowire, args.nlpcc, args.headlines, args.seed)
    out = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    if args.out:
        out.close()
    print(stats(rows), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
