"""Long verbatim overlaps between a draft and its sources, for attribution or rewriting.

Units are characters for zh (whitespace skipped, so a re-wrapped paragraph still matches) and
case-folded words for en. An overlap of at least ``min_units`` units is flagged once, with the
sources it comes from.

Seed-and-extend, linear in practice: every source is indexed (a dict) by seeds of ``k = min_units
// 2`` units taken every ``min_units - k + 1`` units, so any overlap of ``min_units`` units holds
one whole indexed seed. Each seed the draft shares is then extended left and right unit by unit
to the maximal verbatim match. Memory is a few dict entries per ``min_units/2`` source units; a
seed repeated more than :data:`MAX_SEED_HITS` times in the sources (boilerplate, runs of one
character) is only tried at its first positions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence

from zhimei.desk.verify.findings import Finding
from zhimei.records import Lang

__all__ = ["MAX_SEED_HITS", "find_copying"]

MAX_SEED_HITS = 8
_EN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_FIRST_CODE = 0x10000
_CODES = 0x10FFFF - _FIRST_CODE


def _units(text: str, lang: Lang, vocab: dict[str, str]) -> tuple[str, list[tuple[int, int]]]:
    """The text as a string of one character per unit, and each unit's span in the text."""
    if lang == "zh":
        spans = [(i, i + 1) for i, ch in enumerate(text) if not ch.isspace()]
        return "".join(text[s].lower() if text[s].isascii() else text[s] for s, _ in spans), spans
    codes = []
    spans = []
    for m in _EN_WORD.finditer(text):
        word = m.group().casefold()
        code = vocab.get(word)
        if code is None:
            # One private code point per distinct word keeps slicing and hashing in C.
            code = vocab[word] = chr(_FIRST_CODE + len(vocab) % _CODES)
        codes.append(code)
        spans.append(m.span())
    return "".join(codes), spans


def find_copying(draft: str, sources: Sequence[str], lang: Lang, min_units: int) -> Iterator[Finding]:
    """One finding per maximal stretch of ``draft`` copied verbatim (``min_units`` or more) from a source."""
    vocab: dict[str, str] = {}
    d, d_spans = _units(draft, lang, vocab)
    if len(d) < min_units:
        return
    k = max(2, min_units // 2)
    stride = min_units - k + 1
    units = [_units(s, lang, vocab)[0] for s in sources]
    index: dict[str, list[tuple[int, int]]] = {}
    for si, s in enumerate(units):
        for pos in range(0, len(s) - k + 1, stride):
            hits = index.setdefault(s[pos : pos + k], [])
            if len(hits) < MAX_SEED_HITS:
                hits.append((si, pos))
    found: list[tuple[int, int, set[int]]] = []
    i = 0
    while i <= len(d) - k:
        best: tuple[int, int, int] | None = None
        for si, pos in index.get(d[i : i + k], ()):
            s = units[si]
            left = 0
            while i - left > 0 and pos - left > 0 and d[i - left - 1] == s[pos - left - 1]:
                left += 1
            right = 0
            while (
                i + k + right < len(d) and pos + k + right < len(s) and d[i + k + right] == s[pos + k + right]
            ):
                right += 1
            start, end = i - left, i + k + right
            if end - start >= min_units:
                if found and start < found[-1][1]:
                    prev = found[-1]
                    found[-1] = (min(prev[0], start), max(prev[1], end), prev[2] | {si})
                else:
                    found.append((start, end, {si}))
                if best is None or end > best[1]:
                    best = (start, end, si)
        # Skip past a found overlap: every seed inside it would extend to the same match.
        i = max(i + 1, best[1] - k + 1) if best else i + 1
    for start, end, which in found:
        a, b = d_spans[start][0], d_spans[end - 1][1]
        digest = hashlib.sha256(d[start:end].encode("utf-8", "surrogatepass")).hexdigest()[:16]
        names = ", ".join(str(n + 1) for n in sorted(which))
        unit = "characters" if lang == "zh" else "words"
        yield Finding(
            "copying",
            "overlap",
            a,
            b,
            value=f"sha256:{digest}",
            detail=f"{end - start} {unit} copied verbatim from source {names}; attribute or rewrite",
        )
