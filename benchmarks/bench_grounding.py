"""Grounding and PII figures of zhimei.desk.verify on drafts with planted errors.

The corpus (see make_grounding_corpus.py) is built from real news sentences; each draft is
verified against its source with the grounding check only (the drafts copy their sources, so
copying would flag them all). A flag is a hit when it overlaps a planted error, else a false
positive; clean drafts (no planted error, figures rewritten into equivalent forms) should have
no flags at all. The baseline, measured in the same run, flags every figure string (digit run or
Chinese numeral run) of the draft that no source contains verbatim.

PII: a synthetic set of valid items (resident IDs with correct checksums, mobile numbers in
several formats, e-mail addresses, Luhn-valid bank cards, street addresses) must all be flagged;
ID numbers with a wrong checksum or impossible birth date must not be.

    python benchmarks/bench_grounding.py [--corpus corpus.jsonl] [--news-zh P] [--news-en P]
        [--rotowire P] [--nlpcc P] [--seed N] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_grounding_corpus import add_arguments, generate, stats

from zhimei.desk.verify import VerifyPolicy, verify

_FIGURE_CATEGORIES = {"number", "percent", "money", "date"}
_NAIVE = re.compile(r"\d+(?:[.,]\d+)*|[零〇一二两三四五六七八九十百千万亿点]{2,}")


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def naive_flags(draft: str, sources: list[str]) -> list[tuple[int, int]]:
    """The baseline: figure strings of the draft that no source contains verbatim."""
    return [m.span() for m in _NAIVE.finditer(draft) if not any(m.group() in s for s in sources)]


def score(rows: list[dict[str, Any]], flagger: Any, figures_only: bool) -> dict[str, Any]:
    """Hits, misses and false positives, overall and by language, error type and numeral form."""
    c: Counter[str] = Counter()
    misses: list[tuple[str, dict[str, Any], str]] = []
    false_pos: list[tuple[str, str, str]] = []
    for row in rows:
        flags = flagger(row)
        planted = [p for p in row["planted"] if not figures_only or p["type"] != "name"]
        lang = row["lang"]
        for p in planted:
            hit = any(_overlap(span, (p["start"], p["end"])) for span, _ in flags)
            kind = "names" if p["type"] == "name" else "figures"
            for key in ("all", lang, kind, f"{lang}_{kind}", f"type_{p['type']}", f"form_{p['form']}"):
                c[f"planted_{key}"] += 1
                c[f"hit_{key}"] += hit
            if not hit:
                misses.append((row["id"], p, row["draft"]))
        for span, category in flags:
            good = any(_overlap(span, (p["start"], p["end"])) for p in planted)
            kind = "figures" if category in _FIGURE_CATEGORIES else "names"
            where = "clean" if row["clean"] else "planted"
            for key in ("all", lang, kind, f"{lang}_{kind}", where):
                c[f"flags_{key}"] += 1
                c[f"true_{key}"] += good
            if not good:
                false_pos.append((row["id"], row["draft"][span[0] : span[1]], category))
        if row["clean"]:
            c["clean_drafts"] += 1
            c["clean_drafts_flagged"] += bool(flags)
    return {"counts": c, "misses": misses, "false_positives": false_pos}


def ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def report(name: str, result: dict[str, Any], keys: Iterable[str]) -> None:
    c = result["counts"]
    for key in keys:
        recall = ratio(c[f"hit_{key}"], c[f"planted_{key}"])
        precision = ratio(c[f"true_{key}"], c[f"flags_{key}"])
        print(
            f"{name}_{key}: recall={recall:.3f} ({c[f'hit_{key}']}/{c[f'planted_{key}']}) "
            f"precision={precision:.3f} ({c[f'true_{key}']}/{c[f'flags_{key}']})"
        )


# --- PII ---------------------------------------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(rng: random.Random, valid: bool) -> str:
    """A synthetic resident ID: a real province code, a real birth date, checksum right or wrong."""
    region = rng.choice(["110105", "310104", "440305", "330106", "510107", "650102", "210202"])
    birth = f"{rng.randint(1940, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = region + birth + f"{rng.randint(0, 999):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    if not valid:
        check = rng.choice([c for c in "0123456789X" if c != check])
    return body + check


def card(rng: random.Random) -> str:
    prefix = rng.choice(["4", "51", "55", "62", "6222"])
    length = rng.choice([16, 16, 19])
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    for d in "0123456789":
        digits = body + d
        total = sum(
            (int(c) * 2 - 9 if int(c) > 4 else int(c) * 2) if i % 2 else int(c)
            for i, c in enumerate(reversed(digits))
        )
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable: one check digit always fits")


def pii_items(rng: random.Random) -> list[tuple[str, str, str]]:
    """(category, item, sentence) triples: 15 IDs, 15 mobiles, 10 e-mails, 10 cards, 10 addresses."""
    items: list[tuple[str, str, str]] = []
    for _ in range(15):
        n = resident_id(rng, True)
        items.append(("resident_id", n, f"当事人身份证号为{n}，已登记。"))
    for i in range(15):
        digits = f"1{rng.choice('3456789')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"
        shown = [
            digits,
            f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}",
            f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
        ][i % 3]
        items.append(("mobile", shown, f"联系电话：{shown}。" if i % 2 else f"Call him on {shown} today."))
    for i in range(10):
        mail = f"user{i}.{rng.randint(1, 999)}@example{i}.com.cn"
        items.append(("email", mail, f"请发送至{mail}。"))
    for i in range(10):
        n = card(rng)
        shown = " ".join(n[j : j + 4] for j in range(0, len(n), 4)) if i % 2 else n
        items.append(("bank_card", shown, f"收款卡号 {shown}，请核对。"))
    streets = ["建国路", "中山北路", "人民大道", "解放街", "文三路"]
    for i in range(10):
        house = f"{rng.randint(1, 999)}号{rng.randint(1, 20)}栋{rng.randint(101, 2505)}室"
        addr = f"浙江省杭州市西湖区{streets[i % 5]}{house}"
        items.append(("address", addr, f"他住在{addr}，多年未搬。"))
    return items


def pii_bench(rng: random.Random) -> None:
    policy = VerifyPolicy(checks=("pii",))
    found = Counter[str]()
    total = Counter[str]()
    for category, item, sentence in pii_items(rng):
        total[category] += 1
        start = sentence.index(item)
        flags = verify(sentence, [], lang="zh", policy=policy).flags
        found[category] += any(
            f.category == category and f.start <= start and f.end >= start + len(item) for f in flags
        )
    invalid = [resident_id(rng, False) for _ in range(50)]
    bad_dates = ["11010519901345123X", "110105199002301234", "110105189901011234"]
    wrong = sum(
        len(verify(f"身份证号{n}。", [], lang="zh", policy=policy).flags) for n in [*invalid, *bad_dates]
    )
    for category in total:
        share = found[category] / total[category]
        print(f"pii_{category}: recall={share:.3f} ({found[category]}/{total[category]})")
    print(
        f"pii_overall: recall={sum(found.values()) / sum(total.values()):.3f} "
        f"({sum(found.values())}/{sum(total.values())}) invalid_id_flags={wrong} "
        f"(of {len(invalid) + len(bad_dates)} invalid ID numbers)"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(ap)
    ap.add_argument("--corpus", type=Path, help="a corpus written by make_grounding_corpus.py")
    ap.add_argument("--show-misses", action="store_true", help="print every miss and false positive")
    ap.add_argument("--quick", action="store_true", help="accepted for run_all.py; the run is already quick")
    args = ap.parse_args()
    if args.corpus:
        with args.corpus.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
    else:
        rows = generate(args.news_zh, args.news_en, args.rotowire, args.nlpcc, args.headlines, args.seed)
        print("corpus:", stats(rows))
    policy = VerifyPolicy(checks=("grounding",))
    verify("预热", ["预热"], lang="zh", policy=policy)  # jieba's dictionary loads once, outside the timing
    start = time.perf_counter()
    ours = score(
        rows,
        lambda row: [
            ((f.start, f.end), f.category)
            for f in verify(row["draft"], row["sources"], lang=row["lang"], policy=policy).flags
        ],
        figures_only=False,
    )
    seconds = time.perf_counter() - start
    ours_figures = score(
        rows,
        lambda row: [
            ((f.start, f.end), f.category)
            for f in verify(
                row["draft"],
                row["sources"],
                lang=row["lang"],
                policy=VerifyPolicy(checks=("grounding",), names=False),
            ).flags
        ],
        figures_only=True,
    )
    naive = score(rows, lambda row: [(s, "number") for s in naive_flags(row["draft"], row["sources"])], True)
    keys = ["all", "zh", "en", "figures", "names", "zh_figures", "zh_names", "en_figures", "en_names"]
    report("verify", ours, keys)
    c = ours["counts"]
    for key in ("type_number", "type_date", "type_name", "form_digits", "form_zh_numeral", "form_wan_yi"):
        hits, planted = c[f"hit_{key}"], c[f"planted_{key}"]
        print(f"verify_{key}: recall={ratio(hits, planted):.3f} ({hits}/{planted})")
    print(
        f"verify_clean: drafts={c['clean_drafts']} flagged={c['clean_drafts_flagged']} "
        f"flags={c['flags_clean']} "
        f"precision_including_clean={ratio(c['true_all'], c['flags_all']):.3f}"
    )
    report("verify_figures_only", ours_figures, ["figures"])
    report("naive_figures", naive, ["figures"])
    o, n = ours_figures["counts"], naive["counts"]
    recall_x = ratio(o["hit_figures"], o["planted_figures"]) / ratio(n["hit_figures"], n["planted_figures"])
    precision_x = ratio(o["true_figures"], o["flags_figures"]) / ratio(n["true_figures"], n["flags_figures"])
    print(
        f"figure_recall_ratio_vs_naive={recall_x:.2f}x figure_precision_ratio_vs_naive={precision_x:.2f}x "
        f"naive_clean_drafts_flagged={n['clean_drafts_flagged']}/{n['clean_drafts']}"
    )
    print(f"verify_ms_per_draft={1000 * seconds / max(1, len(rows)):.1f} drafts={len(rows)}")
    pii_bench(random.Random(args.seed))
    if args.show_misses:
        for rid, p, draft in ours["misses"]:
            print(
                f"MISS {rid} {p['type']}/{p['form']} {p['original']!r} -> {p['replacement']!r} in {draft!r}"
            )
        for rid, text, category in ours["false_positives"]:
            print(f"FALSE {rid} {category} {text!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
